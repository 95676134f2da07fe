/**
 * A real distributed engine in the tests (issue 20, part 2): a coordinator and two shard clusters,
 * separate PostgreSQL instances created and removed by the test (test/helpers/sharded-postgres.ts),
 * the fact table partitioned over the shards as postgres_fdw foreign partitions with
 * async_capable. An aggregate grouped by the partition key runs on both shards at once (Async
 * Foreign Scan of the aggregate, and both shards seen computing at the same moment), its result
 * is the single-node result, and a shard down fails the query with a message naming the shard.
 *
 * "At the same moment" is held open deterministically: each shard's table is put behind a view
 * whose rows wait on an advisory lock the test holds, so a shard that has started computing
 * shows a backend waiting on that lock until the test lets it go.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localScope } from '../../src/access/principal.js';
import { UnavailableError } from '../../src/core/errors.js';
import type { DataProduct, EngineKind } from '../../src/descriptor/data-product-schema.js';
import { openEngine } from '../../src/engine/duckdb-engine.js';
import { foreignServerFailure, readForeignServers, type ForeignServer } from '../../src/engine/postgres-failures.js';
import type { DescriptorBundle } from '../../src/platform/descriptor-bundle.js';
import { readCurrentSnapshot } from '../../src/ports/warehouse.js';
import { LocalWarehouseStore } from '../../src/ports/warehouse/local-warehouse-store.js';
import { createPipelineHarness, pipelineBundle, type PipelineHarness } from '../helpers/pipelines.js';
import {
  createShardedPostgres,
  FACT_TABLE,
  loadSingleNodeCopy,
  withClient,
  type ShardedPostgres,
  type ShardInfo,
} from '../helpers/sharded-postgres.js';

const ROWS = 100_000;
const STORES = 1_000;
const SINGLE_NODE = 'sales_single_node';
const GATE_LOCK = 720_020;

/** The aggregate under test: ~1,000 rows out of the fact table, grouped by the partition key. */
const aggregateSql = (table: string) => `SELECT store_id, count(*) AS sales, sum(quantity) AS units,
    sum(amount) AS revenue, min(sold_on) AS first_sale, max(sold_on) AS last_sale
  FROM ${table} GROUP BY store_id ORDER BY store_id`;

interface ForeignScan {
  readonly async: boolean;
  readonly relations?: string;
  readonly remoteSql?: string;
}

/** The Foreign Scan nodes of an EXPLAIN (VERBOSE) text plan, with their Relations and Remote SQL lines. */
function foreignScans(plan: string[]): ForeignScan[] {
  const scans: { async: boolean; relations?: string; remoteSql?: string }[] = [];
  let current: (typeof scans)[number] | undefined;
  for (const line of plan) {
    const node = /(?:->\s+|^)(Async )?Foreign Scan/.exec(line);
    if (node) {
      current = { async: node[1] !== undefined };
      scans.push(current);
      continue;
    }
    if (/->/.test(line)) current = undefined;
    const detail = /^\s*(Relations|Remote SQL): (.*)$/.exec(line);
    if (current && detail) {
      if (detail[1] === 'Relations') current.relations = detail[2];
      else current.remoteSql = detail[2];
    }
  }
  return scans;
}

