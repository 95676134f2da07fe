/**
 * A consumer query through the access layer, on both registries: a product without a grant is
 * refused with the request to make (and logged), a granted reader without PII clearance sees
 * the masked values through any SQL, a PII-cleared reader sees them in clear, and every read
 * is an audit row.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localScope, type AccessScope } from '../../src/access/principal.js';
import { NotAllowedError } from '../../src/core/errors.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { accessQueryCatalog } from '../../src/query/access-catalog.js';
import { runQuery } from '../../src/query/run-query.js';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import { pipelineBundle } from '../helpers/pipelines.js';
import { BACKENDS, createTestRegistry, type TestRegistry } from '../helpers/registries.js';

const KEY = 'query-test-key-0123456789abcdef';
const LIMITS = { rows: 1000, timeoutMs: 10_000, memoryLimit: '256MB', threads: 1 };

describe.each(BACKENDS)('queries through the access decision on %s', (backend) => {
  let t: TestRegistry;
  let home: string;
  let platform: LocalPlatform;
  const scopeOf = (user: string, asTeam?: string): AccessScope => ({
    principal: { user, role: 'consumer' },
    ...(asTeam ? { asTeam } : {}),
  });
  const query = async (sql: string, scope: AccessScope) => {
    const catalog = accessQueryCatalog(t.registry, scope, { warehouseDir: platform.config.warehouseDir, hashKey: KEY });
    const rows: unknown[][] = [];
    const summary = await runQuery(sql, catalog, { columns() {}, rows: (r) => void rows.push(...r) }, LIMITS);
    await catalog.logReads({ rows: summary.rows, durationMs: summary.elapsedMs });
    return { rows, summary };
  };

  beforeAll(async () => {
    t = await createTestRegistry(backend);
    home = mkdtempSync(join(tmpdir(), 'mesh-query-access-'));
    const config = { ...configFromEnv({}, home), home, warehouseDir: join(home, 'warehouse'), actor: 'root' };
    platform = new LocalPlatform({ registry: t.registry, config, maskingKey: KEY });
    for (const [team, domain, member] of [
      ['analytics', 'analytics', 'ana'],
      ['fraud', 'risk', 'fred'],
      ['marketing', 'marketing', 'mark'],
    ]) {
      await createTeam(t.registry, { name: team, domains: [domain] });
      await addTeamMember(t.registry, team, member);
    }
    const csv = join(home, 'people.csv');
    writeFileSync(csv, 'id,email,country\n1,ada@example.com,UK\n2,bob@example.com,US\n');
    const bundle = pipelineBundle({
      domain: 'identity',
      name: 'people',
      inputs: [{ name: 'people', source: { type: 'file', path: csv, format: 'csv' } }],
      sql: 'SELECT id, email, country FROM people',
      primaryKey: ['id'],
      columns: [
        { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
        { name: 'email', type: 'varchar', pii: 'direct', masking: 'hash' },
        { name: 'country', type: 'varchar', pii: 'none' },
      ],
    });
    const product = JSON.parse(bundle.yaml) as DataProduct;
    product.spec.access = { default: 'deny', allow: [{ team: 'analytics' }], pii: [{ team: 'fraud' }] };
    await platform.publish({ ...bundle, yaml: JSON.stringify(product) });
    expect((await platform.runProduct('identity/people')).status).toBe('succeeded');
  });
  afterAll(async () => {
    await platform?.close();
    await t?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses a reader without a grant, naming the request to make, and logs the refusal', async () => {
    const error = await query('SELECT * FROM identity.people', scopeOf('mark')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotAllowedError);
    expect((error as NotAllowedError).message).toContain('may not read identity/people@1');
    expect(JSON.stringify((error as NotAllowedError).details)).toContain('mesh access request identity/people@1');
    const log = await platform.accessLog(localScope('root'), { product: 'identity/people' });
    expect(log.find((r) => r.user === 'mark')).toMatchObject({ allowed: false, path: 'query' });
  });

  it('masks PII for a granted reader through joins, aggregates and CASE', async () => {
    const { rows, summary } = await query(
      `SELECT p.email, max(CASE WHEN q.country = 'UK' THEN q.email END) AS any_email
         FROM identity.people p JOIN identity.people_v1 q USING (id) GROUP BY p.email ORDER BY 1`,
      scopeOf('ana'),
    );
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain('@example.com');
    expect(String(rows[0][0])).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(summary.tables.map((x) => x.maskedColumns)).toEqual([['email'], ['email']]);
    const log = await platform.accessLog(localScope('root'), { product: 'identity/people' });
    expect(log.find((r) => r.user === 'ana')).toMatchObject({ allowed: true, path: 'query', maskedColumns: ['email'] });
  });

  it('shows PII in clear to a PII-cleared team', async () => {
    const { rows } = await query('SELECT email FROM identity.people ORDER BY id', scopeOf('fred'));
    expect(rows).toEqual([['ada@example.com'], ['bob@example.com']]);
  });
});
