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
import {
  createShardedPostgres,
  FACT_TABLE,
  loadSingleNodeCopy,
  shardFailureMessage,
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

  beforeAll(async () => {
    cluster = await createShardedPostgres({ rows: ROWS, stores: STORES });
    await loadSingleNodeCopy(cluster.coordinatorUrl, SINGLE_NODE, ROWS, STORES);
    coordinator = new pg.Client({ connectionString: cluster.coordinatorUrl });
    await coordinator.connect();
    singleNode = (await coordinator.query(aggregateSql(SINGLE_NODE))).rows;
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
      expect(shardFailureMessage(error, cluster.shards)).toBe(
        `shard ${down.server} at ${down.host}:${down.port} is unavailable: could not connect to server "${down.server}"`,
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
      expect(shardFailureMessage(error, cluster.shards)).toMatch(
        new RegExp(`^shard ${down.server} at ${down.host}:${down.port} is unavailable: `),
      );
      expect(shardFailureMessage(error, [cluster.shards[0]])).toBeUndefined();
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
