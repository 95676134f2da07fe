/**
 * The masked copy a run writes beside a snapshot with PII columns: a masked parquet download
 * streams it as it is, its values are those of every other read path for the same key (a
 * masked query, the PostgreSQL port's `_masked` view), it never holds the key, and a copy
 * written under another key is never served (a rotation masks on the fly until the next run).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataExport } from '../../src/access/access-api.js';
import { localScope, type AccessScope } from '../../src/access/principal.js';
import { configFromEnv, type MeshConfig } from '../../src/core/mesh-config.js';
import { openEngine } from '../../src/engine/duckdb-engine.js';
import { maskHash } from '../../src/engine/masking-key.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { readCurrentPointer } from '../../src/ports/warehouse.js';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import { pipelineBundle, uniqueName } from '../helpers/pipelines.js';
import { createTestDatabase, createTestRegistry, type TestRegistry } from '../helpers/registries.js';
import pg from 'pg';
import { PEOPLE, PEOPLE_COLUMNS, PEOPLE_SQL, writePeopleCsv } from '../helpers/people.js';

const KEY = 'access-perf-key-one-0123456789abcdef';
const ROTATED = 'access-perf-key-two-fedcba9876543210';
const ana: AccessScope = { principal: { user: 'ana', role: 'consumer' } };

/** Rows of a parquet file (or bytes written to one), by id, as plain strings. */
async function parquetRows(file: string): Promise<Array<Record<string, unknown>>> {
  const engine = await openEngine();
  try {
    const rows = await engine.rows(`SELECT * FROM read_parquet(${quoteLiteral(file)}) ORDER BY id`);
    return rows.map((r) => ({ ...r, id: Number(r.id) }));
  } finally {
    engine.close();
  }
}

async function bytes(exported: DataExport): Promise<Buffer> {
  return Buffer.from(await new Response(exported.body).arrayBuffer());
}

