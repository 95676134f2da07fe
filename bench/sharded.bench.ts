/**
 * Sharded: one aggregate (10,000,000 fact rows to 1,000 groups by the partition key) on the
 * 2-shard coordinator of test/helpers/sharded-postgres.ts (postgres_fdw async foreign partitions,
 * the aggregate pushed to both shards at once) against the same SQL over the same rows in one
 * plain table on a single node (an instance with the same settings, PostgreSQL's parallel query
 * at its defaults; also with it off, one process, as a per-core baseline). Then the same
 * aggregate as a data product on the postgres engine (`engine: postgres`: staging, CREATE TABLE
 * AS, checks, parquet export, publication), on the coordinator and on the single node, against
 * the bare SQL. Best of MESH_BENCH_ROUNDS rounds (default 3), the sides taking turns in each.
 * MESH_BENCH_SHARDED_ROWS sets a smaller fact table. Everything runs on this one machine: the
 * shards share its cores, so the ratios are the shape of the pushdown here, not a cluster's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { configFromEnv } from '../src/core/mesh-config.js';
import type { DataProduct } from '../src/descriptor/data-product-schema.js';
import { LocalPlatform } from '../src/platform/local-platform.js';
import {
  createShardedPostgres,
  FACT_TABLE,
  loadSingleNodeCopy,
  withClient,
  type ShardedPostgres,
} from '../test/helpers/sharded-postgres.js';
import type { BenchReport } from './bench-report.js';

const ROWS = Number(process.env.MESH_BENCH_SHARDED_ROWS) || 10_000_000;
const STORES = 1_000;
const ROUNDS = Number(process.env.MESH_BENCH_ROUNDS) || 3;
const SERIAL = 'SET max_parallel_workers_per_gather = 0';

const AGGREGATE = `SELECT store_id, count(*) AS sales, sum(quantity) AS units,
    sum(amount) AS revenue, min(sold_on) AS first_sale, max(sold_on) AS last_sale
  FROM ${FACT_TABLE} GROUP BY store_id`;

/** Milliseconds of one run of `sql` on a fresh connection, and the rows it returned. */
async function timed(url: string, sql: string, settings = ''): Promise<{ ms: number; rows: number }> {
  return withClient(url, async (c) => {
    if (settings) await c.query(settings);
    const started = performance.now();
    const { rowCount } = await c.query(sql);
    return { ms: performance.now() - started, rows: rowCount ?? 0 };
  });
}

/** The aggregate as a product on the postgres engine, reading the fact table where `connectionVar` points. */
function storeTotals(name: string, connectionVar: string): { file: string; yaml: string; transformSql: string } {
  const column = (n: string, type: string) => ({ name: n, type, nullable: false, pii: 'none' as const });
  const p: DataProduct = {
    apiVersion: 'mesh/v1',
    kind: 'DataProduct',
    metadata: { name, domain: 'bench', version: '1.0.0', owner: 'bench@company.com', oncall: 'bench@company.com' },
    spec: {
      engine: 'postgres',
      inputs: [
        {
          name: FACT_TABLE,
          source: { type: 'postgres', connection: `\${${connectionVar}}`, query: `SELECT * FROM ${FACT_TABLE}` },
        },
      ],
      transform: 'transform.sql',
      schema: {
        primaryKey: ['store_id'],
        columns: [
          column('store_id', 'integer'),
          column('sales', 'bigint'),
          column('units', 'bigint'),
          column('revenue', 'decimal(14,2)'),
          column('first_sale', 'date'),
          column('last_sale', 'date'),
        ],
      },
      quality: {
        checks: [
          { type: 'not_null', column: 'store_id' },
          { type: 'unique', columns: ['store_id'] },
          { type: 'row_count', min: STORES },
        ],
      },
      outputPorts: [{ name: 'files', type: 'parquet', keep: 1 }],
    },
  };
  return { file: `bench/${name}/product.yaml`, yaml: JSON.stringify(p), transformSql: AGGREGATE };
}