async function explain(c: pg.Client, sql: string): Promise<string[]> {
  const { rows } = await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN (VERBOSE, COSTS OFF) ${sql}`);
  return rows.map((r) => r['QUERY PLAN']);
}

interface Gate {
  /** Lets the shard go on computing. */
  open(): Promise<void>;
  /** Closes the gate again for the next query. */
  hold(): Promise<void>;
  /** Opens the gate and puts the shard's table back. */
  restore(): Promise<void>;
}

/**
 * Puts the shard's table behind a view whose rows wait on GATE_LOCK (an InitPlan, run when the
 * shard starts computing, not when the coordinator plans or declares its cursor), and holds
 * the lock.
 */
async function gateShard(shard: ShardInfo): Promise<Gate> {
  const holder = new pg.Client({ connectionString: shard.url });
  holder.on('error', () => undefined); // a test that stops the shard ends this session too
  await holder.connect();
  const t = shard.partition;
  await holder.query(`ALTER TABLE ${t} RENAME TO ${t}_rows;
    CREATE FUNCTION mesh_gate() RETURNS boolean LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_lock_shared(${GATE_LOCK}); PERFORM pg_advisory_unlock_shared(${GATE_LOCK}); RETURN true; END $$;
    CREATE VIEW ${t} AS SELECT * FROM ${t}_rows WHERE (SELECT mesh_gate());`);
  const hold = async () => {
    await holder.query('SELECT pg_advisory_lock($1)', [GATE_LOCK]);
  };
  await hold();
  return {
    hold,
    open: async () => {
      await holder.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    },
    restore: async () => {
      await holder.end().catch(() => undefined);
      await withClient(shard.url, (c) =>
        c.query(`DROP VIEW ${t}; DROP FUNCTION mesh_gate(); ALTER TABLE ${t}_rows RENAME TO ${t}`),
      );
    },
  };
}

/** Whether a postgres_fdw session on the shard is computing the coordinator's query, held at the gate. */
async function waitingAtGate(shard: ShardInfo): Promise<boolean> {
  return withClient(shard.url, async (c) => {
    const { rows } = await c.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = 'postgres_fdw' AND wait_event_type = 'Lock' AND wait_event = 'advisory'`,
    );
    return rows[0].n > 0;
  });
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('a sharded PostgreSQL: coordinator and two shards over postgres_fdw async foreign partitions', () => {
  let cluster: ShardedPostgres;
  let coordinator: pg.Client;
  let singleNode: unknown[];
  let servers: ForeignServer[];

  beforeAll(async () => {
    cluster = await createShardedPostgres({ rows: ROWS, stores: STORES });
    await loadSingleNodeCopy(cluster.coordinatorUrl, SINGLE_NODE, ROWS, STORES);
    coordinator = new pg.Client({ connectionString: cluster.coordinatorUrl });
    await coordinator.connect();
    singleNode = (await coordinator.query(aggregateSql(SINGLE_NODE))).rows;
    servers = await readForeignServers(coordinator);
  });
  afterAll(async () => {
    await coordinator?.end().catch(() => undefined);
    await cluster?.dispose();
  });

  it('holds the fact table split over the two shards, each its own range of the partition key', async () => {
    for (const shard of cluster.shards) {
      const { rows } = await withClient(shard.url, (c) =>
        c.query<{ n: number; lo: number; hi: number }>(
          `SELECT count(*)::int AS n, min(store_id) AS lo, max(store_id) AS hi FROM ${shard.partition}`,
        ),
      );
      expect(rows[0].n).toBeGreaterThan(ROWS / 4);
      expect(rows[0].lo).toBe(shard.stores.from);
      expect(rows[0].hi).toBe(shard.stores.to - 1);
    }
    const { rows } = await coordinator.query<{ part: string; n: number }>(
      `SELECT tableoid::regclass::text AS part, count(*)::int AS n FROM ${FACT_TABLE} GROUP BY 1 ORDER BY 1`,
    );
    expect(rows.map((r) => r.part)).toEqual(cluster.shards.map((s) => s.partition));
    expect(rows.reduce((sum, r) => sum + r.n, 0)).toBe(ROWS);
    const ports = new Set([new URL(cluster.coordinatorUrl).port, ...cluster.shards.map((s) => String(s.port))]);
    expect(ports.size).toBe(3);
    // What the engine reads of the coordinator's catalog to name a failed shard.
    expect(servers).toEqual(
      cluster.shards.map((s) => ({
        name: s.server,
        address: `${s.host}:${s.port}`,
        remoteTables: [`public.${s.partition}`],
        localTables: [`public.${s.partition}`],
      })),
    );
  });

  it('pushes the aggregate down to every shard as an Async Foreign Scan of the aggregate', async () => {
    const scans = foreignScans(await explain(coordinator, aggregateSql(FACT_TABLE)));
    expect(scans).toHaveLength(cluster.shards.length);
    for (const shard of cluster.shards) {
      const scan = scans.find((s) => s.relations?.includes(`public.${shard.partition} `));
      expect(scan, `a foreign scan of ${shard.partition}`).toBeDefined();
      expect(scan!.async).toBe(true);
      expect(scan!.relations).toMatch(/^Aggregate on /);
      expect(scan!.remoteSql).toMatch(new RegExp(`FROM public\\.${shard.partition} GROUP BY 1$`));
      expect(scan!.remoteSql).toContain('count(*)');
    }
  });

  it('without partitionwise aggregation, the coordinator pulls the rows and aggregates them itself', async () => {
    // The coordinator's setting is what turns the plan into a pushdown; this shows the test can tell.
    await coordinator.query('SET enable_partitionwise_aggregate = off');
    try {
      const scans = foreignScans(await explain(coordinator, aggregateSql(FACT_TABLE)));
      expect(scans).toHaveLength(cluster.shards.length);
      for (const scan of scans) {
        expect(scan.relations).toBeUndefined();
        expect(scan.remoteSql).not.toContain('GROUP BY');
      }
    } finally {
      await coordinator.query('RESET enable_partitionwise_aggregate');
    }
  });

  it('runs the aggregate on both shards at the same time (and one after the other without async_capable)', async () => {
    const [first, second] = cluster.shards;
    const gates: Gate[] = [];
    try {
      for (const shard of cluster.shards) gates.push(await gateShard(shard));
      const together = coordinator.query(aggregateSql(FACT_TABLE));
      // Both shards compute while neither has answered: the coordinator sent both queries at once.
      await until('both shards compute', async () => (await waitingAtGate(first)) && (await waitingAtGate(second)));
      for (const gate of gates) await gate.open();
      expect((await together).rows).toEqual(singleNode);

      await setAsync(coordinator, cluster.shards, false);
      for (const gate of gates) await gate.hold();
      const inTurn = coordinator.query(aggregateSql(FACT_TABLE));
      await until(`${first.server} computes`, () => waitingAtGate(first));
      // The coordinator waits on the first shard's answer before it asks the second.
      expect(await waitingAtGate(second)).toBe(false);
      await gates[0].open();
      await until(`${second.server} computes`, () => waitingAtGate(second));
      await gates[1].open();
      expect((await inTurn).rows).toEqual(singleNode);
    } finally {
      await setAsync(coordinator, cluster.shards, true);
      for (const gate of gates) await gate.restore();
    }
  });

  it('gives the single-node result of the same SQL over the same rows in one plain table', async () => {
    const sharded = (await coordinator.query(aggregateSql(FACT_TABLE))).rows;
    expect(sharded).toHaveLength(STORES);
    expect(sharded.reduce((n: number, r: { sales: string }) => n + Number(r.sales), 0)).toBe(ROWS);
    expect(sharded).toEqual(singleNode);
  });

  it('fails with a message naming the shard when one is down, and answers again once it is back', async () => {
    const down = cluster.shards[1];
    await cluster.stopShard(1);
    try {
      const error = await coordinator.query(aggregateSql(FACT_TABLE)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toContain(`"${down.server}"`);
      const mapped = foreignServerFailure(error, servers, 'the query');
      expect(mapped).toBeInstanceOf(UnavailableError);
      expect(mapped!.message).toBe(
        `the query: foreign server "${down.server}" at ${down.host}:${down.port} cannot be reached: could not connect to server "${down.server}"; Connection refused`,
      );
    } finally {
      await cluster.startShard(1);
    }
    expect((await coordinator.query(aggregateSql(FACT_TABLE))).rows).toEqual(singleNode);
  });

  it('names the shard that goes away while it computes', async () => {
    const down = cluster.shards[1];
    const gate = await gateShard(down);
    try {
      const result = coordinator.query(aggregateSql(FACT_TABLE)).then(
        () => undefined,
        (e: unknown) => e,
      );
      await until(`${down.server} computes`, () => waitingAtGate(down));
      await cluster.stopShard(1);
      const error = await result;
      expect(error).toBeInstanceOf(Error);
      // PostgreSQL's message names no server here: the remote SQL in its context names the shard's table.
      expect((error as Error).message).not.toContain(down.server);
      expect(foreignServerFailure(error, servers, 'the query')?.message).toMatch(
        new RegExp(`^the query: foreign server "${down.server}" at ${down.host}:${down.port} broke off mid-query: \\S`),
      );
      expect(
        foreignServerFailure(
          error,
          servers.filter((s) => s.name !== down.server),
        ),
      ).toBeUndefined();
      // A shard's own SQL error is the query's, not an unavailable shard.
      expect(foreignServerFailure({ ...(error as object), code: '42703' }, servers)).toBeUndefined();
    } finally {
      await cluster.startShard(1);
      await gate.restore();
    }
    expect((await coordinator.query(aggregateSql(FACT_TABLE))).rows).toEqual(singleNode);
  });

  it('serves the aggregate again after the coordinator is restarted', async () => {
    await coordinator.end();
    await cluster.restartCoordinator();
    coordinator = new pg.Client({ connectionString: cluster.coordinatorUrl });
    await coordinator.connect();
    expect((await coordinator.query(aggregateSql(FACT_TABLE))).rows).toEqual(singleNode);
    expect(foreignScans(await explain(coordinator, aggregateSql(FACT_TABLE))).every((s) => s.async)).toBe(true);
  });
});

async function setAsync(c: pg.Client, shards: readonly ShardInfo[], on: boolean): Promise<void> {
  for (const s of shards) await c.query(`ALTER SERVER ${s.server} OPTIONS (SET async_capable '${on}')`);
}

// ---------------------------------------------------------------------------------------------
// The postgres engine on the sharded coordinator: a data product whose input is the partitioned
// fact table, run where its data is.

const PRODUCT_SQL = `SELECT store_id, count(*) AS sales, sum(quantity) AS units, sum(amount) AS revenue,
    min(sold_on) AS first_sale, max(sold_on) AS last_sale
  FROM sales GROUP BY store_id`;

/** One descriptor for every side: only the engine and the connection its input reads differ. */
function storeTotals(name: string, engine: EngineKind, connectionVar: string): DescriptorBundle {
  const bundle = pipelineBundle({
    domain: 'sharded',
    name,
    inputs: [
      { name: 'sales', source: { type: 'postgres', connection: `\${${connectionVar}}`, query: 'SELECT * FROM sales' } },
    ],
    sql: PRODUCT_SQL,
    columns: [
      { name: 'store_id', type: 'integer', nullable: false, pii: 'none' },
      { name: 'sales', type: 'bigint', nullable: false, pii: 'none' },
      { name: 'units', type: 'bigint', nullable: false, pii: 'none' },
      { name: 'revenue', type: 'decimal(14,2)', nullable: false, pii: 'none' },
      { name: 'first_sale', type: 'date', nullable: false, pii: 'none' },
      { name: 'last_sale', type: 'date', nullable: false, pii: 'none' },
    ],
    primaryKey: ['store_id'],
    checks: [
      { type: 'row_count', min: 1 },
      { type: 'range', column: 'revenue', min: 0 },
    ],
  });
  return onEngine(bundle, engine);
}

function onEngine(bundle: DescriptorBundle, engine: EngineKind): DescriptorBundle {
  const product = JSON.parse(bundle.yaml) as DataProduct;
  product.spec.engine = engine;
  return { ...bundle, yaml: JSON.stringify(product, null, 2) };
}

describe('the postgres engine on the sharded coordinator', () => {
  let cluster: ShardedPostgres;
  let h: PipelineHarness;
  let env: NodeJS.ProcessEnv;
  const SHARDED = 'sharded/store-totals';

  beforeAll(async () => {
    cluster = await createShardedPostgres({ rows: ROWS, stores: STORES, singleNode: true });
    // The single node holds the same rows in one plain table of the same name: the same descriptor reads it.
    await loadSingleNodeCopy(cluster.singleNodeUrl!, FACT_TABLE, ROWS, STORES);
    h = await createPipelineHarness('sqlite');
    env = { ...process.env, SHARDED_COORDINATOR_URI: cluster.coordinatorUrl, SINGLE_NODE_URI: cluster.singleNodeUrl };
    await h.platform.publish(storeTotals('store-totals', 'postgres', 'SHARDED_COORDINATOR_URI'));
  });
  afterAll(async () => {
    await h?.dispose();
    await cluster?.dispose();
  });

  const current = (product: string) =>
    readCurrentSnapshot(h.registry.registry, new LocalWarehouseStore(h.platform.config.warehouseDir), product, 1);

  /** The published snapshot's rows, read from its parquet file. */
  async function published(product: string): Promise<Record<string, unknown>[]> {
    const file = (await current(product))?.file;
    if (!file) return [];
    const engine = await openEngine();
    try {
      return await engine.rows(`SELECT * FROM read_parquet('${file}') ORDER BY store_id`);
    } finally {
      engine.close();
    }
  }

  /** What a consumer downloading the product is served now (the current snapshot, through the access decision). */
  async function served(product: string): Promise<{ snapshotId: string; rows: number; lines: string[] }> {
    const exported = await h.platform.exportData(localScope('test:pipelines'), product, { format: 'json' });
    const text = await new Response(exported.body).text();
    return { snapshotId: exported.snapshotId, rows: exported.rows, lines: text.trim().split('\n').sort() };
  }

  async function stagingSchemas(): Promise<string[]> {
    return withClient(cluster.coordinatorUrl, async (c) => {
      const { rows } = await c.query<{ nspname: string }>(
        `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mesh_stage_%' ORDER BY 1`,
      );
      return rows.map((r) => r.nspname);
    });
  }

  it("publishes the single-node product's result, computed on both shards at once", async () => {
    const gates: Gate[] = [];
    let outcome;
    try {
      for (const shard of cluster.shards) gates.push(await gateShard(shard));
      const run = h.platform.runProduct(SHARDED, { env });
      // The run's CREATE TABLE … AS the transform has both shards computing before either answers.
      await until('both shards compute the run', async () =>
        (await Promise.all(cluster.shards.map(waitingAtGate))).every(Boolean),
      );
      for (const gate of gates) await gate.open();
      outcome = await run;
    } finally {
      for (const gate of gates) await gate.restore();
    }
    expect(outcome.error).toBeNull();
    expect(outcome.rowsOut).toBe(STORES);

    for (const [name, engine] of [
      ['single-postgres', 'postgres'],
      ['single-duckdb', 'duckdb'],
    ] as const) {
      await h.platform.publish(storeTotals(name, engine, 'SINGLE_NODE_URI'));
      const single = await h.platform.runProduct(`sharded/${name}`, { env });
      expect(single.error).toBeNull();
      expect(await published(SHARDED)).toEqual(await published(`sharded/${name}`));
    }
    const rows = await published(SHARDED);
    expect(rows).toHaveLength(STORES);
    expect(rows.reduce((n, r) => n + Number(r.sales), 0)).toBe(ROWS);
    expect(await stagingSchemas()).toEqual([]);
  });

  it('sends each shard the aggregate, not its rows', async () => {
    await setShardLogging('all');
    try {
      const before = cluster.shards.map((_, i) => cluster.shardLog(i).length);
      const outcome = await h.platform.runProduct(SHARDED, { env });
      expect(outcome.error).toBeNull();
      cluster.shards.forEach((shard, i) => {
        const ran = cluster.shardLog(i).slice(before[i]);
        expect(ran).toMatch(
          new RegExp(
            `DECLARE c\\d+ CURSOR FOR\\s+SELECT store_id, count\\(\\*\\), .* FROM public\\.${shard.partition} GROUP BY 1`,
          ),
        );
        expect(ran).not.toMatch(new RegExp(`CURSOR FOR\\s+SELECT [^\\n]* FROM public\\.${shard.partition}\\s*\\n`));
      });
    } finally {
      await setShardLogging('none');
    }
  });

  it('a shard down: the run fails naming the shard, and the last good snapshot stays current and served', async () => {
    const good = await current(SHARDED);
    const servedBefore = await served(SHARDED);
    expect(servedBefore).toMatchObject({ snapshotId: good!.snapshotId, rows: STORES });
    const down = cluster.shards[1];
    await cluster.stopShard(1);
    try {
      const outcome = await h.platform.runProduct(SHARDED, { env });
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toBe(
        `the postgres engine: foreign server "${down.server}" at ${down.host}:${down.port} cannot be reached: could not connect to server "${down.server}"; Connection refused`,
      );
      expect(await current(SHARDED)).toEqual(good);
      expect(await served(SHARDED)).toEqual(servedBefore);
    } finally {
      await cluster.startShard(1);
    }
    expect(await stagingSchemas()).toEqual([]);
  });

  it('a shard that goes down during the run: the run fails naming it, the last good snapshot stays current and served', async () => {
    const good = await current(SHARDED);
    const servedBefore = await served(SHARDED);
    const down = cluster.shards[1];
    const gate = await gateShard(down);
    try {
      const run = h.platform.runProduct(SHARDED, { env });
      await until(`${down.server} computes the run`, () => waitingAtGate(down));
      await cluster.stopShard(1);
      const outcome = await run;
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toBe(
        `the postgres engine: foreign server "${down.server}" at ${down.host}:${down.port} broke off mid-query: terminating connection due to administrator command; server closed the connection unexpectedly`,
      );
      expect(await current(SHARDED)).toEqual(good);
      expect(await served(SHARDED)).toEqual(servedBefore);
    } finally {
      await cluster.startShard(1);
      await gate.restore();
    }
    expect(await stagingSchemas()).toEqual([]);
  });

  it('the coordinator restarted mid-run: the run fails cleanly, nothing is half-visible, and a retry publishes', async () => {
    const good = await current(SHARDED);
    const servedBefore = await served(SHARDED);
    const gate = await gateShard(cluster.shards[0]);
    try {
      const run = h.platform.runProduct(SHARDED, { env });
      await until('the run computes on the shards', () => waitingAtGate(cluster.shards[0]));
      await cluster.restartCoordinator();
      const outcome = await run;
      expect(outcome.status).toBe('failed');
      const { hostname, port } = new URL(cluster.coordinatorUrl);
      expect(outcome.error).toBe(
        `the postgres engine: the connection to PostgreSQL at ${hostname}:${port} was lost mid-run: Connection terminated unexpectedly`,
      );
      expect(await current(SHARDED)).toEqual(good);
      expect(await served(SHARDED)).toEqual(servedBefore);
      // The failed run could not drop its staging schema (its database went away under it) …
      expect(await stagingSchemas()).toHaveLength(1);
    } finally {
      await gate.restore();
    }
    // … the next run drops it (the session that claimed it is gone) and publishes.
    const retry = await h.platform.runProduct(SHARDED, { env });
    expect(retry.error).toBeNull();
    const now = await current(SHARDED);
    expect(now!.snapshotId).not.toBe(good!.snapshotId);
    expect(await served(SHARDED)).toMatchObject({
      snapshotId: now!.snapshotId,
      rows: STORES,
      lines: servedBefore.lines,
    });
    expect(await stagingSchemas()).toEqual([]);
  });

  it("another run on the coordinator leaves a running run's staging schema alone", async () => {
    await h.platform.publish(
      onEngine(
        pipelineBundle({
          domain: 'sharded',
          name: 'numbers',
          inputs: [
            {
              name: 'numbers',
              source: {
                type: 'postgres',
                connection: '${SHARDED_COORDINATOR_URI}',
                query: 'SELECT g AS n FROM generate_series(1, 10) AS g',
              },
            },
          ],
          sql: 'SELECT n FROM numbers',
          columns: [{ name: 'n', type: 'integer', nullable: false, pii: 'none' }],
          primaryKey: ['n'],
        }),
        'postgres',
      ),
    );
    const gate = await gateShard(cluster.shards[1]);
    try {
      const held = h.platform.runProduct(SHARDED, { env });
      await until('the run computes on the shards', () => waitingAtGate(cluster.shards[1]));
      const staging = await stagingSchemas();
      expect(staging).toHaveLength(1);
      // The other run sweeps abandoned staging when it opens: the held run's session is alive, so its schema stays.
      const other = await h.platform.runProduct('sharded/numbers', { env });
      expect(other.error).toBeNull();
      expect(await stagingSchemas()).toEqual(staging);
      await gate.open();
      expect((await held).error).toBeNull();
    } finally {
      await gate.restore();
    }
    expect(await stagingSchemas()).toEqual([]);
  });

  async function setShardLogging(level: 'all' | 'none'): Promise<void> {
    for (const shard of cluster.shards)
      await withClient(shard.url, async (c) => {
        await c.query(`ALTER SYSTEM SET log_statement = '${level}'`);
        await c.query('SELECT pg_reload_conf()');
      });
  }
});
