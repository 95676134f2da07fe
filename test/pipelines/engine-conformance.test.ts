/**
 * One conformance suite, run on both engines: the same product over the same PostgreSQL data
 * gives the same snapshot, the same check results and samples (PII masked), the same conform
 * rules, the same incremental watermarks, and a failed run keeps the last good snapshot.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { openEngine } from '../../src/engine/duckdb-engine.js';
import type { DataProduct, EngineKind } from '../../src/descriptor/data-product-schema.js';
import { readCurrentPointer } from '../../src/ports/warehouse.js';
import type { RunOutcome } from '../../src/runner/run-outcome.js';
import {
  createPipelineHarness,
  pipelineBundle,
  type BundleOptions,
  type PipelineHarness,
} from '../helpers/pipelines.js';
import { createTestDatabase } from '../helpers/registries.js';

const ENGINES: EngineKind[] = ['duckdb', 'postgres'];

const salesColumns: BundleOptions['columns'] = [
  { name: 'region', type: 'text', nullable: false, pii: 'none' },
  { name: 'orders', type: 'bigint', nullable: false, pii: 'none' },
  { name: 'revenue', type: 'decimal(14,2)', pii: 'none' },
  { name: 'last_sold', type: 'timestamp', pii: 'none' },
  { name: 'contact', type: 'text', pii: 'direct' },
];
const SALES_SQL = `SELECT region, count(*) AS orders, sum(amount) AS revenue, max(sold_at) AS last_sold, min(email) AS contact
FROM sales GROUP BY region ORDER BY region`;

let source: { url: string; drop: () => Promise<void> };
/** A second database holding one partition of `facts`, reached through postgres_fdw. */
let shard: { url: string; drop: () => Promise<void> };
let client: pg.Client;
/** What each engine's runs gave, compared at the end. */
const seen = new Map<string, Map<EngineKind, unknown>>();

function remember(key: string, engine: EngineKind, value: unknown): void {
  if (!seen.has(key)) seen.set(key, new Map());
  seen.get(key)!.set(engine, value);
}

beforeAll(async () => {
  source = await createTestDatabase('pg_engine_conf');
  client = new pg.Client({ connectionString: source.url });
  await client.connect();
  await client.query(`
    CREATE TABLE sales (id integer, region text, amount numeric(10,2), sold_at timestamp, email text);
    INSERT INTO sales
      SELECT i, (ARRAY['north','south','east','west'])[1 + i % 4], (i % 50) + 0.25,
             timestamp '2026-01-01' + i * interval '1 hour', 'buyer' || (i % 4) || '@example.com'
      FROM generate_series(1, 400) AS i;
    INSERT INTO sales VALUES (401, 'unknown', NULL, NULL, NULL);
    CREATE TABLE events (id integer NOT NULL, changed_at timestamp NOT NULL);`);
  shard = await createTestDatabase('pg_engine_shard');
  const shardClient = new pg.Client({ connectionString: shard.url });
  await shardClient.connect();
  await shardClient.query(`CREATE TABLE facts_remote AS
    SELECT i AS id, 'r' || (i % 3) AS region, (i % 10)::numeric(10,2) AS amount FROM generate_series(1000, 1999) AS i`);
  await shardClient.end();
  await client.query(`
    CREATE EXTENSION postgres_fdw;
    CREATE SERVER pg_engine_shard FOREIGN DATA WRAPPER postgres_fdw
      OPTIONS (host '127.0.0.1', port '5432', dbname '${new URL(shard.url).pathname.slice(1)}');
    CREATE USER MAPPING FOR CURRENT_USER SERVER pg_engine_shard OPTIONS (user 'postgres');
    CREATE TABLE facts (id integer, region text, amount numeric(10,2)) PARTITION BY RANGE (id);
    CREATE TABLE facts_local PARTITION OF facts FOR VALUES FROM (0) TO (1000);
    CREATE FOREIGN TABLE facts_remote PARTITION OF facts FOR VALUES FROM (1000) TO (2000)
      SERVER pg_engine_shard OPTIONS (table_name 'facts_remote', async_capable 'true');
    INSERT INTO facts_local SELECT i, 'r' || (i % 3), (i % 10) FROM generate_series(0, 999) AS i;`);
});
afterAll(async () => {
  await client?.end();
  await source?.drop();
  await shard?.drop();
});

