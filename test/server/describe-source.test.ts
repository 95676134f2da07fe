/**
 * POST /v1/sources/describe against real PostgreSQL and MariaDB databases of the test's own:
 * the columns come back with Meshwork types, nullability and PII proposals, no row is read and
 * nothing can be written (READ ONLY transaction), and every bad input is a clear refusal.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSource } from '../../src/runner/extract/describe-source.js';
import { createTestDatabase } from '../helpers/registries.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const PG_VAR = `DESCRIBE_PG_${suffix}`;
const MY_VAR = `DESCRIBE_MY_${suffix}`;
const DOWN_VAR = `DESCRIBE_DOWN_${suffix}`;
const myDb = `mesh_describe_${suffix}`;

let server: TestServer;
let pgDb: { url: string; drop: () => Promise<void> };
let pgClient: pg.Client;
let my: mysql.Connection;
let member: string;

beforeAll(async () => {
  pgDb = await createTestDatabase('mesh_describe');
  pgClient = new pg.Client({ connectionString: pgDb.url });
  await pgClient.connect();
  await pgClient.query(`
    CREATE TABLE customers (customer_id bigint PRIMARY KEY, "FirstName" text NOT NULL, email varchar(120),
      phone text, birth_date date, amount numeric(10,2), created_at timestamptz NOT NULL, profile jsonb);
    INSERT INTO customers VALUES (1, 'Ada', 'ada@x.com', '+44 1', '1990-01-01', 1.50, now(), '{}');
    CREATE FUNCTION wipe() RETURNS int LANGUAGE plpgsql AS $$BEGIN DELETE FROM customers; RETURN 1; END$$;
    CREATE FUNCTION slow() RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$BEGIN PERFORM pg_sleep(30); RETURN 1; END$$;`);
  my = await mysql.createConnection({ host: '127.0.0.1', user: 'root', password: '' });
  await my.query(`CREATE DATABASE ${myDb}`);
  await my.query(`USE ${myDb}`);
  await my.query(
    'CREATE TABLE customers (id INT NOT NULL PRIMARY KEY, email VARCHAR(100), note TEXT, amount DECIMAL(10,2), placed_at DATETIME)',
  );
  await my.query("INSERT INTO customers VALUES (1, 'ada@x.com', 'hi', 1.50, '2026-01-01 00:00:00')");
  await my.query(
    'CREATE FUNCTION wipe() RETURNS INT DETERMINISTIC MODIFIES SQL DATA BEGIN DELETE FROM customers; RETURN 1; END',
  );
  process.env[PG_VAR] = pgDb.url;
  process.env[MY_VAR] = `mysql://root@127.0.0.1:3306/${myDb}`;
  process.env[DOWN_VAR] = 'postgres://mesh:s3cret-pw@127.0.0.1:1/nowhere';
  server = await startTestServer('sqlite', { env: { ...process.env, MESH_ENV_GRANTS: 'sales=DESCRIBE_*' } });
  member = await server.token('mia', 'member', { domains: ['sales'] });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await pgClient?.end();
  await pgDb?.drop();
  await my?.query(`DROP DATABASE IF EXISTS ${myDb}`);
  await my?.end();
});

async function describeAs(token: string, body: Record<string, unknown>) {
  const res = await fetch(`${server.url}/v1/sources/describe`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ domain: 'sales', ...body }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const pgDescribe = (query: string, token = member) =>
  describeAs(token, { type: 'postgres', connectionEnv: PG_VAR, query });
const myDescribe = (query: string) => describeAs(member, { type: 'mysql', connectionEnv: MY_VAR, query });

describe('describing a PostgreSQL source', () => {
  it('proposes the columns with Meshwork types, nullability and PII classes, and says which to alias', async () => {
    const { status, body } = await pgDescribe('SELECT *, amount * 2 AS doubled FROM customers;');
    expect(status).toBe(200);
    expect(body.columns).toEqual([
      { name: 'customer_id', sourceName: 'customer_id', type: 'bigint', nullable: false, pii: 'none' },
      {
        name: 'first_name',
        sourceName: 'FirstName',
        type: 'text',
        nullable: false,
        pii: 'direct',
        piiReason: "a person's name",
      },
      {
        name: 'email',
        sourceName: 'email',
        type: 'varchar(120)',
        nullable: true,
        pii: 'direct',
        piiReason: 'an e-mail address',
      },
      { name: 'phone', sourceName: 'phone', type: 'text', nullable: true, pii: 'direct', piiReason: 'a phone number' },
      {
        name: 'birth_date',
        sourceName: 'birth_date',
        type: 'date',
        nullable: true,
        pii: 'indirect',
        piiReason: 'a birth date or age',
      },
      { name: 'amount', sourceName: 'amount', type: 'decimal(10,2)', nullable: true, pii: 'none' },
      { name: 'created_at', sourceName: 'created_at', type: 'timestamptz', nullable: false, pii: 'none' },
      { name: 'profile', sourceName: 'profile', type: 'json', nullable: true, pii: 'none' },
      // Computed: PostgreSQL does not say whether it may be null.
      { name: 'doubled', sourceName: 'doubled', type: 'double', pii: 'none' },
    ]);
    expect(body.notes.join(' ')).toContain('"FirstName" AS first_name');
  });

  it('does not claim NOT NULL through an outer join', async () => {
    const { body } = await pgDescribe(
      'SELECT a.customer_id, b."FirstName" FROM customers a LEFT JOIN customers b ON false',
    );
    expect(body.columns.map((c: { nullable?: boolean }) => c.nullable)).toEqual([undefined, undefined]);
  });

  it('refuses bad SQL with the database message, located in the query', async () => {
    const { status, body } = await pgDescribe('SELECT customer_id\nFROM customerz');
    expect(status).toBe(400);
    expect(body.error.message).toContain('relation "customerz" does not exist (line 2, column 6 of the source query)');
  });

  it('refuses a query that writes, and nothing changes', async () => {
    for (const query of [
      'WITH gone AS (DELETE FROM customers RETURNING *) SELECT * FROM gone',
      'DELETE FROM customers RETURNING *',
      'SELECT 1; DELETE FROM customers',
    ]) {
      const { status, body } = await pgDescribe(query);
      expect(status, query).toBe(400);
      expect(body.error.kind).toBe('input');
    }
    const cte = await pgDescribe('WITH gone AS (DELETE FROM customers RETURNING *) SELECT * FROM gone');
    expect(cte.body.error.message).toContain('data-modifying');
    expect(cte.body.error.details.hint).toContain('READ ONLY transaction');
    // A function that writes is described, not run (LIMIT 0); it would meet the READ ONLY transaction if it were.
    const fn = await pgDescribe('SELECT wipe() AS x');
    expect(fn.body.columns).toEqual([{ name: 'x', sourceName: 'x', type: 'integer', pii: 'none' }]);
    expect((await pgClient.query('SELECT count(*)::int AS n FROM customers')).rows[0].n).toBe(1);
  });

  it('cuts off a query that would hang', async () => {
    await expect(
      describeSource({ type: 'postgres', connectionEnv: PG_VAR, query: 'SELECT slow() AS x' }, process.env, {
        timeoutMs: 300,
      }),
    ).rejects.toMatchObject({
      kind: 'input',
      message: expect.stringContaining('statement timeout'),
      details: expect.objectContaining({ hint: expect.stringContaining('stopped after 0.3 s') }),
    });
  });

  it('refuses a variable that is unset, not granted or the platform’s, and a URL of the wrong kind', async () => {
    const unset = await describeAs(member, {
      type: 'postgres',
      connectionEnv: 'DESCRIBE_NOT_THERE',
      query: 'SELECT 1',
    });
    expect([unset.status, unset.body.error.message]).toEqual([400, 'DESCRIBE_NOT_THERE is not set on the server']);
    const other = await describeAs(member, { type: 'postgres', connectionEnv: 'HOME', query: 'SELECT 1' });
    expect([other.status, other.body.error.message]).toEqual([
      400,
      'the connection: ${HOME} is not granted to domain sales',
    ]);
    const platform = await describeAs(member, { type: 'postgres', connectionEnv: 'MESH_FOO', query: 'SELECT 1' });
    expect(platform.status).toBe(400);
    expect(platform.body.error.message).toContain('is a platform variable');
    const notName = await describeAs(member, {
      type: 'postgres',
      connectionEnv: 'postgres://x@y/z',
      query: 'SELECT 1',
    });
    expect(notName.status).toBe(400);
    expect(notName.body.error.message).toContain('is not an environment variable name');
    const wrongKind = await describeAs(member, { type: 'postgres', connectionEnv: MY_VAR, query: 'SELECT 1' });
    expect([wrongKind.status, wrongKind.body.error.message]).toEqual([
      400,
      `${MY_VAR} does not hold a postgres:// connection URL for a postgres source`,
    ]);
    const file = await describeAs(member, { type: 'file', connectionEnv: PG_VAR, query: 'SELECT 1' });
    expect(file.status).toBe(400);
  });

  it('answers 503 for an unreachable database, naming the host and never the password', async () => {
    const { status, body } = await describeAs(member, { type: 'postgres', connectionEnv: DOWN_VAR, query: 'SELECT 1' });
    expect(status).toBe(503);
    expect(body.error.kind).toBe('unavailable');
    expect(body.error.message).toContain('cannot reach PostgreSQL at 127.0.0.1:1 (ECONNREFUSED)');
    expect(JSON.stringify(body)).not.toContain('s3cret-pw');
  });

  it('is for members of the domain: consumers and other domains are refused', async () => {
    const consumer = await pgDescribe('SELECT 1 AS one', await server.token('carol', 'consumer'));
    expect([consumer.status, consumer.body.error.message]).toEqual([403, 'carol (consumer) may not describe sources']);
    const outsider = await pgDescribe('SELECT 1 AS one', await server.token('max', 'member', { domains: ['hr'] }));
    expect(outsider.status).toBe(403);
    expect(outsider.body.error.message).toContain('max may not describe sources in domain sales');
  });
});

describe('describing a MariaDB source', () => {
  it('proposes the columns with Meshwork types, nullability and PII classes', async () => {
    const { status, body } = await myDescribe('SELECT c.*, id + 1 AS next_id FROM customers c');
    expect(status).toBe(200);
    expect(body.columns).toEqual([
      { name: 'id', sourceName: 'id', type: 'integer', nullable: false, pii: 'none' },
      {
        name: 'email',
        sourceName: 'email',
        type: 'varchar',
        nullable: true,
        pii: 'direct',
        piiReason: 'an e-mail address',
      },
      { name: 'note', sourceName: 'note', type: 'text', nullable: true, pii: 'none' },
      { name: 'amount', sourceName: 'amount', type: 'decimal(10,2)', nullable: true, pii: 'none' },
      { name: 'placed_at', sourceName: 'placed_at', type: 'timestamp', nullable: true, pii: 'none' },
      { name: 'next_id', sourceName: 'next_id', type: 'bigint', nullable: false, pii: 'none' },
    ]);
    expect(body.notes).toEqual([]);
  });

  it('refuses bad SQL located in the query, and a query that writes, changing nothing', async () => {
    const bad = await myDescribe('SELECT id,\nFROM customers');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(
      /You have an error in your SQL syntax.*\(line 2, column 1 of the source query\)/s,
    );
    const wrote = await myDescribe('SELECT wipe() AS x');
    expect(wrote.status).toBe(400);
    expect(wrote.body.error.message).toContain('READ ONLY transaction');
    const [rows] = await my.query('SELECT count(*) AS n FROM customers');
    expect(Number((rows as Array<{ n: number }>)[0].n)).toBe(1);
  });

  it('cuts off a query that would hang', async () => {
    await expect(
      describeSource({ type: 'mysql', connectionEnv: MY_VAR, query: 'SELECT SLEEP(30) AS s' }, process.env, {
        timeoutMs: 500,
      }),
    ).rejects.toMatchObject({
      kind: 'input',
      details: expect.objectContaining({ hint: expect.stringContaining('stopped after 0.5 s') }),
    });
  });
});
