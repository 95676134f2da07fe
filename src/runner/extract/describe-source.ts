/**
 * A database source's result columns, without reading a row: the query is wrapped as the run
 * wraps it (`SELECT * FROM (query) AS mesh_source LIMIT 0`) and described inside a READ ONLY
 * transaction with a short statement timeout, so a query that would write is refused by the
 * database and one that would hang is cut off. The connection string is read from the
 * environment variable the caller names (through the domain's grants, as a run reads it),
 * never taken from the caller; it is only handed to the driver. Types are Meshwork column
 * types, the ones the run's engine will read the columns as (so the descriptor conforms).
 */
import type pg from 'pg';
import { COLUMN_TYPES, type SourceSpec } from '../../descriptor/data-product-schema.js';
import { InputError } from '../../core/errors.js';
import { resolveEnvRefs } from '../../core/resolve-env.js';
import { duckdbTypeForMysql } from '../../engine/mysql-types.js';
import { duckdbTypeForOid } from '../../engine/postgres-types.js';
import { stripTrailingSemicolon } from '../../engine/sql-text.js';
import { connectMysql, describeMysqlQuery, limitStatementTime, type MysqlField } from './extract-mysql.js';
import { connectPostgres, describePostgresQuery } from './extract-postgres.js';

export type DatabaseSourceType = Exclude<SourceSpec['type'], 'file'>;

export interface DescribeSourceRequest {
  readonly type: DatabaseSourceType;
  /** The name of the environment variable holding the connection string (never the string itself). */
  readonly connectionEnv: string;
  readonly query: string;
}

export interface SourceColumn {
  /** As the source names it. */
  readonly name: string;
  /** A Meshwork column type. */
  readonly type: string;
  /** Whether the column may hold nulls; undefined when the database does not say. */
  readonly nullable?: boolean;
}

/** A describe is a moment's work: longer means the query does real work before its first row. */
export const DESCRIBE_TIMEOUT_MS = 5_000;
const CONNECT_TIMEOUT_MS = 5_000;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENGINES: Record<DatabaseSourceType, { label: string; protocols: readonly string[] }> = {
  postgres: { label: 'PostgreSQL', protocols: ['postgres:', 'postgresql:'] },
  mysql: { label: 'MySQL', protocols: ['mysql:'] },
};

/**
 * `env`: the environment the connection is resolved in, a run environment bound to the
 * caller's domain (core/resolve-env.ts) on a server.
 */
export async function describeSource(
  request: DescribeSourceRequest,
  env: NodeJS.ProcessEnv,
  options: { timeoutMs?: number } = {},
): Promise<SourceColumn[]> {
  const engine = Object.hasOwn(ENGINES, request.type) ? ENGINES[request.type] : undefined;
  if (!engine)
    throw new InputError(`"type" must be postgres or mysql, not "${String(request.type)}"`, {
      details: { hint: "a file source's columns are proposed from the file itself" },
    });
  const name = request.connectionEnv.trim();
  if (!ENV_NAME.test(name))
    throw new InputError(`"${name}" is not an environment variable name`, {
      details: { hint: 'name the variable holding the connection string, e.g. SALES_DB_URI; never the string itself' },
    });
  const query = stripTrailingSemicolon(request.query.trim());
  if (!query) throw new InputError('the query is empty: write the SELECT the source runs');
  const what = `the source in \${${name}}`;
  const url = resolveEnvRefs(
    `\${${name}}`,
    env,
    'the connection',
    () =>
      new InputError(`${name} is not set on the server`, {
        details: { hint: `the platform's operator sets ${name} in the server's environment (mesh serve)` },
      }),
  );
  let protocol: string | undefined;
  try {
    protocol = new URL(url).protocol;
  } catch {
    /* the value is not shown: it may hold a password */
  }
  if (!protocol || !engine.protocols.includes(protocol))
    throw new InputError(
      `${name} does not hold a ${engine.protocols[0]}// connection URL for a ${request.type} source`,
      {
        details: { hint: `check the source type, or the value of ${name} on the server` },
      },
    );
  const timeoutMs = options.timeoutMs ?? DESCRIBE_TIMEOUT_MS;
  try {
    return request.type === 'postgres'
      ? await describePostgres(url, query, what, timeoutMs)
      : await describeMysql(url, query, what, timeoutMs);
  } catch (error) {
    throw explained(error, timeoutMs);
  }
}

