/**
 * Issue 11, findings 1–4, 6, 7 and 9, as the attacker did them: a member of domain `sales`
 * against a real server (server mode: grants and data roots apply), on both registries. Each
 * attack must be refused or contained; plus the statement classifier on its own.
 * Two findings need processes of their own and live beside this file: 5 (half-commits: runs
 * SIGKILLed at every step boundary and at random, crash-safety.test.ts) and 8 (a stalled
 * registry behind a freezing TCP proxy, test/server/registry-stall.test.ts). Findings 6 and 7
 * in local mode, field by field, are test/descriptor/validator-hardening.test.ts.
 */
import { createHash } from 'node:crypto';
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { classifySelect } from '../../src/engine/sql-statement.js';
import { entitlement } from '../../src/core/env-scope.js';
import { ResolvedValues } from '../../src/core/resolve-env.js';
import { initProduct } from '../../src/platform/init-product.js';
import { productBundle } from '../helpers/products.js';
import { BACKENDS, createTestDatabase } from '../helpers/registries.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const SECRET_PASSWORD = 'S3cretPassw0rd';
const CSV = 'id,label,amount,updated_at\n1,a,1.50,2024-01-01 00:00:00\n2,b,2.50,2024-01-02 00:00:00\n';

interface Fixture {
  readonly server: TestServer;
  readonly admin: string;
  readonly member: string;
  readonly home: string;
  readonly roots: string;
  readonly lineageFile: string;
  /** A database standing for a registry that holds tokens (the server's own on PostgreSQL). */
  readonly tokensUrl: string;
  /** A database the sales domain is entitled to (SALES_DB_URI). */
  readonly salesUrl: string;
  readonly cleanup: Array<() => Promise<void>>;
}

async function call(t: Fixture, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${t.server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) as Record<string, any> };
}

/** A sales (or other domain) product from the file template, edited. */
function bundle(name: string, edit: (p: DataProduct) => void, domain = 'sales') {
  return productBundle({ name, domain, edit });
}

const noFileInputs = (p: DataProduct, input: DataProduct['spec']['inputs'][number]) => {
  p.spec.inputs = [input];
};

async function tokensTable(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(
    `CREATE TABLE IF NOT EXISTS accounts (id text, user_name text, role text, token_hash text);
     DELETE FROM accounts; INSERT INTO accounts VALUES ('1', 'alice', 'member', 'hash-of-alice')`,
  );
  await c.end();
}

async function roleOf(url: string, table: string, user: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const { rows } = await c.query(`SELECT role FROM ${table} WHERE user_name = $1`, [user]);
  await c.end();
  return rows[0]?.role as string;
}