type Best = Record<string, number>;

function keepBest(best: Best, key: string, ms: number): void {
  best[key] = Math.min(best[key] ?? Infinity, ms);
}

/** The bare aggregate: on the coordinator, on the single node, and on the single node in one process. */
async function bareRound(cluster: ShardedPostgres, best: Best): Promise<void> {
  const runs = {
    sharded: await timed(cluster.coordinatorUrl, AGGREGATE),
    single: await timed(cluster.singleNodeUrl!, AGGREGATE),
    serial: await timed(cluster.singleNodeUrl!, AGGREGATE, SERIAL),
  };
  for (const [key, r] of Object.entries(runs)) {
    if (r.rows !== STORES) throw new Error(`${key}: expected ${STORES} groups, got ${r.rows}`);
    keepBest(best, key, r.ms);
  }
}

async function productRound(platform: LocalPlatform, env: NodeJS.ProcessEnv, best: Best): Promise<void> {
  for (const side of ['sharded', 'single'] as const) {
    const started = performance.now();
    const outcome = await platform.runProduct(`bench/totals-${side}`, { env });
    if (outcome.status !== 'succeeded') throw new Error(`product run on the ${side} side failed: ${outcome.error}`);
    keepBest(best, `product-${side}`, performance.now() - started);
  }
}

function reportAll(report: BenchReport, best: Best): void {
  const label = `${(ROWS / 1e6).toLocaleString('en-US')}M rows → ${STORES} groups`;
  const s = (key: string) => best[key] / 1000;
  report.metric(`${label}: 2-shard coordinator (best of ${ROUNDS})`, s('sharded'), 's');
  report.metric(`${label}: single node (best of ${ROUNDS})`, s('single'), 's');
  report.metric(`${label}: single node, no parallel workers`, s('serial'), 's');
  report.metric(`${label}: single node / 2-shard coordinator`, best.single / best.sharded, '×');
  report.metric(`${label}: single node, no parallel / 2-shard`, best.serial / best.sharded, '×');
  report.metric(`product run, engine: postgres, on the coordinator`, s('product-sharded'), 's');
  report.metric(`product run, engine: postgres, on the single node`, s('product-single'), 's');
  report.metric(`product run / bare SQL, on the coordinator`, best['product-sharded'] / best.sharded, '×');
  report.metric(`product run / bare SQL, on the single node`, best['product-single'] / best.single, '×');
}

export async function bench(report: BenchReport): Promise<void> {
  const started = performance.now();
  const cluster = await createShardedPostgres({ rows: ROWS, stores: STORES, singleNode: true });
  const home = mkdtempSync(join(tmpdir(), 'mesh-bench-sharded-'));
  const platform = new LocalPlatform({ config: { ...configFromEnv({ MESH_HOME: home }), actor: 'bench' } });
  try {
    // The single node holds the same rows in one plain table of the same name: one descriptor reads either.
    await loadSingleNodeCopy(cluster.singleNodeUrl!, FACT_TABLE, ROWS, STORES);
    report.note(
      `coordinator, 2 shards and a single node up, ${ROWS.toLocaleString('en-US')} rows generated on each side in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    const env = {
      ...process.env,
      BENCH_COORDINATOR_URI: cluster.coordinatorUrl,
      BENCH_SINGLE_NODE_URI: cluster.singleNodeUrl,
    };
    await platform.publish(storeTotals('totals-sharded', 'BENCH_COORDINATOR_URI'));
    await platform.publish(storeTotals('totals-single', 'BENCH_SINGLE_NODE_URI'));
    const best: Best = {};
    for (let round = 0; round < ROUNDS; round++) {
      // The sides take turns in each round, so a slow moment of the shared machine hits them alike.
      await bareRound(cluster, best);
      await productRound(platform, env, best);
    }
    reportAll(report, best);
  } finally {
    await platform.close();
    await cluster.dispose();
    rmSync(home, { recursive: true, force: true });
  }
}
