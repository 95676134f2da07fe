/**
 * A pipeline end to end on the real Chinook data in PostgreSQL: extract, transform, conform,
 * audit, publish to parquet, run history and check results, on both registry backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine } from '../../src/engine/duckdb-engine.js';
import { readCurrentPointer } from '../../src/ports/warehouse.js';
import { createChinookDatabase, type ChinookDatabase } from '../helpers/chinook.js';
import { createPipelineHarness, pipelineBundle, type PipelineHarness } from '../helpers/pipelines.js';
import { BACKENDS } from '../helpers/registries.js';

async function parquetRows(file: string, sql = 'SELECT * FROM t ORDER BY 1'): Promise<Array<Record<string, unknown>>> {
  const engine = await openEngine();
  try {
    await engine.connection.run(`CREATE VIEW t AS SELECT * FROM read_parquet('${file}')`);
    return await engine.rows(sql);
  } finally {
    engine.close();
  }
}

const customerColumns = [
  { name: 'customer_id', type: 'integer', nullable: false, pii: 'none' as const },
  { name: 'full_name', type: 'varchar', nullable: false, pii: 'direct' as const, masking: 'partial' as const },
  { name: 'email', type: 'varchar', nullable: false, pii: 'direct' as const, masking: 'hash' as const },
  { name: 'phone', type: 'varchar', pii: 'direct' as const, masking: 'redact' as const },
  { name: 'country', type: 'varchar', nullable: false, pii: 'none' as const },
];

describe.each(BACKENDS)('pipelines on Chinook, registry on %s', (backend) => {
  let chinook: ChinookDatabase;
  let h: PipelineHarness;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    chinook = await createChinookDatabase();
    h = await createPipelineHarness(backend);
    env = { ...process.env, CHINOOK_DB_URI: chinook.url };
  });
  afterAll(async () => {
    await h?.dispose();
    await chinook?.drop();
  });

  it('runs a PostgreSQL-sourced product, publishes a parquet snapshot and records the run', async () => {
    await h.platform.publish(
      pipelineBundle({
        domain: 'identity',
        name: 'customers',
        inputs: [
          {
            name: 'customer',
            source: { type: 'postgres', connection: '${CHINOOK_DB_URI}', query: 'SELECT * FROM customer' },
          },
        ],
        sql: "SELECT customer_id, first_name || ' ' || last_name AS full_name, email, phone, country FROM customer",
        columns: customerColumns,
        primaryKey: ['customer_id'],
        // The sales domain's products read it (masked), as the consumer test below does.
        access: { default: 'deny', allow: [{ domain: 'sales' }] },
        checks: [
          { type: 'unique', column: 'customer_id' },
          { type: 'not_null', columns: ['email'] },
          { type: 'row_count', min: 50, max: 100 },
          { type: 'accepted_values', column: 'country', values: ['Brazil', 'Germany'], severity: 'warn' },
          { type: 'row_count_vs_source', threshold: 1 },
        ],
      }),
    );
    const outcome = await h.platform.runProduct('identity/customers', { env });
    expect(outcome.error).toBeNull();
    expect(outcome.status).toBe('succeeded');
    expect(outcome.rowsOut).toBe(59);
    expect(outcome.inputs).toEqual([{ name: 'customer', kind: 'postgres', rowsIn: 59 }]);
    expect(outcome.steps.map((s) => s.name)).toEqual(['extract', 'transform', 'conform', 'audit', 'publish']);

    const current = readCurrentPointer(h.platform.config.warehouseDir, 'identity/customers', 1)!;
    expect(current.snapshotId).toBe(outcome.snapshotId);
    const rows = await parquetRows(current.file);
    expect(rows).toHaveLength(59);
    expect(rows[0]).toMatchObject({ customer_id: 1, full_name: 'Luís Gonçalves', country: 'Brazil' });

    // A warn check that fails does not block, and its samples never show PII in clear.
    const countries = outcome.checks.find((c) => c.type === 'accepted_values')!;
    expect(countries).toMatchObject({ status: 'fail', severity: 'warn' });
    expect(countries.samples!.length).toBe(10);
    for (const sample of countries.samples!) {
      expect(String(sample.email)).toMatch(/^sha256:[0-9a-f]{16}$/);
      expect(sample.phone === null || sample.phone === '***').toBe(true);
      expect(String(sample.full_name)).toContain('***');
    }

    const runs = await h.platform.listRuns('identity/customers');
    expect(runs[0]).toMatchObject({
      id: outcome.runId,
      status: 'succeeded',
      rowsOut: 59,
      snapshotId: outcome.snapshotId,
    });
    expect(runs[0].steps.every((s) => typeof s.ms === 'number')).toBe(true);
    const checks = await h.platform.listCheckResults('identity/customers');
    expect(checks.map((c) => c.name)).toContain('unique(customer_id)');
    const events = await h.platform.listEvents({ subject: 'identity/customers' });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['run.succeeded', 'check.failed']));
  });

  it('consumes another product by domain/name@major and refuses to publish when a blocking check fails', async () => {
    const bundle = (maxRevenue: number) =>
      pipelineBundle({
        domain: 'sales',
        name: 'revenue-by-country',
        version: maxRevenue > 1000 ? '1.0.0' : '1.0.1',
        inputs: [
          {
            name: 'invoice',
            source: {
              type: 'postgres',
              connection: '${CHINOOK_DB_URI}',
              query: 'SELECT invoice_id, customer_id, total FROM invoice',
            },
          },
          { name: 'customers', product: 'identity/customers@1' },
        ],
        sql: 'SELECT c.country, sum(i.total) AS revenue FROM invoice i JOIN customers c USING (customer_id) GROUP BY ALL',
        columns: [
          { name: 'country', type: 'varchar', nullable: false, pii: 'none' },
          { name: 'revenue', type: 'decimal(12,2)', nullable: false, pii: 'none' },
        ],
        primaryKey: ['country'],
        checks: [{ type: 'range', column: 'revenue', min: 0, max: maxRevenue }],
      });
    await h.platform.publish(bundle(10_000));
    const good = await h.platform.runProduct('sales/revenue-by-country', { env });
    expect(good.status).toBe('succeeded');
    expect(good.rowsOut).toBe(24);
    // Lineage: the run names the upstream snapshot it read.
    const upstream = readCurrentPointer(h.platform.config.warehouseDir, 'identity/customers', 1)!;
    expect(good.inputs[1]).toEqual({ name: 'customers', kind: 'product', rowsIn: 59, snapshotId: upstream.snapshotId });

    await h.platform.publish(bundle(100));
    const bad = await h.platform.runProduct('sales/revenue-by-country', { env });
    expect(bad.status).toBe('failed');
    expect(bad.error).toMatch(/1 blocking check\(s\) failed: range\(revenue\)/);
    expect(bad.snapshotId).toBeNull();
    expect(bad.steps.find((s) => s.name === 'publish')).toBeUndefined();
    const range = bad.checks[0];
    expect(range.status).toBe('fail');
    expect(range.samples!.length).toBeGreaterThan(0);
    // The last good snapshot stays current and served.
    expect(readCurrentPointer(h.platform.config.warehouseDir, 'sales/revenue-by-country', 1)!.snapshotId).toBe(
      good.snapshotId,
    );
    const runs = await h.platform.listRuns('sales/revenue-by-country');
    expect(runs.map((r) => r.status)).toEqual(['failed', 'succeeded']);
  });

  it('loads incrementally: :last_run bound to the watermark, new rows merged by primary key, watermark moves only on publish', async () => {
    await h.platform.publish(
      pipelineBundle({
        domain: 'sales',
        name: 'invoices',
        inputs: [
          {
            name: 'invoice',
            source: {
              type: 'postgres',
              connection: '${CHINOOK_DB_URI}',
              query: 'SELECT invoice_id, invoice_date, total FROM invoice WHERE invoice_date > :last_run',
              watermark: 'invoice_date',
            },
          },
        ],
        sql: 'SELECT * FROM invoice',
        columns: [
          { name: 'invoice_id', type: 'integer', nullable: false, pii: 'none' },
          { name: 'invoice_date', type: 'timestamp', nullable: false, pii: 'none' },
          { name: 'total', type: 'decimal(10,2)', nullable: false, pii: 'none' },
        ],
        primaryKey: ['invoice_id'],
        checks: [
          { type: 'unique', column: 'invoice_id' },
          { type: 'range', column: 'total', min: 0 },
        ],
      }),
    );
    const first = await h.platform.runProduct('sales/invoices', { env });
    expect(first.status).toBe('succeeded');
    expect(first.inputs[0]).toMatchObject({ rowsIn: 412, watermark: '2025-12-22 00:00:00' });

    // Nothing new: the extract is empty and the snapshot keeps every row.
    const second = await h.platform.runProduct('sales/invoices', { env });
    expect(second.inputs[0].rowsIn).toBe(0);
    expect(second.rowsOut).toBe(412);

    // A new invoice and a late correction to an existing one (same key, newer date) are merged.
    await chinook.query(
      `INSERT INTO invoice (invoice_id, customer_id, invoice_date, total) VALUES (9001, 1, '2026-01-05', 10.00)`,
    );
    await chinook.query(`UPDATE invoice SET total = 99.99, invoice_date = '2026-01-06' WHERE invoice_id = 1`);
    const third = await h.platform.runProduct('sales/invoices', { env });
    expect(third.inputs[0]).toMatchObject({ rowsIn: 2, watermark: '2026-01-06 00:00:00' });
    expect(third.rowsOut).toBe(413);
    const rows = await parquetRows(
      readCurrentPointer(h.platform.config.warehouseDir, 'sales/invoices', 1)!.file,
      'SELECT invoice_id, CAST(total AS VARCHAR) AS total FROM t WHERE invoice_id IN (1, 9001) ORDER BY 1',
    );
    expect(rows).toEqual([
      { invoice_id: 1, total: '99.99' },
      { invoice_id: 9001, total: '10.00' },
    ]);

    // A failed run (a negative total breaks the range check) leaves the watermark where it was.
    await chinook.query(
      `INSERT INTO invoice (invoice_id, customer_id, invoice_date, total) VALUES (9002, 1, '2026-02-01', -5)`,
    );
    const failed = await h.platform.runProduct('sales/invoices', { env });
    expect(failed.status).toBe('failed');
    await chinook.query(`UPDATE invoice SET total = 5 WHERE invoice_id = 9002`);
    const retried = await h.platform.runProduct('sales/invoices', { env });
    expect(retried.status).toBe('succeeded');
    expect(retried.inputs[0]).toMatchObject({ rowsIn: 1, watermark: '2026-02-01 00:00:00' });
    expect(retried.rowsOut).toBe(414);
  });
});
