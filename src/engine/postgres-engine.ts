/**
 * The postgres engine: a run's transform, conform and checks run inside the PostgreSQL
 * database that holds its inputs. Each run works in a staging schema of its own
 * (`mesh_stage_<run>`): its inputs are views there, the candidate snapshot is the table
 * `snapshot` built by `CREATE TABLE … AS` the conformed transform, and the checks read it by
 * that name, like on the embedded engine. No row leaves the database until a port asks for it;
 * the schema is dropped when the run ends, whatever happened.
 */
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { InputError } from '../core/errors.js';
import type { CheckDialect, CheckEngine } from './check-engine.js';
import type { ResultColumn } from './conform-schema.js';
import { postgresFailure, readForeignServers, type ForeignServer } from './postgres-failures.js';
import { duckdbTypeForOid } from './postgres-types.js';
import { postgresType, quoteIdent, quoteLiteral } from './sql-text.js';
import { postgresTransformSqlError } from './transform-sql-error.js';

const DESCRIBE_PREFIX = 'SELECT * FROM (\n';
const STAGE_PREFIX = 'mesh_stage_';
/** The first key of the staging schemas' advisory locks ('mesh'), apart from other users of advisory locks. */
const LOCK_SPACE = 0x6d657368;

export interface PostgresEngine {
  /** The run's staging schema (quoted). */
  readonly schema: string;
  readonly checks: CheckEngine;
  query(sql: string, params?: unknown[]): Promise<pg.QueryResult>;
  /** Runs a `COPY … FROM STDIN` fed by `data`. */
  copyIn(sql: string, data: Readable): Promise<void>;
  /** Makes `name` a view over `query` in the staging schema (names in it resolve as the connection's own). */
  stageView(name: string, query: string): Promise<void>;
  /** The transform's columns (DuckDB's type names), or its error located in `file`. */
  describe(sql: string, file: string): Promise<ResultColumn[]>;
  /** `CREATE TABLE snapshot AS` the query; its rows. */
  build(query: string): Promise<number>;
  /** Drops the staging schema and disconnects. */
  close(): Promise<void>;
}

/** The declared type in PostgreSQL's SQL (a bare decimal is DuckDB's default precision, as on the other engine). */
export function postgresCastType(declared: string): string {
  return declared.trim().toLowerCase() === 'decimal' ? 'numeric(18,3)' : postgresType(declared);
}

export async function openPostgresEngine(client: pg.Client, runId: string): Promise<PostgresEngine> {
  const name = `${STAGE_PREFIX}${runId.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`;
  const schema = quoteIdent(name);
  await client.query(`SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3`);
  const [{ path }] = (await client.query(`SELECT current_setting('search_path') AS path`)).rows;
  await dropOrphanedSchemas(client);
  // Held by this session while the run lives: a run killed before its cleanup is known by the lock it lost.
  await client.query(`SELECT pg_advisory_lock(${LOCK_SPACE}, hashtext($1))`, [name]);
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(tryCastFunction(schema));
  const inStaging = `SET search_path TO ${schema}, ${path as string}`;
  await client.query(inStaging);
  // A foreign server (a shard) or the database going away is named in the error: see postgres-failures.ts.
  const servers = await readForeignServers(client);
  // Always the extended protocol: a text holding the user's SQL can be one statement only.
  const query = (text: string, values?: unknown[]) =>
    client.query({ text, values, queryMode: 'extended' } as pg.QueryConfig).catch((error: unknown) => {
      throw postgresFailure(error, servers, client) ?? error;
    });
  return {
    schema,
    checks: postgresCheckEngine(client, schema),
    query,
    copyIn: (sql, data) => pipeline(data, client.query(copyFrom(sql))),
    async stageView(name, sql) {
      await client.query(`SET search_path TO ${path as string}`);
      await query(`CREATE VIEW ${schema}.${quoteIdent(name)} AS ${sql}`);
      await client.query(inStaging);
    },
    describe: (sql, file) => describeQuery(client, sql, file, servers),
    async build(select) {
      const result = await query(`CREATE TABLE ${schema}.snapshot AS ${select}`);
      return result.rowCount ?? 0;
    },
    async close() {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    },
  };
}

