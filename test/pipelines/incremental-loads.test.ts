/**
 * Incremental loads from PostgreSQL as a user sees them in the snapshot: rows of a product
 * without a primary key are appended run after run, and a row committed while a run is between
 * its COPY and its watermark query is neither skipped nor counted twice (the COPY and the
 * max() share one REPEATABLE READ snapshot). The "between" is made deterministic with an
 * advisory lock the source query waits on only inside the COPY: the row is committed after the
 * COPY took its snapshot and before the watermark query starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openEngine } from '../../src/engine/duckdb-engine.js';
import { readCurrentPointer } from '../../src/ports/warehouse.js';
import { createPipelineHarness, pipelineBundle, type PipelineHarness } from '../helpers/pipelines.js';
import { createCopyGate, waitForGatedCopy } from '../helpers/copy-gate.js';
import { createTestDatabase } from '../helpers/registries.js';

const GATE_LOCK = 731_113;

async function snapshotRows(h: PipelineHarness, product: string): Promise<Array<Record<string, unknown>>> {
  const engine = await openEngine();
  try {
    const file = readCurrentPointer(h.platform.config.warehouseDir, product, 1)!.file;
    return await engine.rows(
      `SELECT id, CAST(changed_at AS VARCHAR) AS changed_at FROM read_parquet('${file}') ORDER BY id, changed_at`,
    );
  } finally {
    engine.close();
  }
}

const columns = [
  { name: 'id', type: 'integer', nullable: false, pii: 'none' as const },
  { name: 'changed_at', type: 'timestamp', nullable: false, pii: 'none' as const },
];

describe('incremental loads from PostgreSQL', () => {
  let h: PipelineHarness;
  let source: { url: string; drop: () => Promise<void> };
  let client: pg.Client;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    h = await createPipelineHarness('sqlite');
    source = await createTestDatabase('mesh_incr_src');
    client = new pg.Client({ connectionString: source.url });
    await client.connect();
    await client.query(`
      CREATE TABLE log_rows (id integer NOT NULL, changed_at timestamp NOT NULL);
      CREATE TABLE gated_rows (id integer NOT NULL, changed_at timestamp NOT NULL);`);
    await createCopyGate(client, GATE_LOCK);
    env = { ...process.env, INCR_SOURCE_URI: source.url };
  });
  afterAll(async () => {
    await client?.end();
    await h?.dispose();
    await source?.drop();
  });

  it('appends the new rows of a product without a primary key, keeping earlier ones (even equal rows)', async () => {
    await client.query(`INSERT INTO log_rows VALUES (1, '2026-01-01 00:00:00'), (2, '2026-01-02 00:00:00')`);
    await h.platform.publish(
      pipelineBundle({
        domain: 'ops',
        name: 'log',
        inputs: [
          {
            name: 'log_rows',
            source: {
              type: 'postgres',
              connection: '${INCR_SOURCE_URI}',
              query: 'SELECT id, changed_at FROM log_rows WHERE changed_at > :last_run',
              watermark: 'changed_at',
            },
          },
        ],
        sql: 'SELECT id, changed_at FROM log_rows',
        columns,
      }),
    );
    const first = await h.platform.runProduct('ops/log', { env });
    expect(first).toMatchObject({ status: 'succeeded', rowsOut: 2 });
    // A later event for id 1 (a key would merge it; without one it is another row) and a new id.
    await client.query(`INSERT INTO log_rows VALUES (1, '2026-01-03 00:00:00'), (3, '2026-01-04 00:00:00')`);
    const second = await h.platform.runProduct('ops/log', { env });
    expect(second.inputs[0]).toMatchObject({ rowsIn: 2, watermark: '2026-01-04 00:00:00' });
    expect(second.rowsOut).toBe(4);
    expect(await snapshotRows(h, 'ops/log')).toEqual([
      { id: 1, changed_at: '2026-01-01 00:00:00' },
      { id: 1, changed_at: '2026-01-03 00:00:00' },
      { id: 2, changed_at: '2026-01-02 00:00:00' },
      { id: 3, changed_at: '2026-01-04 00:00:00' },
    ]);
  });

  it('neither skips nor double-counts a row committed between the COPY and the watermark query', async () => {
    await client.query(`INSERT INTO gated_rows VALUES (1, '2026-01-01 00:00:00'), (2, '2026-01-02 00:00:00')`);
    await h.platform.publish(
      pipelineBundle({
        domain: 'ops',
        name: 'gated',
        inputs: [
          {
            name: 'gated_rows',
            source: {
              type: 'postgres',
              connection: '${INCR_SOURCE_URI}',
              query: 'SELECT id, changed_at FROM gated_rows WHERE changed_at > :last_run AND mesh_gate()',
              watermark: 'changed_at',
            },
          },
        ],
        sql: 'SELECT id, changed_at FROM gated_rows',
        columns,
      }),
    );
    await client.query('SELECT pg_advisory_lock($1)', [GATE_LOCK]);
    const run = h.platform.runProduct('ops/gated', { env });
    // Wait until the run's COPY has started (its snapshot is taken) and waits on the lock.
    await waitForGatedCopy(client);
    // Committed after the COPY's snapshot, before the watermark's max() runs.
    await client.query(`INSERT INTO gated_rows VALUES (3, '2026-01-03 00:00:00')`);
    await client.query('SELECT pg_advisory_unlock($1)', [GATE_LOCK]);
    const first = await run;
    expect(first.inputs[0]).toMatchObject({ rowsIn: 2, watermark: '2026-01-02 00:00:00' });
    const second = await h.platform.runProduct('ops/gated', { env });
    expect(second.inputs[0]).toMatchObject({ rowsIn: 1, watermark: '2026-01-03 00:00:00' });
    expect(await snapshotRows(h, 'ops/gated')).toEqual([
      { id: 1, changed_at: '2026-01-01 00:00:00' },
      { id: 2, changed_at: '2026-01-02 00:00:00' },
      { id: 3, changed_at: '2026-01-03 00:00:00' },
    ]);
  });
});