describe.each(BACKENDS)('tenant isolation, server mode on %s', (backend) => {
  let t: Fixture;
  const saved = { ...process.env };

  beforeAll(async () => {
    const home = mkdtempSync(join(tmpdir(), 'mesh-tenancy-'));
    const roots = join(home, 'data');
    for (const d of ['sales', 'identity']) mkdirSync(join(roots, d), { recursive: true });
    writeFileSync(join(roots, 'identity', 'customers.csv'), CSV);
    writeFileSync(join(roots, 'sales', 'orders.csv'), CSV);
    const sales = await createTestDatabase('mesh_tenancy_sales');
    const tokens = backend === 'postgres' ? undefined : await createTestDatabase('mesh_tenancy_tokens');
    const lineageFile = join(home, 'lineage.jsonl');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      MESH_HOME: join(home, '.mesh'),
      MESH_ENV_GRANTS: 'sales=SALES_*',
      MESH_DATA_ROOTS: `sales=${join(roots, 'sales')};identity=${join(roots, 'identity')}`,
      MESH_OPENLINEAGE_FILE: lineageFile,
    };
    const server = await startTestServer(backend, { env });
    const tokensUrl = tokens?.url ?? server.db.url;
    await tokensTable(tokensUrl);
    await tokensTable(sales.url);
    // The server's own environment: its registry, a secret of nobody's, a variable of sales's.
    Object.assign(process.env, {
      MESH_DATABASE_URL: tokensUrl,
      MESH_OPENLINEAGE_FILE: lineageFile,
      SOME_SECRET_VAR: `postgres://postgres:${SECRET_PASSWORD}@127.0.0.1:5432/x`,
      SALES_DB_URI: sales.url,
      SALES_ORDERS_FILE: join(roots, 'sales', 'orders.csv'),
    });
    t = {
      server,
      admin: server.adminToken,
      member: await server.token('mallory', 'member', { domains: ['sales'] }),
      home,
      roots,
      lineageFile,
      tokensUrl,
      salesUrl: sales.url,
      cleanup: [sales.drop, ...(tokens ? [tokens.drop] : [])],
    };
  });

  afterAll(async () => {
    process.env = saved;
    await t?.server.close();
    for (const c of t?.cleanup ?? []) await c().catch(() => undefined);
    if (t) rmSync(t.home, { recursive: true, force: true });
  });

  describe('finding 1: member → admin through the server’s own registry', () => {
    const attack = `SELECT 'x'::text AS id) AS q; UPDATE accounts SET role = 'admin' WHERE user_name = 'alice'; SELECT * FROM (SELECT 'x'::text AS id`;

    it('refuses ${MESH_DATABASE_URL} at the connection field, and nothing runs', async () => {
      const res = await call(
        t,
        t.member,
        'POST',
        '/v1/dry-runs',
        bundle('pwn-admin', (p) =>
          noFileInputs(p, {
            name: 'records',
            source: { type: 'postgres', connection: '${MESH_DATABASE_URL}', query: attack },
          }),
        ),
      );
      expect(res.status).toBe(400);
      const diagnostics = res.json.error.details.diagnostics as Array<Record<string, any>>;
      const refused = diagnostics.find((d) => d.code === 'env-not-entitled');
      expect(refused).toMatchObject({
        severity: 'error',
        path: 'spec.inputs[0].source.connection',
        message: expect.stringContaining('${MESH_DATABASE_URL} is a platform variable'),
      });
      expect(refused!.location.line).toBeGreaterThan(1);
      expect(await roleOf(t.tokensUrl, 'accounts', 'alice')).toBe('member');
      expect(res.text).not.toContain(t.tokensUrl);
    });

    it('refuses a variable not granted to the domain at publish (located, with a hint)', async () => {
      const res = await call(
        t,
        t.member,
        'POST',
        '/v1/products',
        bundle('pwn-other-var', (p) =>
          noFileInputs(p, {
            name: 'records',
            source: { type: 'postgres', connection: '${SOME_SECRET_VAR}', query: 'SELECT 1 AS id' },
          }),
        ),
      );
      expect(res.status).toBe(400);
      const refused = (res.json.error.details.diagnostics as Array<Record<string, any>>).find(
        (d) => d.code === 'env-not-entitled',
      );
      expect(refused?.message).toBe('${SOME_SECRET_VAR} is not granted to domain sales');
      expect(refused?.hint).toContain('MESH_ENV_GRANTS="sales=SOME_SECRET_VAR"');
      expect(res.text).not.toContain(SECRET_PASSWORD);
    });

    it('on an entitled connection, runs only one read-only SELECT: the stacked UPDATE never runs', async () => {
      const res = await call(
        t,
        t.member,
        'POST',
        '/v1/dry-runs',
        bundle('stacked-update', (p) =>
          noFileInputs(p, {
            name: 'records',
            source: { type: 'postgres', connection: '${SALES_DB_URI}', query: attack },
          }),
        ),
      );
      expect(res.status).toBe(200);
      expect(res.json.status).toBe('failed');
      expect(res.json.error).toContain('cannot insert multiple commands into a prepared statement');
      expect(await roleOf(t.salesUrl, 'accounts', 'alice')).toBe('member');
    });

    it('refuses a data-modifying CTE and a function that writes, inside READ ONLY', async () => {
      for (const query of [
        `WITH u AS (UPDATE accounts SET role = 'admin' RETURNING id) SELECT id FROM u`,
        `SELECT 1::bigint AS id, role AS label, 1.5 AS amount, now()::timestamp AS updated_at, nextval('mesh_seq') AS n FROM accounts`,
      ]) {
        const c = new pg.Client({ connectionString: t.salesUrl });
        await c.connect();
        await c.query('CREATE SEQUENCE IF NOT EXISTS mesh_seq');
        await c.end();
        const res = await call(
          t,
          t.member,
          'POST',
          '/v1/dry-runs',
          bundle('cte-update', (p) =>
            noFileInputs(p, { name: 'records', source: { type: 'postgres', connection: '${SALES_DB_URI}', query } }),
          ),
        );
        expect(res.status === 400 || res.json.status === 'failed').toBe(true);
        expect(res.text).toMatch(/must be exactly one SELECT|data-modifying|read-only transaction/);
      }
      expect(await roleOf(t.salesUrl, 'accounts', 'alice')).toBe('member');
      const c = new pg.Client({ connectionString: t.salesUrl });
      await c.connect();
      expect((await c.query('SELECT is_called FROM mesh_seq')).rows[0].is_called).toBe(false);
      await c.end();
    });
  });

  it('finding 1 on MariaDB: a stacked UPDATE in a mysql source query never runs', async () => {
    const dbName = `mesh_tenancy_${backend}_${process.pid}_${Date.now().toString(36)}`;
    const admin = await mysql.createConnection({ host: '127.0.0.1', user: 'root', password: '' });
    await admin.query(`CREATE DATABASE ${dbName}`);
    try {
      await admin.query(`CREATE TABLE ${dbName}.accounts (user_name VARCHAR(20), role VARCHAR(20))`);
      await admin.query(`INSERT INTO ${dbName}.accounts VALUES ('alice', 'member')`);
      process.env.SALES_MARIA_URI = `mysql://root@127.0.0.1:3306/${dbName}`;
      for (const query of [
        `SELECT 1 AS id) AS q; UPDATE accounts SET role = 'admin' WHERE user_name = 'alice'; SELECT * FROM (SELECT 1 AS id`,
        `SELECT 1 AS id; UPDATE accounts SET role = 'admin'`,
      ]) {
        const res = await call(
          t,
          t.member,
          'POST',
          '/v1/dry-runs',
          bundle('maria-stacked', (p) =>
            noFileInputs(p, { name: 'records', source: { type: 'mysql', connection: '${SALES_MARIA_URI}', query } }),
          ),
        );
        expect(res.status === 400 || res.json.status === 'failed').toBe(true);
      }
      const [rows] = await admin.query(`SELECT role FROM ${dbName}.accounts WHERE user_name = 'alice'`);
      expect((rows as Array<{ role: string }>)[0].role).toBe('member');
    } finally {
      await admin.query(`DROP DATABASE ${dbName}`);
      await admin.end();
    }
  });

  describe('finding 2: another domain’s live data from a sql check', () => {
    let identityFile: string;
    let identityHash: string;

    beforeAll(async () => {
      const published = await call(
        t,
        t.admin,
        'POST',
        '/v1/products',
        bundle(
          'customers',
          (p) => {
            noFileInputs(p, { name: 'records', source: { type: 'file', path: 'customers.csv', format: 'csv' } });
            // The sales domain's products read it as an input.
            p.spec.access = { default: 'deny', allow: [{ domain: 'sales' }] };
          },
          'identity',
        ),
      );
      expect(published.status).toBe(201);
      const run = await call(t, t.admin, 'POST', '/v1/products/identity/customers/runs', {});
      expect(run.json.status).toBe('succeeded');
      const current = JSON.parse(
        readFileSync(join(t.home, '.mesh', 'warehouse', 'identity', 'customers', 'v1', 'current.json'), 'utf8'),
      ) as { snapshotId: string };
      identityFile = join(
        t.home,
        '.mesh',
        'warehouse',
        'identity',
        'customers',
        'v1',
        'snapshots',
        current.snapshotId,
        'data.parquet',
      );
      identityHash = createHash('sha256').update(readFileSync(identityFile)).digest('hex');
    });

    const readsIdentity = (name: string, check: Record<string, unknown>) =>
      bundle(name, (p) => {
        noFileInputs(p, { name: 'records', product: 'identity/customers@1' });
        p.spec.quality = { checks: [check as never] };
      });

    it('refuses a stacked COPY … TO in a sql check, located at the check, and the file is untouched', async () => {
      const sql = `SELECT 1 AS x WHERE false) AS a; COPY (SELECT 1 AS id, 'PWNED' AS label) TO '${identityFile}' (FORMAT parquet); SELECT count(*) AS n FROM (SELECT 1 WHERE false`;
      const res = await call(t, t.member, 'POST', '/v1/dry-runs', readsIdentity('pwn-copy', { type: 'sql', sql }));
      expect(res.status).toBe(400);
      const refused = (res.json.error.details.diagnostics as Array<Record<string, any>>).find(
        (d) => d.code === 'sql-not-one-select',
      );
      expect(refused).toMatchObject({ path: 'spec.quality.checks[0].sql', severity: 'error' });
      expect(refused!.location.line).toBeGreaterThan(1);
      expect(createHash('sha256').update(readFileSync(identityFile)).digest('hex')).toBe(identityHash);
    });

    it('contains a single SELECT that reads the warehouse or host files: the sandbox refuses it', async () => {
      for (const sql of [
        `SELECT * FROM read_parquet('${identityFile}')`,
        `SELECT * FROM read_parquet('${join(t.home, '.mesh', 'warehouse')}/**/*.parquet')`,
        `SELECT * FROM read_csv('/etc/passwd')`,
      ]) {
        const res = await call(t, t.member, 'POST', '/v1/dry-runs', readsIdentity('pwn-read', { type: 'sql', sql }));
        expect(res.status).toBe(200);
        const check = (res.json.checks as Array<Record<string, any>>)[0];
        expect(check.status).toBe('fail');
        expect(check.message).toMatch(/disabled by configuration|Permission Error/);
        expect(check.samples).toBeNull();
      }
    });

    it('the transform cannot write to or read from the warehouse, nor ATTACH or SET', async () => {
      const transforms = [
        `COPY (SELECT 1) TO '${identityFile}'`,
        `ATTACH '${join(t.home, '.mesh', 'registry.sqlite')}' AS r`,
        `SET enable_external_access = true`,
        `SELECT 1 AS id; INSTALL httpfs`,
      ];
      for (const sql of transforms) {
        const b = readsIdentity('pwn-transform', { type: 'row_count', min: 0 });
        const res = await call(t, t.member, 'POST', '/v1/dry-runs', { ...b, transformSql: sql });
        expect(res.status).toBe(400);
        expect(res.text).toContain('sql-not-one-select');
      }
      const read = readsIdentity('pwn-transform-read', { type: 'row_count', min: 0 });
      const res = await call(t, t.member, 'POST', '/v1/dry-runs', {
        ...read,
        transformSql: `SELECT * FROM read_parquet('${identityFile}')`,
      });
      expect(res.json.status).toBe('failed');
      expect(res.json.error).toMatch(/disabled by configuration/);
      expect(createHash('sha256').update(readFileSync(identityFile)).digest('hex')).toBe(identityHash);
    });

    it('still reads the granted input (staged before the lock)', async () => {
      const res = await call(
        t,
        t.member,
        'POST',
        '/v1/dry-runs',
        readsIdentity('reads-input', { type: 'sql', sql: 'SELECT * FROM snapshot WHERE id < 0' }),
      );
      expect(res.json).toMatchObject({ status: 'succeeded', rowsOut: 2 });
    });
  });

  describe('finding 3: host files to consumers', () => {
    it('refuses /etc/passwd and a .. escape at publish, located at the path', async () => {
      // self-contained: an attack path
      for (const path of ['/etc/passwd', `${t.roots}/sales/../../../../etc/passwd`, '../identity/customers.csv']) {
        const res = await call(
          t,
          t.member,
          'POST',
          '/v1/products',
          bundle('pwn-passwd', (p) => {
            noFileInputs(p, { name: 'records', source: { type: 'file', path, format: 'csv' } });
            p.spec.quality = { checks: [{ type: 'sql', sql: 'SELECT * FROM snapshot' } as never] };
          }),
        );
        expect(res.status).toBe(400);
        const refused = (res.json.error.details.diagnostics as Array<Record<string, any>>).find(
          (d) => d.code === 'file-outside-data-roots',
        );
        expect(refused?.path).toBe('spec.inputs[0].source.path');
      }
    });

    it('refuses at run time a symlink that points out of the data root after publication', async () => {
      const link = join(t.roots, 'sales', 'link.csv');
      symlinkSync(join(t.roots, 'sales', 'orders.csv'), link);
      const published = await call(
        t,
        t.member,
        'POST',
        '/v1/products',
        bundle('pwn-link', (p) => {
          noFileInputs(p, { name: 'records', source: { type: 'file', path: 'link.csv', format: 'csv' } });
          p.spec.quality!.checks.push({ type: 'sql', sql: 'SELECT * FROM snapshot', severity: 'warn' } as never);
        }),
      );
      expect(published.text).toContain('"status":"created"');
      unlinkSync(link);
      symlinkSync('/etc/passwd', link);
      const run = await call(t, t.member, 'POST', '/v1/products/sales/pwn-link/runs', {});
      expect(run.json.status).toBe('failed');
      expect(run.json.error).toContain('file link.csv is in a system or platform folder');
      const checks = await call(t, t.admin, 'GET', '/v1/products/sales/pwn-link/checks');
      expect(checks.text).not.toContain('root:');
    });
  });

  describe('finding 4: secrets in messages', () => {
    it('scrubs a resolved value from the run row, the run.failed event and the lineage file', async () => {
      process.env.SALES_SECRET_PATH = join(t.roots, 'sales', 'orders.csv');
      const published = await call(
        t,
        t.member,
        'POST',
        '/v1/products',
        bundle('leaky', (p) =>
          noFileInputs(p, { name: 'records', source: { type: 'file', path: '${SALES_SECRET_PATH}', format: 'csv' } }),
        ),
      );
      expect(published.status).toBe(201);
      // The operator's variable now holds a URL with a password (the attacker's finding).
      process.env.SALES_SECRET_PATH = `postgres://postgres:${SECRET_PASSWORD}@127.0.0.1:5432/x`;
      const run = await call(t, t.member, 'POST', '/v1/products/sales/leaky/runs', {});
      expect(run.json.status).toBe('failed');
      expect(run.json.error).toContain('file ${SALES_SECRET_PATH}');
      const runs = await call(t, t.admin, 'GET', '/v1/products/sales/leaky/runs');
      const events = await call(t, t.admin, 'GET', '/v1/events?subject=sales/leaky');
      expect(events.text).toContain('run.failed');
      expect(existsSync(t.lineageFile)).toBe(true);
      const lineage = readFileSync(t.lineageFile, 'utf8');
      expect(lineage).toContain('leaky');
      for (const text of [run.text, runs.text, events.text, lineage]) {
        expect(text).not.toContain(SECRET_PASSWORD);
        expect(text).not.toContain('postgres://postgres:');
      }
    });
    it('scrubs a resolved value that the engine itself echoes in its error', async () => {
      // The value is a real file under the root whose path holds the secret; read as parquet, the engine's error quotes the path.
      const dir = join(t.roots, 'sales', `${SECRET_PASSWORD}-drop`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'orders.csv'), CSV);
      process.env.SALES_SECRET_FILE = join(dir, 'orders.csv');
      const published = await call(
        t,
        t.member,
        'POST',
        '/v1/products',
        bundle('leaky-engine', (p) =>
          noFileInputs(p, {
            name: 'records',
            source: { type: 'file', path: '${SALES_SECRET_FILE}', format: 'parquet' },
          }),
        ),
      );
      expect(published.text).toContain('"status":"created"');
      const run = await call(t, t.member, 'POST', '/v1/products/sales/leaky-engine/runs', {});
      expect(run.json.status).toBe('failed');
      expect(run.json.error).toContain('${SALES_SECRET_FILE}');
      const runs = await call(t, t.admin, 'GET', '/v1/products/sales/leaky-engine/runs');
      const events = await call(t, t.admin, 'GET', '/v1/events?subject=sales/leaky-engine');
      expect(events.text).toContain('run.failed');
      const lineage = readFileSync(t.lineageFile, 'utf8');
      expect(lineage).toContain('leaky-engine');
      for (const text of [run.text, runs.text, events.text, lineage]) expect(text).not.toContain(SECRET_PASSWORD);
    });
  });

  describe('findings 6 and 7: the server’s validator never crashes, and refuses what would change a meaning', () => {
    const cases: Array<[string, string, string, string]> = [
      ['primaryKey as a string', 'primaryKey: [id]', 'primaryKey: id', 'wrong-type'],
      ['primaryKey as a map', 'primaryKey: [id]', 'primaryKey: { a: 1 }', 'wrong-type'],
      ['a threshold of .inf', 'threshold: 0.05', 'threshold: .inf', 'non-finite-number'],
      ['a YAML tag that changes a type', '  description: ', '  title: !!int "abc"\n  description: ', 'yaml-tag'],
      ['an absurd decimal precision', '"decimal(18,2)"', '"decimal(999999999999999999999,2)"', 'invalid-type-size'],
    ];
    it.each(cases)('%s: a located error from POST /v1/check, never a 500', async (_what, from, to, code) => {
      const { yaml, transformSql } = postgresTemplate();
      expect(yaml).toContain(from);
      const edited = yaml.replace(from, to);
      const line = edited.slice(0, edited.indexOf(to)).split('\n').length;
      const res = await call(t, t.member, 'POST', '/v1/check', {
        file: 'orders/product.yaml',
        yaml: edited,
        transformSql,
      });
      expect(res.status, res.text).toBe(200);
      expect(res.text).not.toMatch(/this is a bug in Meshwork|TypeError|\n\s+at /);
      const errors = (res.json.diagnostics as Array<Record<string, any>>).filter((d) => d.severity === 'error');
      expect(
        errors.map((d) => d.code),
        res.text,
      ).toContain(code);
      expect(errors.find((d) => d.code === code)!.location).toMatchObject({ file: 'orders/product.yaml', line });
    });
  });

  describe('finding 9: a consumer gets what the README lists, nothing more', () => {
    it('refuses teams, policies, check and diff to a consumer, even one in a team', async () => {
      const consumer = await t.server.token('carol', 'consumer', { domains: ['sales'] });
      const { yaml, transformSql } = postgresTemplate();
      const body = { file: 'orders/product.yaml', yaml, transformSql };
      for (const [method, path, payload] of [
        ['GET', '/v1/teams'],
        ['GET', '/v1/policies'],
        ['POST', '/v1/check', body],
        ['POST', '/v1/diff', body],
      ] as const) {
        const res = await call(t, consumer, method, path, payload);
        expect(res.status, `${method} ${path}: ${res.text}`).toBe(403);
      }
      expect((await call(t, consumer, 'GET', '/v1/products')).status).toBe(200);
    });
  });
});

