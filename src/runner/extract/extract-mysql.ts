/**
 * MySQL/MariaDB inputs, streamed row by row from the server (mysql2 query streams honour
 * backpressure) into a CSV file that DuckDB then reads with the types MySQL reported.
 */
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import mysql from 'mysql2';
import { quoteIdent, quoteLiteral, stripTrailingSemicolon } from '../../engine/sql-text.js';
import { EPOCH_WATERMARK, rewriteLastRun } from '../last-run-param.js';
import { describeHost, resolveEnvRefs } from '../../core/resolve-env.js';
import { csvReadOptions } from './csv-handover.js';
import { connectError, mysqlErrorOffset, queryError, sourceRowError, withinQuery } from './source-errors.js';
import type { ExtractContext, Extracted } from './extract-types.js';
import { stageWatermark } from './stage-watermark.js';
import { duckdbTypeForMysql } from '../../engine/mysql-types.js';
import { sourceTimeoutMs } from './extract-postgres.js';

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  return text === '' || /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Each SELECT on the source is cut off after `ms` (MariaDB: max_statement_time, MySQL: max_execution_time). */
export async function limitStatementTime(p: ReturnType<mysql.Connection['promise']>, ms: number): Promise<void> {
  const [rows] = await p.query('SELECT VERSION() AS v');
  const mariadb = /mariadb/i.test(String((rows as Array<{ v: string }>)[0]?.v));
  await p.query(mariadb ? `SET SESSION max_statement_time = ${ms / 1000}` : `SET SESSION max_execution_time = ${ms}`);
}

/** A connection to a MySQL/MariaDB source, one statement per query; a failure to connect names the host, never the password. */
export async function connectMysql(
  url: string,
  what: string,
  connectTimeoutMs = 10_000,
): Promise<{ conn: mysql.Connection; p: ReturnType<mysql.Connection['promise']> }> {
  const conn = mysql.createConnection({
    uri: url,
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    timezone: 'Z',
    connectTimeout: connectTimeoutMs,
    // One statement per query, always: a stacked `; UPDATE …` is a syntax error, not a second statement.
    multipleStatements: false,
  });
  conn.on('error', () => undefined);
  const p = conn.promise();
  try {
    await p.connect();
  } catch (error) {
    conn.destroy();
    throw connectError(error, what, 'MySQL', describeHost(url), url);
  }
  return { conn, p };
}

/** A result column as mysql2 reports it (the column definition packet). */
export interface MysqlField {
  readonly name: string;
  readonly columnType: number;
  readonly decimals: number;
  readonly columnLength: number;
  readonly flags: number;
  /** 63: binary. */
  readonly characterSet: number;
  /** MariaDB's extended metadata: `json` for a JSON column. */
  readonly extendedFormat?: string;
}

const DESCRIBE_PREFIX = 'SELECT * FROM (\n';

/**
 * The result columns of the user's query, from `SELECT * FROM (query) LIMIT 0` (no row is
 * read), with `:last_run` bound to NULL. The caller has started the READ ONLY transaction.
 */
export async function describeMysqlQuery(
  p: ReturnType<mysql.Connection['promise']>,
  userQuery: string,
  what: string,
  url: string,
): Promise<MysqlField[]> {
  const probe = rewriteLastRun(userQuery, 'NULL');
  const sent = `${DESCRIBE_PREFIX}${probe.text}\n) AS mesh_source LIMIT 0`;
  try {
    const [, f] = await p.query(sent);
    return (f ?? []) as unknown as MysqlField[];
  } catch (error) {
    const at = mysqlErrorOffset((error as Error).message ?? '', sent);
    const offset =
      at === undefined ? undefined : withinQuery(probe.originalOffset(at - DESCRIBE_PREFIX.length), userQuery);
    throw queryError(error, what, 'MySQL', userQuery, url, offset);
  }
}

export async function extractMysql(ctx: ExtractContext): Promise<Extracted> {
  const src = ctx.input.source!;
  const what = `input ${ctx.input.name}`;
  const url = resolveEnvRefs(src.connection ?? '', ctx.env, `${what}: the connection`);
  const { conn, p } = await connectMysql(url, what);
  try {
    await p.query(`SET time_zone = '+00:00'`);
    await limitStatementTime(p, sourceTimeoutMs(ctx.env));
    // Read only from here on: whatever the query calls, it cannot write to the source.
    await p.query('START TRANSACTION READ ONLY');
    const userQuery = stripTrailingSemicolon(src.query ?? '');
    const fields = await describeMysqlQuery(p, userQuery, what, url);
    const wmField = src.watermark ? fields.find((f) => f.name === src.watermark) : undefined;
    if (src.watermark && !wmField)
      throw queryError(
        new Error(`the watermark column "${src.watermark}" is not in the query's result`),
        what,
        'MySQL',
        userQuery,
        url,
      );
    const query = rewriteLastRun(userQuery, '@mesh_last_run');
    if (query.usesLastRun) {
      const numeric = wmField && [1, 2, 3, 4, 5, 8, 9, 246].includes(wmField.columnType);
      // A server-side prepared statement binds the watermark; it is never spliced into SQL text.
      await p.execute('SET @mesh_last_run = ?', [ctx.lastRun ?? (numeric ? -1 : EPOCH_WATERMARK)]);
    }
    const columns = fields.map((f) => [f.name, duckdbTypeForMysql(f.columnType, f.decimals, f.columnLength)] as const);
    await ctx.engine.connection.run(
      `CREATE TABLE ${quoteIdent(ctx.table)} (${columns.map(([n, t]) => `${quoteIdent(n)} ${t}`).join(', ')})`,
    );
    const file = join(ctx.workDir, `${ctx.table}.csv`);
    const handle = await open(file, 'w');
    let rows = 0;
    try {
      let buffer = '';
      const names = columns.map(([n]) => n);
      for await (const row of conn
        .query({ sql: `SELECT * FROM (\n${query.text}\n) AS mesh_source`, rowsAsArray: false })
        .stream() as AsyncIterable<Record<string, unknown>>) {
        buffer += `${names.map((n) => csvField(row[n])).join(',')}\n`;
        rows++;
        if (buffer.length > 1 << 20) {
          await handle.write(buffer);
          buffer = '';
          ctx.onRows?.(rows);
        }
      }
      if (buffer) await handle.write(buffer);
    } catch (error) {
      if ((error as { sqlMessage?: string }).sqlMessage) throw queryError(error, what, 'MySQL', userQuery, url);
      throw error;
    } finally {
      await handle.close();
    }
    if (rows > 0) {
      await ctx.engine.connection
        .run(
          `INSERT INTO ${quoteIdent(ctx.table)} SELECT * FROM read_csv(${quoteLiteral(file)}, ${csvReadOptions(columns)})`,
        )
        .catch((error: unknown) => {
          throw sourceRowError(error, what) ?? error;
        });
    }
    await rm(file, { force: true });
    return { kind: 'mysql', ...(await stageWatermark(ctx)) };
  } finally {
    conn.destroy();
  }
}
