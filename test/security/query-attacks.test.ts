/**
 * Hostile and runaway queries through the public shells, as a consumer meets them: `mesh query`
 * on this machine (LocalPlatform, `--as analytics`, SQLite registry) and `mesh query` against a
 * real server (HttpPlatform → POST /v1/query with the consumer's token, PostgreSQL registry).
 * Every bad input of issue 15 is refused or masked with a message the user can act on (no stack
 * trace) and leaves a row in the access log; limits cut or cancel what would run away. The core
 * (parser verdicts, sandbox, masking through every construct) is tested in test/query/; this
 * file checks the same promises hold end to end, in both modes.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localScope, type AccessScope } from '../../src/access/principal.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { openEngine } from '../../src/engine/duckdb-engine.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import type { MeshApi } from '../../src/platform/mesh-api.js';
import { readCurrentSnapshot } from '../../src/ports/warehouse.js';
import { LocalWarehouseStore } from '../../src/ports/warehouse/local-warehouse-store.js';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import { createToken } from '../../src/registry/operations/identity/tokens.js';
import type { Registry } from '../../src/registry/registry.js';
import type { QueryGateOptions } from '../../src/query/query-gate.js';
import { HttpPlatform } from '../../src/server/client/http-platform.js';
import { pipelineBundle } from '../helpers/pipelines.js';
import { runCli } from '../../src/cli/main.js';
import { mesh, type CliResult } from '../helpers/run-mesh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const KEY = 'query-attacks-masking-key-0123456789';

/** One way of reaching the platform: the admin who sets it up, and the consumer's `mesh` environment. */
interface Mode {
  readonly registry: Registry;
  readonly warehouseDir: string;
  readonly admin: MeshApi;
  readonly adminScope: AccessScope;
  /** The user the access log names for the consumer: the local operator, or the token's user. */
  readonly reader: string;
  readonly env: NodeJS.ProcessEnv;
  readonly server?: TestServer;
  close(): Promise<void>;
}

