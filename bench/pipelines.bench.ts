/**
 * Pipelines: extract 1M and 10M rows (int, bigint, text, numeric, timestamp, boolean) from
 * PostgreSQL (a table of each size, read whole), run 5 checks and publish Parquet. The total is printed as a ratio to the floor
 * measured in the same run: `COPY (query) TO STDOUT (FORMAT csv)` read to the end by this
 * process (the format the extractor uses), by pg-copy-streams and by the extractor's own
 * reader in turns; best of MESH_BENCH_ROUNDS rounds (5 up to 1M rows, 3 above) of one floor
 * and one run each, so both sides get the same number of draws. Peak RSS is sampled every 20 ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { LocalPlatform } from '../src/platform/local-platform.js';
import { CopyOutStream } from '../src/runner/extract/copy-out-stream.js';
import { configFromEnv } from '../src/core/mesh-config.js';
import type { DataProduct } from '../src/descriptor/data-product-schema.js';
import type { BenchReport } from './bench-report.js';

const ADMIN_URL = process.env.MESH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SIZES = (process.env.MESH_BENCH_ROWS ?? '1000000,10000000').split(',').map(Number);
/** Rounds of (floors, run) per size and path; the best of each is compared. */
const roundsFor = (rows: number) => Number(process.env.MESH_BENCH_ROUNDS) || (rows <= 1_000_000 ? 5 : 3);
const READERS = ['pg-copy-streams', 'CopyOutStream'] as const;
type Reader = (typeof READERS)[number];

async function admin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function copyFloor(
  url: string,
  query: string,
  reader: Reader,
): Promise<{ ms: number; bytes: number; reader: Reader }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const started = performance.now();
    let bytes = 0;
    const copy = `COPY (${query}) TO STDOUT WITH (FORMAT csv)`;
    for await (const chunk of c.query(
      reader === 'CopyOutStream' ? new CopyOutStream(copy) : copyTo(copy),
    ) as AsyncIterable<Buffer>)
      bytes += chunk.length;
    return { ms: performance.now() - started, bytes, reader };
  } finally {
    await c.end();
  }
}

/** One table per size, read whole (a 1M read filtered out of the 10M table would put the scan of 9M more rows in both floor and run). */
const table = (rows: number) => `facts_${rows}`;

function product(rows: number): { yaml: string; sql: string } {
  const p: DataProduct = {
    apiVersion: 'mesh/v1',
    kind: 'DataProduct',
    metadata: {
      name: `bench-${rows}`,
      domain: 'bench',
      version: '1.0.0',
      owner: 'bench@company.com',
      oncall: 'bench@company.com',
    },
    spec: {
      inputs: [
        {
          name: 'facts',
          source: { type: 'postgres', connection: '${BENCH_DB_URI}', query: `SELECT * FROM ${table(rows)}` },
        },
      ],
      transform: 'transform.sql',
      schema: {
        primaryKey: ['id'],
        columns: [
          { name: 'id', type: 'integer', nullable: false, pii: 'none' },
          { name: 'big', type: 'bigint', pii: 'none' },
          { name: 'label', type: 'varchar', pii: 'none' },
          { name: 'amount', type: 'decimal(12,2)', pii: 'none' },
          { name: 'ts', type: 'timestamp', pii: 'none' },
          { name: 'flag', type: 'boolean', pii: 'none' },
        ],
      },
      quality: {
        checks: [
          { type: 'not_null', column: 'id' },
          { type: 'null_rate', column: 'label', threshold: 0.01 },
          { type: 'range', column: 'amount', min: 0, max: 1000 },
          { type: 'row_count', min: rows },
          { type: 'accepted_values', column: 'flag', values: [true, false] },
        ],
      },
      outputPorts: [{ name: 'files', type: 'parquet', keep: 1 }],
    },
  };
  return { yaml: JSON.stringify(p), sql: 'SELECT * FROM facts' };
}