/**
 * Staging schemas of runs that died before dropping theirs (SIGKILL, a lost worker): their
 * session lock is free. A live run's schema is left alone, whichever worker runs it.
 */
async function dropOrphanedSchemas(client: pg.Client): Promise<void> {
  const { rows } = await client.query(`SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)`, [
    STAGE_PREFIX,
  ]);
  for (const { nspname } of rows as Array<{ nspname: string }>) {
    const [{ free }] = (
      await client.query(`SELECT pg_try_advisory_lock(${LOCK_SPACE}, hashtext($1)) AS free`, [nspname])
    ).rows as Array<{ free: boolean }>;
    if (!free) continue;
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(nspname)} CASCADE`).catch(() => undefined);
    await client.query(`SELECT pg_advisory_unlock(${LOCK_SPACE}, hashtext($1))`, [nspname]);
  }
}

/** Binds the transform with the extended protocol (one statement only), without running it. */
async function describeQuery(
  client: pg.Client,
  sql: string,
  file: string,
  servers: readonly ForeignServer[],
): Promise<ResultColumn[]> {
  try {
    const text = `${DESCRIBE_PREFIX}${sql}\n) AS mesh_transform LIMIT 0`;
    const { fields } = await client.query({ text, queryMode: 'extended' } as pg.QueryConfig);
    return fields.map((f) => ({ name: f.name, type: duckdbTypeForOid(f.dataTypeID, f.dataTypeModifier) }));
  } catch (error) {
    const unavailable = postgresFailure(error, servers, client);
    if (unavailable) throw unavailable;
    const e = error as { message: string; position?: string; hint?: string };
    throw new InputError(postgresTransformSqlError(e, sql, file, DESCRIBE_PREFIX.length));
  }
}

/** `try_cast(text, NULL::type)`: the value of that type, or NULL (PostgreSQL 15 has no pg_input_is_valid). */
function tryCastFunction(schema: string): string {
  return `CREATE FUNCTION ${schema}.mesh_try_cast(value text, INOUT result anyelement) IMMUTABLE LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('SELECT %L::%s', value, pg_typeof(result)) INTO result;
EXCEPTION WHEN others THEN
  result := NULL;
END $$`;
}

function postgresDialect(schema: string): CheckDialect {
  return {
    double: 'double precision',
    tryCast: (value, declared) =>
      `${schema}.mesh_try_cast(${quoteLiteral(value)}, NULL::${postgresCastType(declared)})`,
    inList: (column, values) =>
      values.length ? `coalesce(${column} = ANY(ARRAY[${values.join(', ')}]), false)` : 'false',
    matches: (column, pattern) => `(CAST(${column} AS text) ~ ${quoteLiteral(pattern)})`,
    epochMs: (expression) => `(extract(epoch FROM CAST(${expression} AS timestamp)) * 1000)`,
    duplicated: (columns) =>
      `ROW(${columns.join(', ')})::text IN (SELECT ROW(${columns.join(', ')})::text FROM snapshot GROUP BY 1 HAVING count(*) > 1)`,
  };
}

/** Checks in PostgreSQL; sample rows in the JSON values the embedded engine gives (samples read the same on both). */
function postgresCheckEngine(client: pg.Client, schema: string): CheckEngine {
  return {
    dialect: postgresDialect(schema),
    rows: async (sql) => (await extended(client, sql)).rows as Array<Record<string, unknown>>,
    firstRows: async (sql) => {
      const config = { text: sql, queryMode: 'extended', types: { getTypeParser: sampleParser } };
      return (await client.query(config as pg.QueryConfig)).rows as Array<Record<string, unknown>>;
    },
  };
}

/**
 * A value's text as DuckDB's JSON rows show it: small integers, floats and booleans as JSON
 * values, everything else (bigint, numeric, timestamps in ISO text) as PostgreSQL's text.
 */
function sampleParser(oid: number): (text: string) => unknown {
  switch (oid) {
    case 16:
      return (text) => text === 't';
    case 21:
    case 23:
    case 700:
    case 701:
      return Number;
    default:
      return (text) => text;
  }
}

function extended(client: pg.Client, text: string): Promise<pg.QueryResult> {
  return client.query({ text, queryMode: 'extended' } as pg.QueryConfig);
}