async function localMode(): Promise<Mode> {
  const home = mkdtempSync(join(tmpdir(), 'mesh-query-attacks-'));
  const env = { MESH_HOME: home, MESH_SERVER: '', MESH_TOKEN: '', MESH_DATABASE_URL: '', MESH_USER: 'root' };
  const platform = new LocalPlatform({ config: configFromEnv(env, home), maskingKey: KEY });
  return {
    registry: await platform.registry(),
    warehouseDir: platform.config.warehouseDir,
    admin: platform,
    adminScope: localScope('root'),
    reader: 'root',
    env: { ...env, MESH_MASKING_KEY: KEY },
    close: async () => {
      await platform.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

async function serverMode(queryGate?: QueryGateOptions): Promise<Mode> {
  const home = mkdtempSync(join(tmpdir(), 'mesh-query-attacks-srv-'));
  const server = await startTestServer('postgres', {
    queryGate,
    maskingKey: KEY,
    env: { ...process.env, MESH_HOME: home, MESH_WAREHOUSE: '' },
  });
  const token = (await createToken(server.registry, { user: 'ana', role: 'consumer', createdBy: 'test' })).token;
  return {
    registry: server.registry,
    warehouseDir: join(home, 'warehouse'),
    admin: new HttpPlatform({ baseUrl: server.url, token: server.adminToken }),
    adminScope: { principal: { user: 'token', role: 'consumer' } },
    reader: 'ana',
    env: { MESH_SERVER: server.url, MESH_TOKEN: token, MESH_HOME: join(home, 'client'), MESH_DATABASE_URL: '' },
    server,
    close: async () => {
      await server.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

type Column = DataProduct['spec']['schema']['columns'][number];
const column = (name: string, type: string, more: Partial<Column> = {}): Column => ({
  name,
  type,
  pii: 'none',
  ...more,
});

/** sales/orders (100 rows), identity/people (e-mail hashed for analytics), hr/salaries (no grant for analytics). */
async function publishProducts(m: Mode, dir: string): Promise<void> {
  await createTeam(m.registry, { name: 'analytics', domains: ['analytics'] });
  await addTeamMember(m.registry, 'analytics', 'ana');
  const orders = Array.from({ length: 100 }, (_, i) => `${i},${i % 3},${i * 1.5}`).join('\n');
  const products: Array<[string, string, Column[], Access?]> = [
    [
      'sales/orders',
      orders,
      [column('order_id', 'bigint'), column('customer_id', 'bigint'), column('amount', 'double')],
    ],
    [
      'identity/people',
      '0,ada@example.com,UK\n1,bob@example.com,US\n2,cy@example.com,FR',
      [
        column('id', 'bigint'),
        column('email', 'varchar', { pii: 'direct', masking: 'hash' }),
        column('country', 'varchar'),
      ],
    ],
    [
      'hr/salaries',
      '0,100\n1,200',
      [column('id', 'bigint'), column('salary', 'bigint')],
      { default: 'deny', allow: [{ team: 'payroll' }] },
    ],
  ];
  for (const [id, rows, columns, access] of products) {
    await m.admin.publish(csvProduct(dir, id, rows, columns, access));
    const outcome = await m.admin.runProduct(id);
    expect(outcome.status, JSON.stringify(outcome)).toBe('succeeded');
  }
}

type Access = NonNullable<DataProduct['spec']['access']>;

/** A product read from a CSV file of `rows` (the first column is the key); the default access unless `access`. */
function csvProduct(dir: string, id: string, rows: string, columns: Column[], access?: Access) {
  const [domain, name] = id.split('/');
  const names = columns.map((c) => c.name);
  const path = join(dir, `${name}.csv`);
  writeFileSync(path, `${names.join(',')}\n${rows}\n`);
  const bundle = pipelineBundle({
    domain,
    name,
    inputs: [{ name, source: { type: 'file', path, format: 'csv' } }],
    sql: `SELECT ${names.join(', ')} FROM ${name}`,
    primaryKey: [names[0]],
    columns: columns.map((c, i) => (i === 0 ? { ...c, nullable: false } : c)),
  });
  if (!access) return bundle;
  const product = JSON.parse(bundle.yaml) as DataProduct;
  product.spec.access = access;
  return { ...bundle, yaml: JSON.stringify(product, null, 2) };
}

const NO_STACK = /\n\s+at \S+|this is a bug in Meshwork/;

describe.each(['local', 'server'] as const)('hostile queries, %s mode', (modeName) => {
  let m: Mode;
  let dir: string;
  let salariesFile: string;

  beforeAll(async () => {
    m = modeName === 'local' ? await localMode() : await serverMode();
    dir = mkdtempSync(join(tmpdir(), 'mesh-query-attacks-data-'));
    await publishProducts(m, dir);
    salariesFile = (await readCurrentSnapshot(m.registry, new LocalWarehouseStore(m.warehouseDir), 'hr/salaries', 1))!
      .file;
  }, 120_000);
  afterAll(async () => {
    await m?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `mesh query` as the analytics team's reader. */
  const query = (args: string[]) => mesh(['query', ...args, '--as', 'analytics'], { env: m.env, cwd: dir });
  const lastLogged = async () => (await m.admin.accessLog(m.adminScope, { limit: 5 }))[0];

  async function expectRefused(result: CliResult, message: RegExp) {
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(NO_STACK);
    expect(result.stdout).toBe('');
  }

  const file = () => salariesFile;
  it.each([
    ['read_csv of a host file', () => `SELECT * FROM read_csv('/etc/passwd')`, 'query-table-function', 'read_csv()'],
    ['read_text', () => `SELECT * FROM read_text('/etc/hostname')`, 'query-table-function', 'read_text()'],
    ['read_blob', () => `SELECT * FROM read_blob('/etc/hostname')`, 'query-table-function', 'read_blob()'],
    ['glob', () => `SELECT * FROM glob('/etc/*')`, 'query-table-function', 'glob()'],
    [
      "read_parquet of another product's snapshot by path",
      () => `SELECT * FROM read_parquet(${quoteLiteral(file())})`,
      'query-table-function',
      'read_parquet()',
    ],
    [
      "read_parquet of other products' snapshots by glob",
      () => `SELECT * FROM read_parquet(${quoteLiteral(join(m.warehouseDir, '**', '*.parquet'))})`,
      'query-table-function',
      'read_parquet()',
    ],
    [
      "another product's snapshot file as a table name",
      () => `SELECT * FROM ${quoteLiteral(file())}`,
      'not a data product',
      'not a data product',
    ],
    [
      'COPY … TO',
      () => `COPY (SELECT * FROM sales.orders) TO '${dir}/out.csv'`,
      'query-not-select',
      'query-not-select',
    ],
    ['EXPORT DATABASE', () => `EXPORT DATABASE '${dir}/export'`, 'query-not-select', 'query-not-select'],
    ['ATTACH', () => `ATTACH '${dir}/x.duckdb' AS x`, 'query-not-select', 'query-not-select'],
    ['INSTALL', () => 'INSTALL httpfs', 'query-not-select', 'query-not-select'],
    ['LOAD', () => 'LOAD httpfs', 'query-not-select', 'query-not-select'],
    ['SET', () => 'SET enable_external_access = true', 'query-not-select', 'query-not-select'],
    ['RESET', () => 'RESET memory_limit', 'query-not-select', 'query-not-select'],
    ['PRAGMA', () => 'PRAGMA database_list', 'query-not-select', 'query-not-select'],
    ['two statements', () => `SELECT 1; SELECT * FROM read_csv('/etc/passwd')`, 'query-statements', 'query-statements'],
    [
      'a statement hidden after a line comment',
      () => `SELECT 1 -- harmless\n; COPY (SELECT 1) TO '${dir}/x.csv'`,
      /query-statements|query-not-select/,
      /query-statements|query-not-select/,
    ],
    [
      'a semicolon inside a block comment',
      () => 'SELECT 1 /* ; */ ; PRAGMA database_list',
      /query-statements|query-not-select/,
      /query-statements|query-not-select/,
    ],
    [
      'a table function behind quotes',
      () => `SELECT * FROM "read_csv"('/etc/passwd')`,
      'query-table-function',
      'read_csv()',
    ],
    [
      'a comment before SET',
      () => '/* SELECT */ SET lock_configuration = false',
      'query-not-select',
      'query-not-select',
    ],
    [
      'a table function in a string run by query()',
      () => `SELECT * FROM query('SELECT * FROM read_csv(''/etc/passwd'')')`,
      'query-table-function',
      'query()',
    ],
    ['a 1 MB query', () => `SELECT 1 ${' '.repeat(1_000_000)}`, 'query-too-long', 'query-too-long'],
  ])('refuses %s, and logs it', async (_what, sql, message, logged) => {
    await expectRefused(await query([sql()]), typeof message === 'string' ? new RegExp(escape(message)) : message);
    expect(await lastLogged()).toMatchObject({
      user: m.reader,
      team: 'analytics',
      path: 'query',
      allowed: false,
      reason: typeof logged === 'string' ? expect.stringContaining(logged) : expect.stringMatching(logged),
    });
  });

  it('refuses a product without a grant, naming the mesh access request to run, and logs it', async () => {
    const result = await query(['SELECT * FROM hr.salaries']);
    await expectRefused(result, /may not read hr\/salaries@1/);
    expect(result.stderr).toMatch(/hint: .*mesh access request hr\/salaries@1 --team analytics/);
    expect(await lastLogged()).toMatchObject({ user: m.reader, product: 'hr/salaries', path: 'query', allowed: false });
  });

  it.runIf(modeName === 'server')(
    'refuses reading as a team the caller is not in, before logging anything',
    async () => {
      const before = await lastLogged();
      const result = await mesh(['query', "SELECT * FROM read_csv('/etc/passwd')", '--as', 'payroll'], {
        env: m.env,
        cwd: dir,
      });
      await expectRefused(result, /ana is not a member of team payroll/);
      expect(await lastLogged()).toEqual(before);
    },
  );

  it.each([
    [
      'a cartesian join',
      'SELECT count(*) FROM sales.orders a, sales.orders b, sales.orders c, sales.orders d, sales.orders e, sales.orders f',
    ],
    [
      'a recursive CTE that never ends',
      'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r',
    ],
  ])('cancels %s at its time limit, and logs it', async (_what, sql) => {
    const started = Date.now();
    const result = await query([sql, '--timeout', '1s']);
    await expectRefused(result, /ran past its time limit of 1 s and was cancelled|memory limit/);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await lastLogged()).toMatchObject({
      user: m.reader,
      product: 'sales/orders',
      path: 'query',
      allowed: true,
      reason: expect.stringMatching(/time limit|memory limit/),
    });
  });

  it('cuts a 100-million-row result at the row limit and says so', async () => {
    const sql = 'SELECT a.order_id FROM sales.orders a, sales.orders b, sales.orders c, sales.orders d';
    const json = await query([sql, '--limit', '1000', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { rows: unknown[][]; summary: { rows: number; truncated: boolean } };
    expect(parsed.rows).toHaveLength(1000);
    expect(parsed.summary).toMatchObject({ rows: 1000, truncated: true, limit: 1000 });
    expect(await lastLogged()).toMatchObject({ user: m.reader, product: 'sales/orders', allowed: true, rows: 1000 });
    const text = await query([sql, '--limit', '500', '--format', 'csv']);
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split('\n')).toHaveLength(1 + 500 + 1);
    expect(text.stderr).toContain('500 rows (cut at the row limit of 500');
  });

  it.each([
    ['a join', 'SELECT p.email FROM sales.orders o JOIN identity.people p ON p.id = o.customer_id'],
    ['a view (derived table)', 'SELECT v.email FROM (SELECT * FROM identity.people) v'],
    ['a CTE', 'WITH x AS (SELECT email FROM identity.people_v1) SELECT email FROM x'],
    ['an aggregate', "SELECT string_agg(email, ',') AS email FROM identity.people"],
    ['a CASE', "SELECT CASE WHEN country <> '' THEN email ELSE 'none' END AS email FROM identity.people"],
  ])('keeps a masked column masked through %s, and logs the mask', async (_what, sql) => {
    const result = await query([sql, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const parsed = JSON.parse(result.stdout) as {
      rows: unknown[][];
      summary: { tables: Array<{ maskedColumns: string[] }> };
    };
    expect(parsed.rows.length).toBeGreaterThan(0);
    expect(result.stdout).not.toContain('@example.com');
    expect(result.stdout).toMatch(/sha256:[0-9a-f]{16}/);
    expect(parsed.summary.tables.find((t) => t.maskedColumns.length)?.maskedColumns).toEqual(['email']);
    expect(await lastLogged()).toMatchObject({
      user: m.reader,
      path: 'query',
      allowed: true,
      maskedColumns: ['email'],
    });
  });

  it('explains which snapshots and masks a query reads, without running it', async () => {
    const result = await query([
      'SELECT p.country, sum(o.amount) FROM sales.orders o JOIN identity.people p ON p.id = o.customer_id GROUP BY 1',
      '--explain',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as { tables: Array<Record<string, unknown>> };
    expect(plan.tables).toEqual([
      { as: 'sales.orders', product: 'sales/orders', major: 1, snapshotId: expect.any(String), maskedColumns: [] },
      {
        as: 'identity.people',
        product: 'identity/people',
        major: 1,
        snapshotId: expect.any(String),
        maskedColumns: ['email'],
      },
    ]);
    expect(result.stdout).not.toMatch(/parquet|sha256\(/);
    const text = await query(['SELECT * FROM identity.people', '--explain']);
    expect(text.stdout).toMatch(/identity\.people\s+identity\/people\s+1\s+\S+\s+email/);
  });

  it('locates a refusal in a query file at file:line:col', async () => {
    writeFileSync(join(dir, 'q.sql'), "SELECT *\n  FROM sales.orders,\n       read_csv('/etc/passwd')\n");
    const result = await query(['--file', 'q.sql']);
    await expectRefused(result, /q\.sql:3:8 {2}error {2}query-table-function/);
    expect(result.stderr).toContain('error: the query was refused (1 problem)');
  });

  it('writes csv, NDJSON and parquet with the column names and types', async () => {
    const sql = 'SELECT order_id, amount FROM sales.orders ORDER BY order_id LIMIT 3';
    const csv = await query([sql, '--format', 'csv']);
    expect(csv.stdout.split('\n').slice(0, 4)).toEqual(['order_id,amount', '0,0', '1,1.5', '2,3']);
    expect(csv.stdout).toMatch(/# summary \{"rows":3,"truncated":false/);
    const ndjson = (await query([sql, '--format', 'json'])).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(ndjson[0]).toEqual({
      columns: [
        { name: 'order_id', type: 'BIGINT' },
        { name: 'amount', type: 'DOUBLE' },
      ],
    });
    expect(ndjson.slice(1, 4)).toEqual([
      [0, 0],
      [1, 1.5],
      [2, 3],
    ]);
    expect(ndjson[4]).toMatchObject({ summary: { rows: 3, truncated: false } });
    const parquet = await query([sql, '--format', 'parquet', '--out', 'three.parquet']);
    expect(parquet.code, parquet.stderr).toBe(0);
    const engine = await openEngine();
    try {
      const file = quoteLiteral(join(dir, 'three.parquet'));
      const rows = await engine.rows(`SELECT order_id::INTEGER AS id, amount FROM read_parquet(${file})`);
      expect(rows).toEqual([
        { id: 0, amount: 0 },
        { id: 1, amount: 1.5 },
        { id: 2, amount: 3 },
      ]);
      const types = await engine.rows(
        `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${file}))`,
      );
      expect(types).toEqual([
        { column_name: 'order_id', column_type: 'BIGINT' },
        { column_name: 'amount', column_type: 'DOUBLE' },
      ]);
    } finally {
      engine.close();
    }
    expect(readFileSync(join(dir, 'three.parquet')).subarray(0, 4).toString()).toBe('PAR1');
  });

  it('prints a table on a terminal, in colour only there', async () => {
    let stdout = '';
    const code = await runCli(
      ['query', 'SELECT order_id, amount FROM sales.orders ORDER BY 1 LIMIT 2', '--as', 'analytics'],
      {
        streams: { out: (t) => void (stdout += t), err: () => undefined, isTTY: true },
        env: { ...process.env, ...m.env },
        cwd: dir,
      },
    );
    expect(code).toBe(0);
    const plain = stdout.replace(/\u001b\[[0-9;]*m/g, '');
    expect(plain.split('\n').slice(0, 4)).toEqual([
      'order_id  amount',
      '────────  ──────',
      '0         0',
      '1         1.5',
    ]);
    expect(stdout).toContain('\u001b[1m');
    const piped = await query(['SELECT order_id FROM sales.orders LIMIT 1', '--format', 'table']);
    expect(piped.stdout).not.toContain('\u001b[');
  });

  it('gives usage errors exit code 2', async () => {
    expect((await query([])).code).toBe(2);
    expect((await query(['SELECT 1', '--format', 'parquet'])).stderr).toContain('parquet is binary: give --out');
    expect((await query(['SELECT 1', '--limit', '0'])).code).toBe(2);
    expect((await query(['SELECT 1', '--timeout', 'soon'])).code).toBe(2);
    expect((await query(['SELECT 1', '--file', 'q.sql'])).code).toBe(2);
  });
});

describe('the query route of a server running one query at a time', () => {
  let m: Mode;
  let dir: string;
  const post = (body: Record<string, unknown>, signal?: AbortSignal) =>
    fetch(`${m.server!.url}/v1/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${m.env.MESH_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ as: 'analytics', ...body }),
      signal,
    });
  const RUNAWAY = 'SELECT count(*) FROM sales.orders a, sales.orders b, sales.orders c, sales.orders d, sales.orders e';

  beforeAll(async () => {
    m = await serverMode({ running: 1, queued: 0, waitMs: 0 });
    dir = mkdtempSync(join(tmpdir(), 'mesh-query-route-data-'));
    await publishProducts(m, dir);
  }, 120_000);
  afterAll(async () => {
    await m?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams NDJSON: the columns and their types first, then the rows, then the summary', async () => {
    const res = await post({ sql: 'SELECT order_id, amount FROM sales.orders ORDER BY order_id', limit: 2 });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      {
        columns: [
          { name: 'order_id', type: 'BIGINT' },
          { name: 'amount', type: 'DOUBLE' },
        ],
      },
      [0, 0],
      [1, 1.5],
      { summary: expect.objectContaining({ rows: 2, truncated: true, limit: 2 }) },
    ]);
    const csv = await post({
      sql: 'SELECT order_id, amount FROM sales.orders ORDER BY order_id',
      limit: 2,
      format: 'csv',
    });
    expect(csv.headers.get('x-mesh-column-types')).toBe('["BIGINT","DOUBLE"]');
    const text = await csv.text();
    expect(text).toMatch(/^order_id,amount\n0,0\n1,1\.5\n# summary \{"rows":2,"truncated":true/);
  });

  it('answers "busy, retry" with 503 and Retry-After past its limit, and stays responsive while a query runs away', async () => {
    const runaway = post({ sql: RUNAWAY, timeoutMs: 2_000 });
    await new Promise((r) => setTimeout(r, 300));
    const busy = await post({ sql: 'SELECT 1 AS one' });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('2');
    expect(((await busy.json()) as { error: { message: string } }).error.message).toMatch(/busy .*retry/);
    const cli = await mesh(['query', 'SELECT 1 AS one', '--as', 'analytics'], { env: m.env, cwd: dir });
    expect(cli.code).toBe(3);
    expect(cli.stderr).toMatch(/error: the query service is busy/);
    const started = performance.now();
    const health = await fetch(`${m.server!.url}/healthz`);
    expect(health.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(500);
    const cancelled = await runaway;
    expect(cancelled.status).toBe(400);
    expect(((await cancelled.json()) as { error: { message: string } }).error.message).toContain(
      'ran past its time limit of 2 s',
    );
    const after = await post({ sql: 'SELECT 1 AS one' });
    expect(after.status).toBe(200);
    // Read to the end: a result holds its slot until its last row is read (or its client goes away).
    expect(await after.text()).toContain('"rows":1');
  });

  it('frees the query when its client goes away mid-result', async () => {
    const abort = new AbortController();
    const res = await post(
      { sql: 'SELECT a.* FROM sales.orders a, sales.orders b, sales.orders c, sales.orders d', limit: 1_000_000 },
      abort.signal,
    );
    expect(res.status).toBe(200);
    await res.body!.getReader().read();
    abort.abort();
    const deadline = Date.now() + 5_000;
    let status = 0;
    while (Date.now() < deadline && status !== 200) {
      const next = await post({ sql: 'SELECT 1 AS one' });
      status = next.status;
      await next.body?.cancel();
      if (status !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(200);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