export async function bench(report: BenchReport): Promise<void> {
  const max = Math.max(...SIZES);
  const dbName = `mesh_bench_${process.pid}`;
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${dbName}`);
  const home = mkdtempSync(join(tmpdir(), 'mesh-bench-'));
  await admin(`CREATE DATABASE ${dbName}`);
  try {
    const started = performance.now();
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query(`CREATE TABLE ${table(max)} AS
      SELECT i::int AS id, i::bigint * 7919 AS big, 'row-' || i AS label, ((i % 100000) / 100.0)::numeric(12,2) AS amount,
             timestamp '2026-01-01' + i * interval '1 second' AS ts, i % 2 = 0 AS flag
      FROM generate_series(1, ${max}) AS i`);
    for (const rows of SIZES)
      if (rows !== max)
        await c.query(`CREATE TABLE ${table(rows)} AS SELECT * FROM ${table(max)} WHERE id <= ${rows} ORDER BY id`);
    for (const rows of SIZES) await c.query(`VACUUM ANALYZE ${table(rows)}`);
    await c.end();
    report.note(
      `generated ${max.toLocaleString('en-US')} rows in PostgreSQL in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const platform = new LocalPlatform({
      config: {
        ...configFromEnv({}, home),
        home,
        sqlitePath: join(home, 'registry.sqlite'),
        warehouseDir: join(home, 'warehouse'),
        actor: 'bench',
      },
    });
    const env = { ...process.env, BENCH_DB_URI: url };
    const peaks: number[] = [];
    for (const rows of SIZES) {
      const query = `SELECT * FROM ${table(rows)}`;
      const label = `${(rows / 1e6).toFixed(0)}M rows`;
      await copyFloor(url, query, 'pg-copy-streams'); // warm PostgreSQL's cache so floor and runs read the same way
      const ROUNDS = roundsFor(rows);
      const p = product(rows);
      await platform.publish({ file: `bench-${rows}/product.yaml`, yaml: p.yaml, transformSql: p.sql });
      // Two extract paths: one pass (source → FIFO → DuckDB → parquet) and staged (FIFO → parquet
      // file → transform), each measured in ROUNDS rounds of (floor, run) back to back, keeping
      // the best of each: a floor measured once swung by ±30% on this shared machine (7.0 s, then
      // 10.3 s for the same COPY within one run), which made a single ratio mostly noise.
      for (const mode of ['one-pass', 'staged'] as const) {
        let floor: { ms: number; bytes: number; reader?: Reader } = { ms: Infinity, bytes: 0 };
        const floors: Record<Reader, number> = { 'pg-copy-streams': Infinity, CopyOutStream: Infinity };
        let best: { total: number; outcome: Awaited<ReturnType<typeof platform.runProduct>> } | undefined;
        let growth = 0;
        let peakRss = 0;
        for (let round = 0; round < ROUNDS; round++) {
          // One floor per round, the readers taking turns: as many draws for the floor as for the
          // run (a best of 2N floors against a best of N runs would favour the floor by noise alone).
          const reader = READERS[round % READERS.length];
          const f = await copyFloor(url, query, reader);
          floors[reader] = Math.min(floors[reader], f.ms);
          if (f.ms < floor.ms) floor = f;
          global.gc?.();
          const before = process.memoryUsage().rss;
          let peak = before;
          const sampler = setInterval(() => {
            peak = Math.max(peak, process.memoryUsage().rss);
          }, 20);
          const started = performance.now();
          const outcome = await platform.runProduct(`bench/bench-${rows}`, {
            env: { ...env, MESH_STREAMED_EXTRACT: mode === 'staged' ? '0' : '1' },
          });
          const total = performance.now() - started;
          clearInterval(sampler);
          peak = Math.max(peak, process.memoryUsage().rss);
          if (outcome.status !== 'succeeded') throw new Error(`bench run failed: ${outcome.error}`);
          if (!best || total < best.total) best = { total, outcome };
          growth = Math.max(growth, peak - before);
          peakRss = Math.max(peakRss, peak);
        }
        if (mode === 'one-pass') peaks.push(growth);
        report.note(
          `${label}: floor, COPY csv read to the end, ${ROUNDS} rounds with the readers taking turns: best ${Object.entries(
            floors,
          )
            .map(([r, ms]) => `${r} ${(ms / 1000).toFixed(3)} s`)
            .join(', ')}`,
        );
        report.metric(`${label}: floor, the faster of the two`, floor.ms / 1000, 's');
        report.metric(
          `${label} ${mode}: mesh run (extract, 5 checks, parquet; best of ${ROUNDS})`,
          best!.total / 1000,
          's',
        );
        report.note(
          `${label} ${mode}: ${best!.outcome.steps.map((s) => `${s.name} ${(s.ms / 1000).toFixed(2)} s`).join(', ')}; ${(floor.bytes / 1e6).toFixed(0)} MB of CSV`,
        );
        // The targets hold for the path this product takes (one pass); the staged path (incremental
        // inputs, inputs the transform reads twice) is printed for comparison.
        const targeted = mode === 'one-pass';
        report.metric(
          `${label} ${mode}: total / floor`,
          best!.total / floor.ms,
          '×',
          targeted ? { max: 1.5 } : undefined,
        );
        report.metric(
          `${label} ${mode}: peak RSS (highest of the rounds)`,
          peakRss / 1e6,
          'MB',
          targeted ? { max: 500 } : undefined,
        );
        report.metric(`${label} ${mode}: RSS growth during a run (peak - before)`, growth / 1e6, 'MB');
      }
    }
    if (peaks.length > 1)
      report.note(
        `one-pass RSS growth during the run: ${peaks.map((p) => `${(p / 1e6).toFixed(0)} MB`).join(' → ')} from the smallest to the largest input (memory is bounded by the engine's limit, not the data)`,
      );
    await platform.close();
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    rmSync(home, { recursive: true, force: true });
  }
}
