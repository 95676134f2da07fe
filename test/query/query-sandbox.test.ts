/**
 * The query sandbox against hostile SQL: every way out of "one SELECT over the granted
 * products" is refused with a located message, masking holds through every construct, and
 * limits cut or cancel what would run away. Real DuckDB over real Parquet snapshots.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotAllowedError, NotFoundError, type MeshError } from '../../src/core/errors.js';
import { openEngine } from '../../src/engine/duckdb-engine.js';
import {
  planQuery,
  runQuery,
  type QueryCatalog,
  type QueryColumn,
  type QueryLimits,
  type ResolvedTable,
  type TableCandidate,
} from '../../src/query/run-query.js';
import { parquetRelation } from '../../src/query/query-sandbox.js';
import { streamQuery } from '../../src/query/query-stream.js';

let dir: string;
let catalog: QueryCatalog;
const files: Record<string, string> = {};
const LIMITS: QueryLimits = { rows: 1000, timeoutMs: 2_000, memoryLimit: '256MB', threads: 1 };

/** What a reader of `sales` without PII access resolves: identity/customers masked, hr/salaries not granted. */
function testCatalog(): QueryCatalog {
  const tables: Record<string, Omit<ResolvedTable, 'files' | 'select'> & { file: string; columns: string }> = {
    'sales/orders': {
      product: 'sales/orders',
      major: 1,
      snapshotId: 's1',
      file: 'orders',
      columns: '*',
      maskedColumns: [],
    },
    'identity/customers': {
      product: 'identity/customers',
      major: 1,
      snapshotId: 's2',
      file: 'customers',
      columns: `customer_id, '***' AS email, country`,
      maskedColumns: ['email'],
    },
  };
  return {
    async resolve(written: string, candidates: readonly TableCandidate[]) {
      for (const c of candidates) {
        const key = `${c.domain}/${c.name}`;
        if (key === 'hr/salaries')
          throw new NotAllowedError(`you may not read hr/salaries@1`, {
            details: { requestCommand: 'mesh access request hr/salaries@1 --team sales --purpose "…"' },
          });
        const t = tables[key];
        if (t && (c.major === undefined || c.major === t.major)) {
          const { file, columns, ...table } = t;
          return { ...table, files: [files[file]], select: `SELECT ${columns} FROM ${parquetRelation([files[file]])}` };
        }
      }
      throw new NotFoundError(`no product ${written}`);
    },
  };
}

async function collect(sql: string, limits: QueryLimits = LIMITS) {
  const rows: unknown[][] = [];
  let columns: readonly QueryColumn[] = [];
  const summary = await runQuery(
    sql,
    catalog,
    { columns: (c) => void (columns = c), rows: (r) => void rows.push(...r) },
    limits,
  );
  return { rows, columns, summary };
}

