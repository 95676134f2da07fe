/**
 * Consumer queries through a real server (`POST /v1/query`, SQLite registry, the default query
 * gate): (1) a trivial query — token, access decision, sandbox, first row — p95 against the
 * same SQL on a plain DuckDB over the same Parquet file in this process (absolute target
 * ≤ 50 ms at p95); (2) 19 clients sending a group-by back to back while a 20th query is a
 * runaway cartesian join: their p95 against the same 19 clients with no runaway, in the same
 * run (≤ 2×), and the runaway cancelled at its limit. "Alone" in (2) is the same load without
 * the runaway: 19 concurrent clients on a 2-core machine cannot each be as fast as one.
 * MESH_BENCH_QUERY_SERVER_ROWS sets the product's size (default 100,000).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../src/engine/duckdb-engine.js';
import { quoteLiteral } from '../src/engine/sql-text.js';
import { readCurrentSnapshot } from '../src/ports/warehouse.js';
import { LocalWarehouseStore } from '../src/ports/warehouse/local-warehouse-store.js';
import { addTeamMember, createTeam } from '../src/registry/operations/identity/teams.js';
import { createToken } from '../src/registry/operations/identity/tokens.js';
import { HttpPlatform } from '../src/server/client/http-platform.js';
import { pipelineBundle } from '../test/helpers/pipelines.js';
import { startTestServer, type TestServer } from '../test/helpers/test-server.js';
import type { BenchReport } from './bench-report.js';

const ROWS = Number(process.env.MESH_BENCH_QUERY_SERVER_ROWS ?? 100_000);
const TRIVIAL = 'SELECT order_id FROM sales.orders LIMIT 1';
const GROUP_BY = 'SELECT customer_id % 10 AS c, count(*) AS n, sum(amount) AS total FROM sales.orders GROUP BY 1';
const RUNAWAY = 'SELECT count(*) FROM sales.orders a, sales.orders b, sales.orders c';
const RUNAWAY_LIMIT_MS = 3_000;
const CLIENTS = 19;
const ROUNDS = 2;

export async function bench(report: BenchReport): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-bench-query-server-'));
  let t: TestServer | undefined;
  try {
    t = await startTestServer('sqlite', {
      maskingKey: 'bench-masking-key-0123456789abcdef',
      env: { ...process.env, MESH_HOME: dir, MESH_WAREHOUSE: '', MESH_DATA_ROOTS: `*=${tmpdir()}` },
    });
    const file = await publishOrders(t, dir);
    const post = poster(t.url, await consumerToken(t));
    await trivialBench(report, post, file);
    await runawayBench(report, post);
  } finally {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

type Post = (sql: string, timeoutMs?: number) => Promise<{ status: number; ms: number }>;

function poster(url: string, token: string): Post {
  return async (sql, timeoutMs) => {
    const started = performance.now();
    const res = await fetch(`${url}/v1/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql, as: 'analytics', ...(timeoutMs ? { timeoutMs } : {}) }),
    });
    await res.text();
    return { status: res.status, ms: performance.now() - started };
  };
}

async function trivialBench(report: BenchReport, post: Post, file: string): Promise<void> {
  for (let i = 0; i < 20; i++) await post(TRIVIAL);
  const server: number[] = [];
  const plain: number[] = [];
  for (let i = 0; i < 200; i++) {
    const { status, ms } = await post(TRIVIAL);
    if (status !== 200) throw new Error(`the trivial query answered ${status}`);
    server.push(ms);
    plain.push(await plainDuckdb(file));
  }
  report.metric('trivial query, plain DuckDB over the Parquet file (p50)', p50(plain), 'ms');
  report.metric('trivial query, plain DuckDB over the Parquet file (p95)', p95(plain), 'ms');
  report.metric('trivial query through the server (p50)', p50(server), 'ms');
  report.metric('trivial query through the server: auth, decision, sandbox, rows (p95)', p95(server), 'ms', {
    max: 50,
  });
  report.metric('trivial query, server / plain DuckDB (p95)', p95(server) / p95(plain), '×');
}

/** Two rounds, alternating: the clients alone, then beside a runaway join cancelled at its limit. */
async function runawayBench(report: BenchReport, post: Post): Promise<void> {
  const alone: number[] = [];
  const beside: number[] = [];
  const cancelledAfter: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    alone.push(...(await clients(post, RUNAWAY_LIMIT_MS)));
    const runaway = post(RUNAWAY, RUNAWAY_LIMIT_MS);
    beside.push(...(await clients(post, RUNAWAY_LIMIT_MS)));
    const stopped = await runaway;
    if (stopped.status !== 400) throw new Error(`the runaway query answered ${stopped.status}, not its time limit`);
    cancelledAfter.push(stopped.ms);
  }
  report.metric(`${CLIENTS} clients' group-by, no runaway (p95, ${alone.length} queries)`, p95(alone), 'ms');
  report.metric(`${CLIENTS} clients' group-by beside a runaway join (p95, ${beside.length})`, p95(beside), 'ms');
  report.metric('beside a runaway / without it (p95)', p95(beside) / p95(alone), '×', { max: 2 });
  report.metric(
    `runaway join cancelled after, slowest (limit ${RUNAWAY_LIMIT_MS} ms)`,
    Math.max(...cancelledAfter),
    'ms',
    {
      max: RUNAWAY_LIMIT_MS + 1_000,
    },
  );
}

