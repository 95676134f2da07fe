/**
 * Sharded: one aggregate (10,000,000 fact rows to 1,000 groups by the partition key) on the
 * 2-shard coordinator of test/helpers/sharded-postgres.ts (postgres_fdw async foreign partitions,
 * the aggregate pushed to both shards at once) against the same SQL over the same rows in one
 * plain table on a single node (an instance with the same settings, PostgreSQL's parallel query
 * at its defaults; also with it off, one process, as a per-core baseline). Best of MESH_BENCH_ROUNDS rounds (default 3), the two taking turns in each.
 * MESH_BENCH_SHARDED_ROWS sets a smaller fact table. Everything runs on this one machine: the
 * shards share its cores, so the ratio is the shape of the pushdown here, not a cluster's.
 */
import { performance } from 'node:perf_hooks';
import { createShardedPostgres, FACT_TABLE, loadSingleNodeCopy, withClient } from '../test/helpers/sharded-postgres.js';
import type { BenchReport } from './bench-report.js';

const ROWS = Number(process.env.MESH_BENCH_SHARDED_ROWS) || 10_000_000;
const STORES = 1_000;
const ROUNDS = Number(process.env.MESH_BENCH_ROUNDS) || 3;
const SINGLE_NODE = 'sales_single_node';
const SERIAL = 'SET max_parallel_workers_per_gather = 0';

const aggregateSql = (table: string) => `SELECT store_id, count(*) AS sales, sum(quantity) AS units,
    sum(amount) AS revenue, min(sold_on) AS first_sale, max(sold_on) AS last_sale
  FROM ${table} GROUP BY store_id`;

/** Milliseconds of one run of `sql` on a fresh connection, and the rows it returned. */
async function timed(url: string, sql: string, settings = ''): Promise<{ ms: number; rows: number }> {
  return withClient(url, async (c) => {
    if (settings) await c.query(settings);
    const started = performance.now();
    const { rowCount } = await c.query(sql);
    return { ms: performance.now() - started, rows: rowCount ?? 0 };
  });
}

export async function bench(report: BenchReport): Promise<void> {
  const started = performance.now();
  const cluster = await createShardedPostgres({ rows: ROWS, stores: STORES, singleNode: true });
  try {
    await loadSingleNodeCopy(cluster.singleNodeUrl!, SINGLE_NODE, ROWS, STORES);
    report.note(
      `coordinator, 2 shards and a single node up, ${ROWS.toLocaleString('en-US')} rows generated on each side in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const best = { sharded: Infinity, single: Infinity, serial: Infinity };
    for (let round = 0; round < ROUNDS; round++) {
      // Warm-up is round 0 for both; the two take turns so a slow moment of the machine hits both.
      const sharded = await timed(cluster.coordinatorUrl, aggregateSql(FACT_TABLE));
      const single = await timed(cluster.singleNodeUrl!, aggregateSql(SINGLE_NODE));
      const serial = await timed(cluster.singleNodeUrl!, aggregateSql(SINGLE_NODE), SERIAL);
      if ([sharded, single, serial].some((r) => r.rows !== STORES))
        throw new Error(`expected ${STORES} groups, got ${sharded.rows} sharded and ${single.rows} single-node`);
      best.sharded = Math.min(best.sharded, sharded.ms);
      best.single = Math.min(best.single, single.ms);
      best.serial = Math.min(best.serial, serial.ms);
    }
    const label = `${(ROWS / 1e6).toLocaleString('en-US')}M rows → ${STORES} groups`;
    report.metric(`${label}: 2-shard coordinator (best of ${ROUNDS})`, best.sharded / 1000, 's');
    report.metric(`${label}: single node (best of ${ROUNDS})`, best.single / 1000, 's');
    report.metric(`${label}: single node, no parallel workers`, best.serial / 1000, 's');
    report.metric(`${label}: single node / 2-shard coordinator`, best.single / best.sharded, '×');
    report.metric(`${label}: single node, no parallel / 2-shard`, best.serial / best.sharded, '×');
  } finally {
    await cluster.dispose();
  }
}