async function refusal(sql: string, limits: QueryLimits = LIMITS): Promise<MeshError> {
  try {
    await collect(sql, limits);
  } catch (error) {
    return error as MeshError;
  }
  throw new Error(`expected the query to be refused: ${sql}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mesh-query-'));
  const engine = await openEngine();
  files.orders = join(dir, 'orders.parquet');
  files.customers = join(dir, 'customers.parquet');
  await engine.connection.run(
    `COPY (SELECT i AS order_id, i % 10 AS customer_id, i * 1.5 AS amount FROM range(100) t(i)) TO '${files.orders}' (FORMAT parquet)`,
  );
  await engine.connection.run(
    `COPY (SELECT i AS customer_id, 'user' || i || '@example.com' AS email, CASE WHEN i % 2 = 0 THEN 'FR' ELSE 'DE' END AS country FROM range(10) t(i)) TO '${files.customers}' (FORMAT parquet)`,
  );
  engine.close();
  writeFileSync(join(dir, 'secret.csv'), 'a,b\n1,2\n');
  catalog = testCatalog();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('consumer queries', () => {
  it('joins products across domains, addressed as domain.product and domain.product_v<major>', async () => {
    const { rows, columns, summary } = await collect(
      `SELECT c.country, count(*) AS n, sum(o.amount) AS total
         FROM sales.orders o JOIN identity.customers_v1 c USING (customer_id)
        GROUP BY c.country ORDER BY c.country`,
    );
    expect(columns.map((c) => c.name)).toEqual(['country', 'n', 'total']);
    expect(rows).toEqual([
      ['DE', 50, expect.anything()],
      ['FR', 50, expect.anything()],
    ]);
    expect(summary.tables.map((t) => [t.product, t.major, t.maskedColumns])).toEqual([
      ['sales/orders', 1, []],
      ['identity/customers', 1, ['email']],
    ]);
  });

  it('explains which snapshots and masks a query reads without running it', async () => {
    const plan = await planQuery('SELECT email FROM identity.customers', catalog);
    expect(plan.tables).toMatchObject([{ product: 'identity/customers', snapshotId: 's2', maskedColumns: ['email'] }]);
  });

  it.each([
    ['a join', 'SELECT c.email FROM sales.orders o JOIN identity.customers c USING (customer_id) LIMIT 5'],
    ['a CTE', 'WITH x AS (SELECT * FROM identity.customers) SELECT email FROM x'],
    ['an aggregate', "SELECT string_agg(email, ',') AS email FROM identity.customers"],
    ['a window', 'SELECT first_value(email) OVER (ORDER BY customer_id) AS email FROM identity.customers'],
    ['a CASE', "SELECT CASE WHEN email LIKE '%@%' THEN email ELSE 'x' END AS email FROM identity.customers"],
    ['a subquery', 'SELECT (SELECT max(email) FROM identity.customers) AS email'],
  ])('keeps a masked column masked through %s', async (_what, sql) => {
    const { rows } = await collect(sql);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(String(row[0])).not.toMatch(/@example\.com/);
  });
});

describe('hostile SQL', () => {
  const path = () => files.customers;
  it.each([
    ['read_csv of a host file', () => `SELECT * FROM read_csv('/etc/passwd')`, 'query-table-function'],
    ['read_text', () => `SELECT * FROM read_text('/etc/hostname')`, 'query-table-function'],
    ['read_blob', () => `SELECT * FROM read_blob('/etc/hostname')`, 'query-table-function'],
    ['glob', () => `SELECT * FROM glob('/etc/*')`, 'query-table-function'],
    ['read_parquet of a product file by path', () => `SELECT * FROM read_parquet('${path()}')`, 'query-table-function'],
    ['a product file as a table name', () => `SELECT * FROM '${path()}'`, 'not a data product'],
    ['a glob as a table name', () => `SELECT * FROM '${dir}/*.parquet'`, 'not a data product'],
    ['COPY … TO', () => `COPY (SELECT * FROM identity.customers) TO '${dir}/out.csv'`, 'query-not-select'],
    ['EXPORT DATABASE', () => `EXPORT DATABASE '${dir}/x'`, 'query-not-select'],
    ['ATTACH', () => `ATTACH '${dir}/x.duckdb' AS x`, 'query-not-select'],
    ['INSTALL', () => `INSTALL httpfs`, 'query-not-select'],
    ['LOAD', () => `LOAD httpfs`, 'query-not-select'],
    ['SET', () => `SET enable_external_access = true`, 'query-not-select'],
    ['RESET', () => `RESET memory_limit`, 'query-not-select'],
    ['PRAGMA', () => `PRAGMA database_list`, 'query-not-select'],
    ['two statements', () => `SELECT 1; SELECT * FROM read_csv('/etc/passwd')`, 'query-statements'],
    [
      'a statement after a comment',
      () => `SELECT 1 -- harmless\n; COPY (SELECT 1) TO '${dir}/x.csv'`,
      /query-statements|query-not-select/,
    ],
    [
      'a semicolon hidden in a block comment',
      () => `SELECT 1 /* ; */ ; DROP VIEW sales.orders`,
      /query-statements|query-not-select/,
    ],
    ['quoting tricks', () => `SELECT * FROM "read_csv"('/etc/passwd')`, 'query-table-function'],
    [
      'a table function in a lateral join',
      () => `SELECT * FROM sales.orders, LATERAL (SELECT * FROM glob('/*'))`,
      'query-table-function',
    ],
    [
      'query() of a string',
      () => `SELECT * FROM query('SELECT * FROM read_csv(''/etc/passwd'')')`,
      'query-table-function',
    ],
    ['the engine settings', () => `SELECT * FROM duckdb_settings()`, 'query-table-function'],
    ['the view definitions', () => `SELECT sql FROM duckdb_views()`, 'query-table-function'],
    ['information_schema', () => `SELECT * FROM information_schema.tables`, 'no product information_schema'],
    ['a system catalog', () => `SELECT * FROM system.main.duckdb_tables`, 'not a data product'],
    ['getenv', () => `SELECT getenv('HOME')`, 'query-function'],
    ['DDL', () => `CREATE TABLE x AS SELECT 1`, 'query-not-select'],
    ['DML', () => `DELETE FROM sales.orders`, 'query-not-select'],
    ['a 1 MB query', () => `SELECT 1 ${' '.repeat(1_000_000)}`, 'query-too-long'],
    ['an unreadable query', () => `SELEC * FRM sales.orders`, 'query-syntax'],
  ])('refuses %s', async (_what, sql, expected) => {
    const error = await refusal(sql());
    expect(error.message).toMatch(expected);
    expect(error.message).not.toMatch(/\n\s+at /);
  });

  it('locates a refusal at its line and column', async () => {
    const error = await refusal(`SELECT *\n  FROM read_csv('/etc/passwd')`);
    expect(error.message).toMatch(/^query:2:8 {2}error {2}query-table-function/);
  });

  it('refuses a product the reader holds no grant for, naming the request to make', async () => {
    const error = await refusal('SELECT * FROM hr.salaries');
    expect(error).toBeInstanceOf(NotAllowedError);
    expect((error.details as { requestCommand: string }).requestCommand).toContain('mesh access request hr/salaries@1');
  });

  it('cuts a huge result at the row limit and says so', async () => {
    const { rows, summary } = await collect(
      'SELECT * FROM sales.orders a, sales.orders b, sales.orders c, sales.orders d',
      {
        ...LIMITS,
        rows: 2500,
      },
    );
    expect(rows).toHaveLength(2500);
    expect(summary).toMatchObject({ rows: 2500, truncated: true });
  });

  it('cancels a cartesian join at the time limit', async () => {
    const started = Date.now();
    const error = await refusal(
      'SELECT count(*) FROM sales.orders a, sales.orders b, sales.orders c, sales.orders d, sales.orders e, sales.orders f',
      { ...LIMITS, timeoutMs: 500 },
    );
    expect(error.message).toContain('ran past its time limit of 0.5 s and was cancelled');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('cancels a recursive CTE that never ends', async () => {
    const error = await refusal(
      'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r',
      { ...LIMITS, timeoutMs: 500 },
    );
    expect(error.message).toMatch(/time limit|memory limit/);
  });
});

describe('the result stream', () => {
  it('gives the columns first, then every row in batches, then the summary', async () => {
    const stream = await streamQuery((sink) =>
      runQuery('SELECT * FROM sales.orders ORDER BY order_id', catalog, sink, LIMITS),
    );
    expect(stream.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
      'order_id:BIGINT',
      'customer_id:BIGINT',
      'amount:DECIMAL(21,1)',
    ]);
    const ids: unknown[] = [];
    for await (const batch of stream.batches()) ids.push(...batch.map((r) => r[0]));
    expect(ids).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(await stream.summary).toMatchObject({ rows: 100, truncated: false });
  });

  it('rejects before any row when the query is refused', async () => {
    await expect(streamQuery((sink) => runQuery('SELECT * FROM hr.salaries', catalog, sink, LIMITS))).rejects.toThrow(
      'you may not read hr/salaries@1',
    );
  });
});