/** CLIENTS loops sending GROUP_BY back to back for `ms`; every latency. */
async function clients(post: Post, ms: number): Promise<number[]> {
  const until = performance.now() + ms;
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < until) {
        const { status, ms: took } = await post(GROUP_BY);
        if (status !== 200) throw new Error(`a client's query answered ${status}`);
        times.push(took);
      }
    }),
  );
  return times;
}

async function plainDuckdb(file: string): Promise<number> {
  const started = performance.now();
  const engine = await openEngine({ threads: 1 });
  try {
    await engine.rows(`SELECT order_id FROM read_parquet(${quoteLiteral(file)}) LIMIT 1`);
  } finally {
    engine.close();
  }
  return performance.now() - started;
}

async function consumerToken(t: TestServer): Promise<string> {
  await createTeam(t.registry, { name: 'analytics', domains: ['analytics'] });
  await addTeamMember(t.registry, 'analytics', 'ana');
  return (await createToken(t.registry, { user: 'ana', role: 'consumer', createdBy: 'bench' })).token;
}

/** sales/orders with ROWS rows and a hashed e-mail column, published and run through the API. */
async function publishOrders(t: TestServer, dir: string): Promise<string> {
  const csv = join(tmpdir(), `mesh-bench-orders-${process.pid}.csv`);
  const lines = Array.from(
    { length: ROWS },
    (_, i) => `${i},${i % 1000},user${i % 5000}@example.com,${(i % 700) * 1.5}`,
  );
  writeFileSync(csv, `order_id,customer_id,email,amount\n${lines.join('\n')}\n`);
  try {
    const admin = new HttpPlatform({ baseUrl: t.url, token: t.adminToken });
    await admin.publish(
      pipelineBundle({
        domain: 'sales',
        name: 'orders',
        inputs: [{ name: 'orders', source: { type: 'file', path: csv, format: 'csv' } }],
        sql: 'SELECT order_id, customer_id, email, amount FROM orders',
        primaryKey: ['order_id'],
        columns: [
          { name: 'order_id', type: 'bigint', nullable: false, pii: 'none' },
          { name: 'customer_id', type: 'bigint', pii: 'none' },
          { name: 'email', type: 'varchar', pii: 'direct', masking: 'hash' },
          { name: 'amount', type: 'double', pii: 'none' },
        ],
      }),
    );
    const run = await admin.runProduct('sales/orders');
    if (run.status !== 'succeeded') throw new Error(`the bench product did not run: ${JSON.stringify(run)}`);
  } finally {
    rmSync(csv, { force: true });
  }
  return (await readCurrentSnapshot(t.registry, new LocalWarehouseStore(join(dir, 'warehouse')), 'sales/orders', 1))!
    .file;
}

function p95(values: readonly number[]): number {
  return quantile(values, 0.95);
}

function p50(values: readonly number[]): number {
  return quantile(values, 0.5);
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))];
}