async function describePostgres(url: string, query: string, what: string, timeoutMs: number): Promise<SourceColumn[]> {
  const client = await connectPostgres(url, what, CONNECT_TIMEOUT_MS);
  try {
    await client.query(`SET statement_timeout = ${timeoutMs}; SET default_transaction_read_only = on`);
    const fields = await describePostgresQuery(client, query, what, url);
    const notNull = await notNullColumns(client, fields);
    // An outer join or a grouping set brings nulls into a column its table declares NOT NULL.
    const nullsAdded = /\b(left|right|full)\s+(outer\s+)?join\b|\b(rollup|cube|grouping\s+sets)\b/i.test(query);
    return fields.map((f, i) => ({
      name: f.name,
      type: postgresMeshType(f.dataTypeID, f.dataTypeModifier),
      nullable: f.tableID === 0 || (notNull.has(i) && nullsAdded) ? undefined : !notNull.has(i),
    }));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The positions of the fields that come straight from a table column declared NOT NULL. */
async function notNullColumns(client: pg.Client, fields: readonly pg.FieldDef[]): Promise<Set<number>> {
  const fromTables = fields.map((f, i) => ({ f, i })).filter(({ f }) => f.tableID !== 0);
  if (fromTables.length === 0) return new Set();
  const { rows } = await client.query<{ i: number }>(
    `SELECT f.i::int AS i FROM unnest($1::oid[], $2::int2[], $3::int[]) AS f(rel, num, i)
     JOIN pg_attribute a ON a.attrelid = f.rel AND a.attnum = f.num WHERE a.attnotnull`,
    [fromTables.map(({ f }) => f.tableID), fromTables.map(({ f }) => f.columnID), fromTables.map(({ i }) => i)],
  );
  return new Set(rows.map((r) => r.i));
}

async function describeMysql(url: string, query: string, what: string, timeoutMs: number): Promise<SourceColumn[]> {
  const { conn, p } = await connectMysql(url, what, CONNECT_TIMEOUT_MS);
  try {
    await limitStatementTime(p, timeoutMs);
    await p.query('START TRANSACTION READ ONLY');
    const fields = await describeMysqlQuery(p, query, what, url);
    await p.query('ROLLBACK');
    return fields.map((f) => ({
      name: f.name,
      type: mysqlMeshType(f),
      // MySQL computes the flag for the result (an outer join's columns are nullable).
      nullable: (f.flags & NOT_NULL_FLAG) === 0,
    }));
  } finally {
    conn.destroy();
  }
}

const NOT_NULL_FLAG = 1;
const BINARY_CHARSET = 63;
const JSON_TYPE = 245;
/** TINY_BLOB, MEDIUM_BLOB, LONG_BLOB, BLOB: the TEXT types too, told apart by their character set. */
const TEXT_TYPES = new Set([249, 250, 251, 252]);

/** The run reads the column as this (postgres-types.ts), refined where the source says more. */
export function postgresMeshType(oid: number, modifier: number): string {
  switch (oid) {
    case 25:
      return 'text';
    case 114:
    case 3802:
      return 'json';
    case 1042:
    case 1043:
      return modifier > 4 ? `varchar(${modifier - 4})` : 'varchar';
    default:
      return meshTypeOfDuckdb(duckdbTypeForOid(oid, modifier));
  }
}

/** The run reads the column as this (mysql-types.ts), refined where the source says more. */
export function mysqlMeshType(f: MysqlField): string {
  if (f.columnType === JSON_TYPE || f.extendedFormat === 'json') return 'json';
  if (TEXT_TYPES.has(f.columnType) && f.characterSet !== BINARY_CHARSET) return 'text';
  return meshTypeOfDuckdb(duckdbTypeForMysql(f.columnType, f.decimals, f.columnLength));
}

/** `DECIMAL(10,2)` → `decimal(10,2)`, `TIMESTAMP WITH TIME ZONE` → `timestamptz`; unknown types travel as varchar. */
function meshTypeOfDuckdb(duckdb: string): string {
  if (duckdb === 'TIMESTAMP WITH TIME ZONE') return 'timestamptz';
  const lower = duckdb.toLowerCase();
  const base = lower.replace(/\(.*$/, '');
  if (base === 'decimal') return lower.replace(/\s+/g, '');
  return (COLUMN_TYPES as readonly string[]).includes(base) ? base : 'varchar';
}

/** A refusal with what the user needs to know about how the source is described. */
function explained(error: unknown, timeoutMs: number): unknown {
  if (!(error instanceof InputError)) return error;
  const said = error.message;
  const hint = /statement timeout|max_statement_time|maximum statement execution time/i.test(said)
    ? `the query is described with LIMIT 0 and stopped after ${timeoutMs / 1000} s; one that works before its first row (a slow function) is cut off`
    : /read-only transaction|READ ONLY transaction|data-modifying/i.test(said)
      ? 'the source is described in a READ ONLY transaction: a source query may only read'
      : undefined;
  return hint ? new InputError(said, { details: { ...(error.details as object | undefined), hint } }) : error;
}
