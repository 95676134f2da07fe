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
import { getWatermarks } from '../../src/registry/operations/runs/get-watermarks.js';
import { openRegistry, type Registry } from '../../src/registry/registry.js';
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
});
