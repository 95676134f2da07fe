/**
 * Consumer queries: a filter + group-by over a 10,000,000-row product through the query
 * sandbox (parse, resolve, masked views, locked engine, streamed result), against the same SQL
 * on a plain DuckDB over the same Parquet file, in the same process, rounds alternating.
 * MESH_BENCH_QUERY_ROWS sets another size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetRelation } from '../src/query/query-sandbox.js';
import { runQuery, type QueryCatalog } from '../src/query/run-query.js';
import type { BenchReport } from './bench-report.js';

const ROWS = Number(process.env.MESH_BENCH_QUERY_ROWS ?? 10_000_000);
const ROUNDS = 5;
const SQL = `SELECT country, count(*) AS orders, sum(amount) AS revenue
  FROM sales.orders WHERE amount > 100 GROUP BY country ORDER BY revenue DESC`;

export async function bench(report: BenchReport): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-bench-query-'));
  try {
    const file = join(dir, 'orders.parquet');
    await writeOrders(file);
    const catalog = maskedCatalog(file);
    const limits = { rows: 10_000, timeoutMs: 120_000, memoryLimit: '1GB', threads: 2 };
    let sandbox = Infinity;
    let plain = Infinity;
    for (let round = 0; round < ROUNDS; round++) {
      plain = Math.min(plain, await timed(() => plainDuckdb(file)));
      sandbox = Math.min(sandbox, await timed(() => runQuery(SQL, catalog, { columns() {}, rows() {} }, limits)));
    }
    const label = `${(ROWS / 1e6).toLocaleString('en')}M rows, filter + group-by, email masked`;
    report.metric(`${label}: plain DuckDB over the Parquet file (best of ${ROUNDS})`, plain, 'ms');
    report.metric(`${label}: mesh query (best of ${ROUNDS})`, sandbox, 'ms');
    report.metric(`${label}: mesh query / plain DuckDB`, sandbox / plain, '×', { max: 1.2 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function maskedCatalog(file: string): QueryCatalog {
  return {
    async resolve() {
      return {
        product: 'sales/orders',
        major: 1,
        snapshotId: 'bench',
        files: [file],
        select: `SELECT * REPLACE ('sha256:' || left(sha256('bench-key' || email), 16) AS email) FROM ${parquetRelation([file])}`,
        maskedColumns: ['email'],
      };
    },
  };
}

async function writeOrders(file: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  await c.run(`COPY (SELECT i AS order_id, 'user' || (i % 100000) || '@example.com' AS email,
      (['FR','DE','US','GB','ES','IT','NL','SE','PL','PT'])[(i % 10) + 1] AS country,
      (i % 1000) * 1.25 AS amount FROM range(${ROWS}) t(i)) TO '${file}' (FORMAT parquet)`);
  c.closeSync();
  instance.closeSync();
}

async function plainDuckdb(file: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB' });
  const c = await instance.connect();
  await c.run(`CREATE SCHEMA sales`);
  await c.run(`CREATE VIEW sales.orders AS SELECT * FROM read_parquet('${file}')`);
  await c.runAndReadAll(SQL);
  c.closeSync();
  instance.closeSync();
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}
