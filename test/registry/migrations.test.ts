/**
 * Upgrades: a registry written by an older Meshwork opens under the new one with its data
 * carried over, on both backends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from '../../src/registry/migrations/migrate.js';
import { m012StandingGrants } from '../../src/registry/migrations/012-standing-grants.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { listGrants } from '../../src/registry/operations/access/list-grants.js';
import { getCurrentSnapshot } from '../../src/registry/operations/runs/current-snapshot.js';
import { getWatermarks } from '../../src/registry/operations/runs/get-watermarks.js';
import { openRegistry, type Registry } from '../../src/registry/registry.js';
import { pipelineBundle } from '../helpers/pipelines.js';
import { BACKENDS, createTestDatabase } from '../helpers/registries.js';

describe.each(BACKENDS)('registry upgrades on %s', (backend) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  async function unmigrated(): Promise<Registry> {
    if (backend === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'mesh-upgrade-'));
      const registry = await openRegistry({ sqlitePath: join(dir, 'registry.sqlite'), migrate: false });
      cleanups.push(async () => {
        await registry.close();
        rmSync(dir, { recursive: true, force: true });
      });
      return registry;
    }
    const db = await createTestDatabase('mesh_upgrade');
    const registry = await openRegistry({ url: db.url, migrate: false });
    cleanups.push(async () => {
      await registry.close();
      await db.drop();
    });
    return registry;
  }

  it('moves each incremental watermark to the major of the run that wrote it (006)', async () => {
    const registry = await unmigrated();
    await migrateTo(registry, '005-policy-sets');
    const at = '2026-11-01T00:00:00.000Z';
    for (const [id, version] of [
      ['run-1', '1.4.0'],
      ['run-2', '12.0.1'],
    ]) {
      await sql`INSERT INTO pipeline_runs (id, product_id, version, trigger, status, started_at, steps, inputs) VALUES (${id}, ${`sales/${id}`}, ${version}, 'manual', 'succeeded', ${at}, '[]', '[]')`.execute(
        registry.db,
      );
      await sql`INSERT INTO watermarks (product_id, input_name, value, run_id, updated_at) VALUES (${`sales/${id}`}, 'orders', ${JSON.stringify(`${version} mark`)}, ${id}, ${at})`.execute(
        registry.db,
      );
    }
    await migrateToLatest(registry);
    expect(await getWatermarks(registry, 'sales/run-1', 1)).toEqual(new Map([['orders', '1.4.0 mark']]));
    expect(await getWatermarks(registry, 'sales/run-2', 12)).toEqual(new Map([['orders', '12.0.1 mark']]));
    expect(await getWatermarks(registry, 'sales/run-2', 1)).toEqual(new Map());
  });

  it('makes the newest recorded snapshot of each major current (007)', async () => {
    const registry = await unmigrated();
    await migrateTo(registry, '006-major-watermarks');
    const snapshots: Array<[string, string, string, number]> = [
      ['20261101t000000000z-aaaaaa', 'sales/orders', '1.0.0', 10],
      ['20261102t000000000z-bbbbbb', 'sales/orders', '1.1.0', 11],
      ['20261103t000000000z-cccccc', 'sales/orders', '2.0.0', 20],
      ['20261101t120000000z-dddddd', 'hr/people', '12.3.4', 5],
    ];
    for (const [id, product, version, rows] of snapshots) {
      await sql`INSERT INTO snapshots (id, product_id, version, run_id, rows, ports, published_at) VALUES (${id}, ${product}, ${version}, ${id}, ${rows}, '[]', ${'2026-11-01T00:00:00.000Z'})`.execute(
        registry.db,
      );
    }
    await migrateToLatest(registry);
    expect(await getCurrentSnapshot(registry, 'sales/orders', 1)).toMatchObject({
      snapshotId: '20261102t000000000z-bbbbbb',
      version: '1.1.0',
      rows: 11,
    });
    expect((await getCurrentSnapshot(registry, 'sales/orders', 2))?.snapshotId).toBe('20261103t000000000z-cccccc');
    expect((await getCurrentSnapshot(registry, 'hr/people', 12))?.snapshotId).toBe('20261101t120000000z-dddddd');
    expect(await getCurrentSnapshot(registry, 'hr/people', 1)).toBeUndefined();
  });

  it('gives the products published before access control the standing grants of their latest version per major (012)', async () => {
    const registry = await unmigrated();
    await migrateToLatest(registry);
    const home = mkdtempSync(join(tmpdir(), 'mesh-upgrade-home-'));
    cleanups.push(async () => rmSync(home, { recursive: true, force: true }));
    const config = { ...configFromEnv({}, home), home, warehouseDir: join(home, 'warehouse'), actor: 'test' };
    const platform = new LocalPlatform({ registry, config });
    const publish = async (version: string, access: NonNullable<DataProduct['spec']['access']>) => {
      const bundle = pipelineBundle({
        domain: 'sales',
        name: 'orders',
        version,
        inputs: [{ name: 'o', source: { type: 'file', path: '/nonexistent.csv', format: 'csv' } }],
        sql: 'SELECT id FROM o',
        columns: [{ name: 'id', type: 'bigint', nullable: false, pii: 'none' }],
        access,
      });
      await platform.publish(bundle);
    };
    await publish('1.0.0', { default: 'deny', allow: [{ team: 'analytics' }] });
    await publish('1.1.0', { default: 'deny', allow: [{ team: 'hr' }], pii: [{ team: 'fraud' }] });
    await publish('2.0.0', { default: 'allow' });
    const kept = await sql<{ id: string }>`SELECT id FROM grants WHERE major = 2`.execute(registry.db);
    // As a registry written before grants existed: the first two majors hold none.
    await sql`DELETE FROM grants WHERE major = 1`.execute(registry.db);
    // Today's code publishes into today's schema; migration 012's step runs on what it left.
    await m012StandingGrants().up(registry.db as never);
    const grants = await listGrants(registry, { product: 'sales/orders' });
    expect(grants.map((g) => `${g.major}:${g.granteeKind}:${g.grantee}:${g.pii}:${g.origin}`).sort()).toEqual([
      '1:team:fraud:true:standing',
      '1:team:hr:false:standing',
      '2:everyone:*:false:standing',
    ]);
    // A major that had its grants keeps them, ids included (the audit log names them).
    expect(grants.filter((g) => g.major === 2).map((g) => g.id)).toEqual(kept.rows.map((r) => r.id));
    expect(grants.find((g) => g.major === 1)?.grantedBy).toBe('meshwork:migration-012');
  });
});