function bundle(engine: EngineKind, o: Omit<BundleOptions, 'domain'>) {
  const b = pipelineBundle({ domain: 'conf', ...o });
  const product = JSON.parse(b.yaml) as DataProduct;
  product.spec.engine = engine;
  return { ...b, yaml: JSON.stringify(product, null, 2) };
}

const salesInput = (query = 'SELECT * FROM sales'): BundleOptions['inputs'] => [
  { name: 'sales', source: { type: 'postgres', connection: '${PG_ENGINE_SRC}', query } },
];

async function snapshotOf(h: PipelineHarness, product: string): Promise<Array<Record<string, unknown>>> {
  const file = readCurrentPointer(h.platform.config.warehouseDir, product, 1)?.file;
  if (!file) return [];
  const engine = await openEngine();
  try {
    return await engine.rows(`SELECT * FROM read_parquet('${file}')`);
  } finally {
    engine.close();
  }
}

async function columnTypes(h: PipelineHarness, product: string): Promise<string[]> {
  const file = readCurrentPointer(h.platform.config.warehouseDir, product, 1)!.file;
  const engine = await openEngine();
  try {
    const rows = await engine.rows(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
    return rows.map((r) => `${String(r.column_name)} ${String(r.column_type)}`);
  } finally {
    engine.close();
  }
}

async function stagingSchemas(): Promise<string[]> {
  const { rows } = await client.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'mesh_stage_%'`);
  return rows.map((r: { nspname: string }) => r.nspname);
}

const checksOf = (run: RunOutcome) =>
  run.checks.map((c) => ({
    name: c.name,
    status: c.status,
    observed: c.observed,
    message: c.message,
    samples: c.samples,
  }));

describe.each(ENGINES)('the %s engine', (engine) => {
  let h: PipelineHarness;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    h = await createPipelineHarness('sqlite');
    env = { ...process.env, PG_ENGINE_SRC: source.url };
  });
  afterAll(async () => {
    await h?.dispose();
  });

  it('builds the aggregate the SQL gives, in the declared types, and leaves no staging schema', async () => {
    await h.platform.publish(
      bundle(engine, { name: 'by-region', inputs: salesInput(), sql: SALES_SQL, columns: salesColumns }),
    );
    const run = await h.platform.runProduct('conf/by-region', { env });
    expect(run.error).toBeNull();
    expect(run).toMatchObject({ status: 'succeeded', rowsOut: 5 });
    const { rows: expected } = await client.query(
      `SELECT region, count(*)::int AS orders FROM sales GROUP BY region ORDER BY region`,
    );
    const snapshot = await snapshotOf(h, 'conf/by-region');
    expect(snapshot.map((r) => ({ region: r.region, orders: Number(r.orders) }))).toEqual(expected);
    expect(await columnTypes(h, 'conf/by-region')).toEqual([
      'region VARCHAR',
      'orders BIGINT',
      'revenue DECIMAL(14,2)',
      'last_sold TIMESTAMP',
      'contact VARCHAR',
    ]);
    remember('snapshot', engine, snapshot);
    expect(await stagingSchemas()).toEqual([]);
  });

  it('aggregates a partitioned table whose partitions are postgres_fdw foreign tables', async () => {
    const columns: BundleOptions['columns'] = [
      { name: 'region', type: 'text', nullable: false, pii: 'none' },
      { name: 'rows', type: 'bigint', pii: 'none' },
      { name: 'total', type: 'decimal(14,2)', pii: 'none' },
    ];
    const sql = 'SELECT region, count(*) AS rows, sum(amount) AS total FROM facts GROUP BY region';
    await h.platform.publish(
      bundle(engine, {
        name: 'sharded',
        inputs: [
          { name: 'facts', source: { type: 'postgres', connection: '${PG_ENGINE_SRC}', query: 'SELECT * FROM facts' } },
        ],
        sql,
        columns,
        checks: [{ type: 'unique', column: 'region' }],
      }),
    );
    const run = await h.platform.runProduct('conf/sharded', { env });
    expect(run.error).toBeNull();
    const { rows: expected } = await client.query(
      `SELECT region, count(*)::text AS rows, sum(amount)::text AS total FROM facts GROUP BY region ORDER BY region`,
    );
    const got = (await snapshotOf(h, 'conf/sharded')).sort((a, b) => String(a.region).localeCompare(String(b.region)));
    expect(got).toEqual(expected);
    expect(expected.reduce((n: number, r: { rows: string }) => n + Number(r.rows), 0)).toBe(2000);
  });

  it('runs every check type, with the same results and masked samples', async () => {
    const checks: NonNullable<DataProduct['spec']['quality']>['checks'] = [
      { type: 'null_rate', column: 'revenue', threshold: 0.1, severity: 'warn' },
      { type: 'not_null', columns: ['revenue', 'contact'], severity: 'warn' },
      { type: 'unique', column: 'region', severity: 'warn' },
      { type: 'unique', columns: ['orders'], severity: 'warn', name: 'orders unique' },
      { type: 'accepted_values', column: 'region', values: ['north', 'south', 'east', 'west'], severity: 'warn' },
      { type: 'range', column: 'orders', min: 2, max: 99, severity: 'warn' },
      { type: 'regex', column: 'contact', pattern: '^buyer[0-2]@', severity: 'warn' },
      { type: 'freshness', column: 'last_sold', maxAge: '1d', severity: 'warn' },
      { type: 'row_count', min: 1, max: 4, severity: 'warn' },
      { type: 'row_count_delta', threshold: 0.5, severity: 'warn' },
      { type: 'row_count_vs_source', threshold: 0.5, severity: 'warn' },
      {
        type: 'sql',
        sql: 'SELECT region, contact FROM snapshot WHERE orders < 50',
        severity: 'warn',
        name: 'few orders',
      },
    ];
    await h.platform.publish(
      bundle(engine, { name: 'checked', inputs: salesInput(), sql: SALES_SQL, columns: salesColumns, checks }),
    );
    const run = await h.platform.runProduct('conf/checked', { env });
    expect(run.error).toBeNull();
    const outcomes = checksOf(run);
    expect(outcomes.map((c) => c.status)).toEqual([
      'fail', // 1 of 5 revenue null
      'fail',
      'pass',
      'fail', // 100 orders in four regions
      'fail', // unknown
      'fail', // 100 > 99 and 1 < 2
      'fail', // buyer3
      'fail', // 2026 data, run "now"
      'fail', // 5 rows
      'pass',
      'fail', // 5 of 401
      'fail',
    ]);
    const accepted = outcomes[4];
    expect(accepted.samples).toEqual([expect.objectContaining({ region: 'unknown', contact: null })]);
    // The direct-PII column never shows in clear in a sample.
    const regex = outcomes[6];
    expect(regex.samples).toHaveLength(1);
    expect(String(regex.samples![0].contact)).not.toContain('buyer3');
    // The age depends on the second the check ran: the rest of the verdict is compared.
    remember(
      'checks',
      engine,
      outcomes.map((c) =>
        c.name.startsWith('freshness') ? { ...c, observed: (c.observed as { newest: string }).newest } : c,
      ),
    );
    expect(await stagingSchemas()).toEqual([]);
  });

  it('casts safely to the declared types and names a column the transform does not return', async () => {
    const columns: BundleOptions['columns'] = [
      { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
      { name: 'amount', type: 'double', pii: 'none' },
      { name: 'label', type: 'text', pii: 'none' },
    ];
    await h.platform.publish(
      bundle(engine, {
        name: 'casts',
        inputs: salesInput(),
        sql: 'SELECT id, amount, id AS label FROM sales',
        columns,
      }),
    );
    const ok = await h.platform.runProduct('conf/casts', { env });
    expect(ok.error).toBeNull();
    expect(await columnTypes(h, 'conf/casts')).toEqual(['id BIGINT', 'amount DOUBLE', 'label VARCHAR']);
    await h.platform.publish(
      bundle(engine, { name: 'missing', inputs: salesInput(), sql: 'SELECT id, amount FROM sales', columns }),
    );
    const bad = await h.platform.runProduct('conf/missing', { env });
    expect(bad.status).toBe('failed');
    expect(bad.error).toContain(
      'column "label" (text) is declared in spec.schema.columns but the transform does not return it',
    );
    remember('missing column', engine, bad.error);
  });

  it('locates a transform SQL error in transform.sql with the engine message', async () => {
    const columns: BundleOptions['columns'] = [{ name: 'id', type: 'integer', pii: 'none' }];
    await h.platform.publish(
      bundle(engine, { name: 'typo', inputs: salesInput(), sql: 'SELECT id\nFROM sales\nWHERE amont > 1', columns }),
    );
    const run = await h.platform.runProduct('conf/typo', { env });
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/transform\.sql:3:7: .*amont/);
  });

  it('publishes a SQL port whose masked view is what an ungranted reader sees', async () => {
    const table = `pg_engine_by_region_${engine}`;
    await h.platform.publish(
      bundle(engine, {
        name: 'sql-port',
        inputs: salesInput(),
        sql: SALES_SQL,
        columns: salesColumns,
        ports: [
          { name: 'files', type: 'parquet' },
          { name: 'sql', type: 'postgres', connection: '${PG_ENGINE_SRC}', table: `public.${table}` },
        ],
      }),
    );
    const run = await h.platform.runProduct('conf/sql-port', { env });
    expect(run.error).toBeNull();
    const readAs = async (role: string, sql: string) => {
      await client.query('BEGIN');
      try {
        await client.query(`SET LOCAL ROLE ${role}`);
        return (await client.query(sql)).rows as Array<Record<string, unknown>>;
      } catch (error) {
        return (error as Error).message;
      } finally {
        await client.query('ROLLBACK');
      }
    };
    expect(await readAs('mesh_team_analytics', `SELECT * FROM ${table}`)).toBe(`permission denied for table ${table}`);
    const masked = (await readAs(
      'mesh_team_analytics',
      `SELECT region, contact FROM ${table}_masked ORDER BY region`,
    )) as Array<Record<string, unknown>>;
    expect(masked.map((r) => r.region)).toEqual(['east', 'north', 'south', 'unknown', 'west']);
    expect(JSON.stringify(masked)).not.toContain('@example.com');
    remember('masked view', engine, masked);
  });

  it('keeps the last good snapshot when a run fails its checks', async () => {
    const columns: BundleOptions['columns'] = [{ name: 'id', type: 'integer', nullable: false, pii: 'none' }];
    const publish = (max: number) =>
      h.platform.publish(
        bundle(engine, {
          name: 'guarded',
          version: max === 1000 ? '1.0.0' : '1.0.1',
          inputs: salesInput(),
          sql: 'SELECT id FROM sales',
          columns,
          checks: [{ type: 'range', column: 'id', max }],
        }),
      );
    await publish(1000);
    const good = await h.platform.runProduct('conf/guarded', { env });
    expect(good.status).toBe('succeeded');
    await publish(10);
    const failed = await h.platform.runProduct('conf/guarded', { env });
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain('1 blocking check(s) failed');
    expect(readCurrentPointer(h.platform.config.warehouseDir, 'conf/guarded', 1)?.snapshotId).toBe(good.snapshotId);
    expect(await snapshotOf(h, 'conf/guarded')).toHaveLength(401);
    expect(await stagingSchemas()).toEqual([]);
  });

  it('loads incrementally from the watermark and merges by primary key', async () => {
    const table = `events_${engine}`;
    await client.query(`CREATE TABLE ${table} (id integer NOT NULL, changed_at timestamp NOT NULL)`);
    await client.query(`INSERT INTO ${table} VALUES (1, '2026-01-01'), (2, '2026-01-02')`);
    await h.platform.publish(
      bundle(engine, {
        name: 'events',
        inputs: [
          {
            name: 'events',
            source: {
              type: 'postgres',
              connection: '${PG_ENGINE_SRC}',
              query: `SELECT id, changed_at FROM ${table} WHERE changed_at > :last_run`,
              watermark: 'changed_at',
            },
          },
        ],
        sql: 'SELECT id, changed_at FROM events',
        primaryKey: ['id'],
        columns: [
          { name: 'id', type: 'integer', nullable: false, pii: 'none' },
          { name: 'changed_at', type: 'timestamp', nullable: false, pii: 'none' },
        ],
      }),
    );
    const first = await h.platform.runProduct('conf/events', { env });
    expect(first.error).toBeNull();
    expect(first.inputs[0]).toMatchObject({ rowsIn: 2, watermark: '2026-01-02 00:00:00' });
    await client.query(`INSERT INTO ${table} VALUES (1, '2026-01-03'), (3, '2026-01-04')`);
    const second = await h.platform.runProduct('conf/events', { env });
    expect(second.error).toBeNull();
    expect(second.inputs[0]).toMatchObject({ rowsIn: 2, watermark: '2026-01-04 00:00:00' });
    const rows = (await snapshotOf(h, 'conf/events')).map((r) => `${String(r.id)} ${String(r.changed_at)}`).sort();
    expect(rows).toEqual(['1 2026-01-03 00:00:00', '2 2026-01-02 00:00:00', '3 2026-01-04 00:00:00']);
    remember('incremental', engine, { rows, inputs: [first.inputs, second.inputs] });
  });
});

describe('the postgres engine only', () => {
  let h: PipelineHarness;
  beforeAll(async () => {
    h = await createPipelineHarness('sqlite');
  });
  afterAll(async () => {
    await h?.dispose();
  });

  /** A run of a one-column product with this transform, on the postgres engine. */
  async function runTransform(name: string, sql: string, extra: NodeJS.ProcessEnv = {}): Promise<RunOutcome> {
    const columns: BundleOptions['columns'] = [{ name: 'id', type: 'integer', pii: 'none' }];
    await h.platform.publish(bundle('postgres', { name, inputs: salesInput(), sql, columns }));
    return h.platform.runProduct(`conf/${name}`, { env: { ...process.env, PG_ENGINE_SRC: source.url, ...extra } });
  }

  it('cuts a statement off after MESH_SOURCE_TIMEOUT_MS, as a source query is', async () => {
    const run = await runTransform('slow', 'SELECT id FROM sales WHERE pg_sleep(0.01) IS NOT NULL', {
      MESH_SOURCE_TIMEOUT_MS: '300',
    });
    expect(run.status).toBe('failed');
    expect(run.error).toContain('transform.sql: canceling statement due to statement timeout');
    expect(await stagingSchemas()).toEqual([]);
  });

  it("drops the staging schema of a run that died (its lock is free), never a live run's", async () => {
    const live = new pg.Client({ connectionString: source.url });
    await live.connect();
    try {
      await client.query('CREATE SCHEMA mesh_stage_killed_run; CREATE TABLE mesh_stage_killed_run.snapshot (id int)');
      await live.query('CREATE SCHEMA mesh_stage_live_run');
      await live.query(`SELECT pg_advisory_lock(${0x6d657368}, hashtext('mesh_stage_live_run'))`);
      const run = await runTransform('cleanup', 'SELECT id FROM sales');
      expect(run.error).toBeNull();
      expect(await stagingSchemas()).toEqual(['mesh_stage_live_run']);
    } finally {
      await live.query('DROP SCHEMA IF EXISTS mesh_stage_live_run');
      await live.end();
    }
  });

  it("reports DuckDB-only syntax with PostgreSQL's own error, located in transform.sql", async () => {
    const run = await runTransform('exclude', 'SELECT *\n  EXCLUDE (email)\nFROM sales');
    expect(run.status).toBe('failed');
    expect(run.error).toContain('transform.sql:2:3: syntax error at or near "EXCLUDE"');
    expect(await stagingSchemas()).toEqual([]);
  });

  it("fails a transform failing on its data naming transform.sql with PostgreSQL's message, dropping the staging schema", async () => {
    const run = await runTransform('bad-cast', 'SELECT CAST(region AS integer) AS id FROM sales');
    expect(run.status).toBe('failed');
    expect(run.error).toContain('transform.sql: invalid input syntax for type integer');
    expect(run.snapshotId).toBeNull();
    expect(await stagingSchemas()).toEqual([]);
  });
});

describe('both engines', () => {
  it('gave the same snapshots, check results, samples, errors and watermarks', () => {
    expect([...seen.keys()].sort()).toEqual(['checks', 'incremental', 'masked view', 'missing column', 'snapshot']);
    for (const [, byEngine] of seen) expect(byEngine.get('postgres')).toEqual(byEngine.get('duckdb'));
  });
});
