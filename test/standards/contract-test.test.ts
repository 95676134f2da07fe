/**
 * `mesh test <contract>`: a contract's schema checks and quality rules against the real server
 * it names (PostgreSQL, MariaDB, a local CSV), with the table, exit code, JUnit XML and JSON a
 * CI job reads; bad contracts, unknown servers and dead sources are clear failures.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadUrl } from '../helpers/http-receiver.js';
import { createTestDatabase } from '../helpers/registries.js';
import { mesh } from '../helpers/run-mesh.js';

interface Report {
  passed: boolean;
  rows: number;
  server?: string;
  checks: Array<{
    kind: string;
    name: string;
    status: string;
    severity: string;
    message: string;
    path?: string;
    location?: { file: string; line: number };
  }>;
  diagnostics: Array<{ code: string; message: string; location?: { file: string; line: number; col: number } }>;
}

let cwd: string;
let pgDb: { url: string; drop: () => Promise<void> };
const mariaDb = `mesh_contract_${process.pid}_${Date.now().toString(36)}`;
let env: NodeJS.ProcessEnv;

const CONTRACT = (table: string) => `apiVersion: v3.1.0
kind: DataContract
id: orders-contract
name: orders
version: 1.0.0
status: active
servers:
  - server: warehouse
    type: postgres
    host: 127.0.0.1
    port: 5432
    database: shop
    schema: public
  - server: shop-maria
    type: mysql
    host: 127.0.0.1
    port: 3306
    database: shop
  - server: extract
    type: local
    path: ./orders.csv
    format: csv
schema:
  - name: ${table}
    physicalType: table
    properties:
      - name: order_id
        logicalType: integer
        required: true
        primaryKey: true
      - name: customer_email
        logicalType: string
        required: true
        classification: restricted
      - name: amount
        logicalType: number
        quality:
          - metric: nullValues
            mustBe: 0
      - name: status
        logicalType: string
        quality:
          - metric: invalidValues
            arguments:
              validValues: [open, shipped]
            mustBe: 0
    quality:
      - metric: rowCount
        mustBeGreaterThan: 0
`;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'mesh-contract-test-'));
  pgDb = await createTestDatabase('mesh_contract');
  const client = new pg.Client({ connectionString: pgDb.url });
  await client.connect();
  await client.query(`
    CREATE TABLE good (order_id int, customer_email text, amount numeric(10,2), status text);
    INSERT INTO good VALUES (1, 'a@x.io', 10.5, 'open'), (2, 'b@x.io', 99, 'shipped'), (3, 'c@x.io', 0, 'open');
    CREATE TABLE bad (order_id int, customer_email text, amount text, state text);
    INSERT INTO bad VALUES (1, 'a@x.io', 'ten', 'open'), (1, NULL, '5', 'lost'), (2, NULL, '7', 'open');`);
  await client.end();
  const admin = await mysql.createConnection({ host: '127.0.0.1', user: 'root', password: '' });
  await admin.query(`CREATE DATABASE ${mariaDb}`);
  await admin.query(
    `CREATE TABLE ${mariaDb}.good (order_id int, customer_email varchar(80), amount decimal(10,2), status varchar(20))`,
  );
  await admin.query(`INSERT INTO ${mariaDb}.good VALUES (1, 'a@x.io', 10.5, 'open'), (2, 'b@x.io', NULL, 'open')`);
  await admin.end();
  writeFileSync(
    join(cwd, 'orders.csv'),
    'order_id,customer_email,amount,status\n1,a@x.io,3,open\n2,b@x.io,4,shipped\n',
  );
  writeFileSync(join(cwd, 'good.odcs.yaml'), CONTRACT('good'));
  writeFileSync(join(cwd, 'bad.odcs.yaml'), CONTRACT('bad'));
  env = {
    MESH_HOME: join(cwd, '.mesh'),
    MESH_DATABASE_URL: '',
    WAREHOUSE_DB_URI: pgDb.url,
    SHOP_MARIA_DB_URI: `mysql://root@127.0.0.1:3306/${mariaDb}`,
  };
});

afterAll(async () => {
  await pgDb?.drop();
  const admin = await mysql.createConnection({ host: '127.0.0.1', user: 'root', password: '' });
  await admin.query(`DROP DATABASE IF EXISTS ${mariaDb}`);
  await admin.end();
});

const statusOf = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.name, c.status]));

describe('mesh test: a contract against the server it names', () => {
  it('passes a PostgreSQL table that keeps the contract, with a table, JUnit XML and a JSON report', async () => {
    const r = await mesh(['test', 'good.odcs.yaml', '--junit', 'out.xml', '--report', 'out.json'], { cwd, env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('server warehouse, 3 row(s) read');
    expect(r.stdout).toMatch(/pass\s+schema\s+required\(customer_email\)/);
    expect(r.stdout).toMatch(/pass\s+schema\s+primaryKey\(order_id\)/);
    expect(r.stdout).toMatch(/\d+ passed, 0 failed/);
    const junit = readFileSync(join(cwd, 'out.xml'), 'utf8');
    expect(junit).toMatch(/<testsuites name="mesh test" tests="\d+" failures="0" errors="0"/);
    expect(junit).toContain('name="present(order_id)"');
    const report = JSON.parse(readFileSync(join(cwd, 'out.json'), 'utf8')) as Report;
    expect(report.passed).toBe(true);
    expect(report.rows).toBe(3);
    expect(report.checks.every((c) => c.status === 'pass')).toBe(true);
  });

  it('fails a table that breaks it, naming each broken promise, and JUnit counts the failures', async () => {
    const r = await mesh(['test', 'bad.odcs.yaml', '--junit', 'bad.xml', '--json'], { cwd, env });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.passed).toBe(false);
    const status = statusOf(report);
    expect(status['present(status)']).toBe('fail');
    expect(status['type(status)']).toBe('skip');
    expect(status['type(amount)']).toBe('fail');
    expect(status['required(customer_email)']).toBe('fail');
    expect(status['primaryKey(order_id)']).toBe('fail');
    expect(status['present(order_id)']).toBe('pass');
    const missing = report.checks.find((c) => c.name === 'present(status)')!;
    expect(missing).toMatchObject({ path: 'schema[0].properties[3]', location: { file: 'bad.odcs.yaml', line: 40 } });
    expect(missing.message).toContain(
      'no column status in the source (it has: order_id, customer_email, amount, state)',
    );
    const nulls = report.checks.find((c) => c.name === 'required(customer_email)')!;
    expect(nulls.message).toBe('2 null values in a required property');
    const junit = readFileSync(join(cwd, 'bad.xml'), 'utf8');
    const failures = report.checks.filter((c) => c.status === 'fail' && c.severity === 'error').length;
    expect(junit).toContain(`failures="${failures}"`);
    expect(junit).toContain('<failure message="no column status in the source');
  });

  it('tests every schema object of a contract, each against its own table, the checks named by object', async () => {
    // The bad table's object, as the one-object contract describes it, after the good one.
    const second = CONTRACT('bad').split('schema:\n')[1];
    writeFileSync(join(cwd, 'two.odcs.yaml'), CONTRACT('good') + second);
    const r = await mesh(['test', 'two.odcs.yaml', '--json'], { cwd, env });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.rows).toBe(6);
    const status = statusOf(report);
    expect(status['good: required(customer_email)']).toBe('pass');
    expect(status['good: primaryKey(order_id)']).toBe('pass');
    expect(status['bad: required(customer_email)']).toBe('fail');
    expect(status['bad: primaryKey(order_id)']).toBe('fail');
    expect(report.checks.find((c) => c.name === 'bad: required(customer_email)')?.location).toMatchObject({
      file: 'two.odcs.yaml',
      line: 57,
    });
    expect(report.diagnostics.map((d) => d.message).join('\n')).not.toContain('only one schema object');
  });

  it('runs the quality rules: a MariaDB row with a null amount fails its nullValues rule', async () => {
    const r = await mesh(['test', 'good.odcs.yaml', '--server', 'shop-maria', '--json'], { cwd, env });
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.server).toBe('shop-maria');
    expect(report.rows).toBe(2);
    const failed = report.checks.filter((c) => c.status === 'fail');
    expect(failed, JSON.stringify(failed)).toHaveLength(1);
    expect(failed[0].kind).toBe('quality');
    expect(failed[0].name).toContain('amount');
  });

  it('reads a local CSV server relative to the contract', async () => {
    const r = await mesh(['test', 'good.odcs.yaml', '--server', 'extract', '--json'], { cwd, env });
    expect(r.code, r.stdout).toBe(0);
    expect((JSON.parse(r.stdout) as Report).rows).toBe(2);
  });
});

describe('mesh test: bad input', () => {
  it('an unknown --server is a located error that lists the servers', async () => {
    const r = await mesh(['test', 'good.odcs.yaml', '--server', 'nope'], { cwd, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/good\.odcs\.yaml:\d+:\d+\s+error\s+odcs-server-unknown/);
    expect(r.stdout).toContain('its servers: warehouse, shop-maria, extract');
  });

  it('a dead source fails clearly, without the connection string or a stack trace', async () => {
    const dead = (await deadUrl()).replace(
      /^http:\/\/127\.0\.0\.1:(\d+).*$/,
      'postgres://postgres:hunter22pw@127.0.0.1:$1/shop',
    );
    const r = await mesh(['test', 'good.odcs.yaml', '--json'], { cwd, env: { ...env, WAREHOUSE_DB_URI: dead } });
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    const failure = report.diagnostics.find((d) => d.code === 'contract-source')!;
    expect(failure.message).toMatch(/cannot reach PostgreSQL at 127\.0\.0\.1:\d+/);
    expect(r.stdout + r.stderr).not.toContain('hunter22pw');
    expect(r.stdout + r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a file that is not a contract is refused at its line, nothing run', async () => {
    writeFileSync(join(cwd, 'broken.odcs.yaml'), 'apiVersion: v3.1.0\nkind: [unclosed\n');
    const r = await mesh(['test', 'broken.odcs.yaml'], { cwd, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/broken\.odcs\.yaml:\d+:\d+\s+error/);
    expect(r.stdout).toContain('the contract could not be read; nothing was tested');
  });

  it('a contract without a server Meshwork reads says so', async () => {
    const none = CONTRACT('good').replace(/servers:[\s\S]*?\nschema:/, 'schema:');
    writeFileSync(join(cwd, 'none.odcs.yaml'), none);
    const r = await mesh(['test', 'none.odcs.yaml', '--json'], { cwd, env });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as Report).diagnostics.map((d) => d.code)).toContain('contract-no-server');
  });
});