let template: { yaml: string; transformSql: string } | undefined;
/** The postgres template's descriptor and transform, as `mesh init` writes them. */
function postgresTemplate(): { yaml: string; transformSql: string } {
  if (!template) {
    const { dir } = initProduct({
      name: 'orders',
      domain: 'sales',
      owner: 'sales-data@company.com',
      cwd: mkdtempSync(join(tmpdir(), 'mesh-tpl-')),
    });
    template = {
      yaml: readFileSync(join(dir, 'product.yaml'), 'utf8'),
      transformSql: readFileSync(join(dir, 'transform.sql'), 'utf8'),
    };
  }
  return template;
}

describe('the statement classifier (DuckDB parser)', () => {
  const refused: Array<[string, string]> = [
    ['stacked statements', 'SELECT 1; SELECT 2'],
    ['a stacked DROP after a string holding ;', "SELECT ';' AS x; DROP TABLE t"],
    ['COPY', "COPY (SELECT 1) TO '/tmp/x.parquet' (FORMAT parquet)"],
    ['COPY after a comment', "/* SELECT */ COPY t TO '/tmp/x'"],
    ['ATTACH', "ATTACH '/tmp/x.db' AS x"],
    ['INSTALL', 'INSTALL httpfs'],
    ['LOAD', 'LOAD httpfs'],
    ['SET', 'SET enable_external_access = true'],
    ['PRAGMA', 'PRAGMA threads = 1'],
    ['CREATE', 'CREATE TABLE t AS SELECT 1'],
    ['DELETE', 'DELETE FROM t'],
    ['a CTE with DML', 'WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d'],
    ['EXPLAIN ANALYZE with DML', 'EXPLAIN ANALYZE DELETE FROM t'],
    ['a wrapper-closing injection', "SELECT 1 AS x WHERE false) AS a; COPY (SELECT 1) TO 'x'; SELECT 1 FROM (SELECT 1"],
    ['a dollar-quoted ; then DROP', 'SELECT $$;$$ AS s; DROP TABLE t'],
    ['only a comment', '-- nothing here'],
  ];
  it.each(refused)('refuses %s', async (_, sql) => {
    expect((await classifySelect(sql)).ok).toBe(false);
  });

  const accepted: Array<[string, string]> = [
    ['a SELECT', 'SELECT * FROM snapshot WHERE id IS NULL'],
    ['a ; inside a string', "SELECT ';DROP TABLE t;' AS s"],
    ['a ; inside a comment', 'SELECT 1 -- ; DROP TABLE t\n'],
    ['a ; inside a block comment', 'SELECT 1 /* ; COPY t TO x */ AS one'],
    ['a quoted identifier with ;', 'SELECT 1 AS "a;b"'],
    ['a CTE', 'WITH a AS (SELECT 1 AS x) SELECT x FROM a'],
    ['a recursive CTE', 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r'],
    ['a UNION', 'SELECT 1 UNION ALL SELECT 2'],
    ['a trailing ;', 'SELECT 1;'],
  ];
  it.each(accepted)('accepts %s', async (_, sql) => {
    expect(await classifySelect(sql)).toEqual({ ok: true });
  });

  it('locates a second statement and a syntax error', async () => {
    expect(await classifySelect('SELECT 1;\nDROP TABLE t')).toMatchObject({ ok: false, reason: 'kind', offset: 8 });
    expect(await classifySelect('SELECT 1 AS x WHERE false) AS a')).toMatchObject({
      ok: false,
      reason: 'syntax',
      offset: 25,
    });
  });
});

describe('environment entitlement and scrubbing', () => {
  it('never resolves MESH_* even when granted; grants are per domain', () => {
    const scope = {
      mode: 'server' as const,
      grants: [
        { domain: '*', pattern: 'MESH_*' },
        { domain: 'sales', pattern: 'SALES_*' },
      ],
    };
    expect(entitlement(scope, 'sales', 'MESH_DATABASE_URL').ok).toBe(false);
    expect(entitlement(scope, 'sales', 'SALES_DB').ok).toBe(true);
    expect(entitlement(scope, 'identity', 'SALES_DB').ok).toBe(false);
    expect(entitlement({ mode: 'server' }, 'sales', 'SALES_DB').ok).toBe(false);
    expect(entitlement({ mode: 'local' }, 'sales', 'ANY_VAR').ok).toBe(true);
    expect(entitlement({ mode: 'local' }, 'sales', 'MESH_DATABASE_URL').ok).toBe(false);
  });

  it('scrubs every resolved value and a URL password, encoded or not', () => {
    const values = new ResolvedValues();
    values.record('SALES_URL', 'postgres://u:p%40ss%21word@h/db');
    values.record('SALES_DIR', '/srv/data/sales');
    const out = values.scrub('file /srv/data/sales/x.csv; postgres://u:p%40ss%21word@h/db; said p@ss!word');
    expect(out).toBe('file ${SALES_DIR}/x.csv; ${SALES_URL}; said ***');
  });
});
