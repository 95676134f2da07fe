/**
 * A new major is published beside the old one: until its sunset the deprecated major keeps
 * running (by hand as domain/name@major, and on its schedule) with its own watermarks and
 * snapshots, leaves the ports it shares with the new major alone, and stops once retired.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCurrentPointer } from '../../src/ports/warehouse.js';
import { scheduledProducts } from '../../src/server/scheduler/scheduled-products.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { createChinookDatabase, type ChinookDatabase } from '../helpers/chinook.js';
import { createPipelineHarness, pipelineBundle, uniqueName, type PipelineHarness } from '../helpers/pipelines.js';
import { BACKENDS, createTestDatabase } from '../helpers/registries.js';

describe.each(BACKENDS)('deprecated majors keep running until their sunset (%s registry)', (backend) => {
  let chinook: ChinookDatabase;
  let warehouse: { url: string; drop: () => Promise<void> };
  let h: PipelineHarness;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    chinook = await createChinookDatabase();
    warehouse = await createTestDatabase('mesh_wh');
    h = await createPipelineHarness(backend);
    env = { ...process.env, CHINOOK_DB_URI: chinook.url, WAREHOUSE_URI: warehouse.url };
  });
  afterAll(async () => {
    await h?.dispose();
    await chinook?.drop();
    await warehouse?.drop();
  });

  /** An hourly, incremental product over `table`; v2 drops the name column (a breaking change). */
  function moods(name: string, table: string, version: '1.0.0' | '2.0.0') {
    const v1 = version === '1.0.0';
    const bundle = pipelineBundle({
      domain: 'catalog',
      name,
      version,
      inputs: [
        {
          name: 'mood',
          source: {
            type: 'postgres',
            connection: '${CHINOOK_DB_URI}',
            query: `SELECT id, ${v1 ? 'name, ' : ''}changed_at FROM ${table} WHERE changed_at > :last_run`,
            watermark: 'changed_at',
          },
        },
      ],
      sql: 'SELECT * FROM mood',
      columns: [
        { name: 'id', type: 'integer', nullable: false, pii: 'none' },
        ...(v1 ? [{ name: 'name', type: 'varchar', nullable: false, pii: 'none' as const }] : []),
        { name: 'changed_at', type: 'timestamp', nullable: false, pii: 'none' },
      ],
      primaryKey: ['id'],
      ports: [
        { name: 'files', type: 'parquet' },
        { name: 'sql', type: 'postgres', connection: '${WAREHOUSE_URI}', table: `catalog.${table}` },
      ],
    });
    const product = JSON.parse(bundle.yaml) as DataProduct;
    product.spec.schedule = '0 * * * *';
    return { ...bundle, yaml: JSON.stringify(product, null, 2) };
  }

  it('runs domain/name@1 beside 2.0.0 with its own watermark and snapshots, leaving the shared SQL table to 2.0.0, until retired', async () => {
    const name = uniqueName('moods');
    const table = `src_${name.replace(/-/g, '_')}`;
    const id = `catalog/${name}`;
    await chinook.query(
      `CREATE TABLE ${table} (id integer PRIMARY KEY, name text NOT NULL, changed_at timestamp NOT NULL)`,
    );
    await chinook.query(
      `INSERT INTO ${table} VALUES (1, 'calm', '2026-01-01'), (2, 'eager', '2026-01-02'), (3, 'wry', '2026-01-03')`,
    );
    const sqlTable = new pg.Client({ connectionString: warehouse.url });
    await sqlTable.connect();
    try {
      await h.platform.publish(moods(name, table, '1.0.0'));
      expect((await h.platform.runProduct(id, { env })).rowsOut).toBe(3);

      await chinook.query(`INSERT INTO ${table} VALUES (4, 'glad', '2026-01-04')`);
      await h.platform.publish(moods(name, table, '2.0.0'));
      // 2.0.0 starts from its own (empty) watermark: every row, not only the one since 1.0.0's last run.
      const v2 = await h.platform.runProduct(id, { env });
      expect(v2).toMatchObject({ status: 'succeeded', version: '2.0.0', rowsOut: 4 });
      expect(v2.inputs[0]).toMatchObject({ rowsIn: 4 });

      await chinook.query(`INSERT INTO ${table} VALUES (5, 'keen', '2026-01-05')`);
      const v1 = await h.platform.runProduct(`${id}@1`, { env });
      expect(v1).toMatchObject({ status: 'succeeded', version: '1.0.0', rowsOut: 5 });
      expect(v1.inputs[0]).toMatchObject({ rowsIn: 2, watermark: '2026-01-05 00:00:00' }); // rows 4 and 5, since 1.0.0's own last run
      expect(v1.steps.find((s) => s.name === 'publish')!.note).toBe(
        'left to 2.0.0, which publishes there too: sql (postgres)',
      );
      expect(readCurrentPointer(h.platform.config.warehouseDir, id, 1)!.snapshotId).toBe(v1.snapshotId);
      expect(readCurrentPointer(h.platform.config.warehouseDir, id, 2)!.snapshotId).toBe(v2.snapshotId);
      // The SQL table is 2.0.0's: its columns, its rows.
      const live = await sqlTable.query(`SELECT * FROM catalog.${table} ORDER BY id`);
      expect(live.fields.map((f) => f.name)).toEqual(['id', 'changed_at']);
      expect(live.rowCount).toBe(4);
      // Its events are about the major, so the product's own freshness follows 2.0.0.
      const events = await h.platform.listEvents({ subject: `${id}@1` });
      expect(events.map((e) => e.type)).toEqual(['run.succeeded']);

      expect([...(await scheduledProducts(h.registry.registry)).keys()].filter((k) => k.startsWith(id))).toEqual([
        id,
        `${id}@1`,
      ]);

      await expect(h.platform.runProduct(`${id}@3`, { env })).rejects.toThrow(
        `${id} has no major 3; its latest is 2.0.0`,
      );
      await expect(h.platform.runProduct(`${id}@1.0.0`, { env })).rejects.toThrow(
        /write domain\/name or domain\/name@major/,
      );

      // After the sunset: retired, no longer scheduled, refused by hand; its data stays.
      const { retired } = await h.platform.retireExpiredVersions({
        now: new Date(Date.now() + 400 * 86_400_000).toISOString(),
      });
      expect(retired.map((r) => r.version)).toContain('1.0.0');
      expect([...(await scheduledProducts(h.registry.registry)).keys()].filter((k) => k.startsWith(id))).toEqual([id]);
      await expect(h.platform.runProduct(`${id}@1`, { env })).rejects.toThrow(
        new RegExp(`${id}@1 was retired at its sunset .*: it no longer runs; its data is kept`),
      );
      expect(readCurrentPointer(h.platform.config.warehouseDir, id, 1)!.snapshotId).toBe(v1.snapshotId);
    } finally {
      await sqlTable.end();
      await chinook.query(`DROP TABLE IF EXISTS ${table}`);
    }
  });
});