describe('the masked copy of a snapshot', () => {
  let db: TestRegistry;
  let target: { url: string; drop: () => Promise<void> };
  let sqlPort: pg.Client;
  let home: string;
  let config: MeshConfig;
  let platform: LocalPlatform;
  let product: string;
  let table: string;
  const saved = process.env.ACCESS_PERF_SQLPORT;

  beforeAll(async () => {
    db = await createTestRegistry('sqlite');
    target = await createTestDatabase('access_perf_masked');
    sqlPort = new pg.Client({ connectionString: target.url });
    await sqlPort.connect();
    home = mkdtempSync(join(tmpdir(), 'mesh-access-perf-masked-'));
    config = { ...configFromEnv({}, home), home, warehouseDir: join(home, 'warehouse'), actor: 'root' };
    platform = new LocalPlatform({ registry: db.registry, config, maskingKey: KEY });
    await createTeam(db.registry, { name: 'analytics', domains: ['analytics'] });
    await addTeamMember(db.registry, 'analytics', 'ana');
    const csv = writePeopleCsv(home);
    const name = uniqueName('people');
    product = `identity/${name}`;
    table = name.replace(/-/g, '_');
    const bundle = pipelineBundle({
      domain: 'identity',
      name,
      inputs: [{ name: 'people', source: { type: 'file', path: csv, format: 'csv' } }],
      sql: PEOPLE_SQL,
      primaryKey: ['id'],
      columns: PEOPLE_COLUMNS,
      access: { default: 'deny', allow: [{ team: 'analytics' }] },
      ports: [
        { name: 'files', type: 'parquet' },
        { name: 'sql', type: 'postgres', connection: '${ACCESS_PERF_SQLPORT}', table: `public.${table}` },
      ],
    });
    await platform.publish(bundle);
    process.env.ACCESS_PERF_SQLPORT = target.url;
    const run = await platform.runProduct(product, { env: { ...process.env, ACCESS_PERF_SQLPORT: target.url } });
    expect(run.status, run.error ?? '').toBe('succeeded');
  }, 60_000);
  afterAll(async () => {
    if (saved === undefined) delete process.env.ACCESS_PERF_SQLPORT;
    else process.env.ACCESS_PERF_SQLPORT = saved;
    await sqlPort?.end();
    await target?.drop();
    await platform?.close();
    await db?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  const snapshotDir = () => dirname(readCurrentPointer(config.warehouseDir, product, 1)!.file);
  const maskedFiles = () => readdirSync(snapshotDir()).filter((f) => f.startsWith('masked-'));

  it('is written once by the run, beside the snapshot, and holds masked values only, never the key', async () => {
    expect(maskedFiles()).toEqual([expect.stringMatching(/^masked-[0-9a-f]{16}\.parquet$/)]);
    const file = join(snapshotDir(), maskedFiles()[0]);
    const content = readFileSync(file);
    expect(content.includes(Buffer.from(KEY))).toBe(false);
    for (const p of PEOPLE)
      for (const v of [p.email, p.name, p.phone, p.ssn]) expect(content.includes(Buffer.from(v))).toBe(false);
    expect((await parquetRows(file))[0]).toEqual({
      id: 1,
      email: maskHash(KEY, 'ada@example.com'),
      name: 'A***e',
      phone: '***',
      ssn: null,
      country: 'UK',
    });
  });

  it('is what a masked parquet download streams, with the values of a masked query and of the SQL port view', async () => {
    const exported = await platform.exportData(ana, product, { format: 'parquet' });
    expect(exported).toMatchObject({ piiCleared: false, rows: 3, maskedColumns: ['email', 'name', 'phone', 'ssn'] });
    const copy = join(snapshotDir(), maskedFiles()[0]);
    const downloaded = await bytes(exported);
    expect(downloaded.equals(readFileSync(copy))).toBe(true);
    const out = join(home, 'download.parquet');
    writeFileSync(out, downloaded);
    const rows = await parquetRows(out);

    const result = await platform.query(ana, { sql: `SELECT * FROM identity.${table} ORDER BY id` });
    const names = result.columns.map((c) => c.name);
    const queried: Array<Record<string, unknown>> = [];
    for await (const batch of result.batches())
      for (const r of batch) queried.push(Object.fromEntries(names.map((n, i) => [n, r[i]])));
    await result.summary;
    expect(queried.map((r) => ({ ...r, id: Number(r.id) }))).toEqual(rows);

    await sqlPort.query('BEGIN');
    try {
      await sqlPort.query('SET LOCAL ROLE mesh_team_analytics');
      const viewed = (await sqlPort.query(`SELECT * FROM ${table}_masked ORDER BY id`)).rows;
      expect(viewed.map((r: Record<string, unknown>) => ({ ...r, id: Number(r.id) }))).toEqual(rows);
    } finally {
      await sqlPort.query('ROLLBACK');
    }
    // The CSV download is read from the same copy: the same values.
    const csv = (await new Response((await platform.exportData(ana, product, { format: 'csv' })).body).text()).trim();
    expect(csv.split('\n')[1]).toBe(`1,${maskHash(KEY, 'ada@example.com')},A***e,***,,UK`);
    // Streamed as it is, not masked again per download: what the copy holds is what comes out.
    const original = readFileSync(copy);
    try {
      const engine = await openEngine();
      await engine.connection.run(
        `COPY (SELECT * REPLACE ('from the copy' AS country) FROM read_parquet(${quoteLiteral(out)})) TO ${quoteLiteral(copy)} (FORMAT parquet)`,
      );
      engine.close();
      const marked = join(home, 'marked.parquet');
      writeFileSync(marked, await bytes(await platform.exportData(ana, product, { format: 'parquet' })));
      expect((await parquetRows(marked)).map((r) => r.country)).toEqual([
        'from the copy',
        'from the copy',
        'from the copy',
      ]);
    } finally {
      writeFileSync(copy, original);
    }
  });

  it('is not served under another key: a rotated key masks on the fly, and the next run writes its own copy', async () => {
    const rotated = new LocalPlatform({ registry: db.registry, config, maskingKey: ROTATED });
    try {
      const read = async (p: LocalPlatform) => {
        const out = join(home, `read-${Math.random().toString(36).slice(2)}.parquet`);
        writeFileSync(out, await bytes(await p.exportData(ana, product, { format: 'parquet' })));
        return (await parquetRows(out)).map((r) => r.email);
      };
      const byKey = (key: string) => PEOPLE.map((p) => maskHash(key, p.email));
      expect(await read(rotated)).toEqual(byKey(ROTATED));
      const env = { ...process.env, ACCESS_PERF_SQLPORT: target.url };
      expect((await rotated.runProduct(product, { env })).status).toBe('succeeded');
      expect(maskedFiles()).toHaveLength(1);
      expect(await read(rotated)).toEqual(byKey(ROTATED));
      // The copy of the new run is the rotated key's: the old key's reader masks on the fly, never the other's file.
      expect(await read(platform)).toEqual(byKey(KEY));
      const log = await platform.accessLog(localScope('root'), { product });
      expect(log.filter((r) => r.path === 'download' && r.user === 'ana')).toHaveLength(6);
    } finally {
      await rotated.close();
    }
  });
});
