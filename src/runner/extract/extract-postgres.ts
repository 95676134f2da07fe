/**
 * PostgreSQL inputs, streamed: `COPY (query) TO STDOUT (FORMAT csv)` (the fastest way out of
 * PostgreSQL measured here), decoded off the socket by CopyOutStream and written into a FIFO
 * that DuckDB reads as CSV while the rows arrive — straight into the transform (one pass) or
 * into a staged parquet file — so extraction and parsing overlap and no more than a few MB of
 * rows (a batch, the write buffer) are ever held in JavaScript.
 */
import { execFile } from 'node:child_process';
import { closeSync, constants as fsConstants, createWriteStream, openSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { quoteIdent, quoteLiteral, stripTrailingSemicolon } from '../../engine/sql-text.js';
import { EPOCH_WATERMARK, rewriteLastRun } from '../last-run-param.js';
import { describeHost, resolveEnvRefs } from '../../core/resolve-env.js';
import { CopyOutStream } from './copy-out-stream.js';
import { csvReadOptions } from './csv-handover.js';
import { connectError, queryError, sourceRowError, withinQuery } from './source-errors.js';
import type { Engine } from '../../engine/duckdb-engine.js';
import { duckdbTypeForOid } from '../../engine/postgres-types.js';
import type { ExtractContext, Extracted } from './extract-types.js';

const DESCRIBE_PREFIX = 'SELECT * FROM (\n';
const PIPE_BUFFER_BYTES = 4 << 20;
/** Progress is reported every so many rows. */
const PROGRESS_ROWS = 100_000;

/** The SQL type the :last_run session variable is cast to, from the watermark column's type. */
export function pgCastForOid(oid: number | undefined): { cast: string; initial: string } {
  switch (oid) {
    case 20:
    case 21:
    case 23:
    case 26:
    case 700:
    case 701:
    case 1700:
      return { cast: 'numeric', initial: '-1' };
    case 1082:
      return { cast: 'date', initial: '1970-01-01' };
    case 1114:
      return { cast: 'timestamp', initial: EPOCH_WATERMARK };
    case 1184:
      return { cast: 'timestamptz', initial: `${EPOCH_WATERMARK}+00` };
    default:
      return { cast: 'text', initial: '' };
  }
}

interface PostgresSource {
  readonly client: pg.Client;
  readonly columns: ReadonlyArray<readonly [string, string]>;
  readonly copySql: string;
  /** `SELECT max(watermark)` over the same query, or undefined without a watermark column. */
  readonly watermarkSql?: string;
  readonly watermarkNumeric: boolean;
  /** read_csv options matching COPY's CSV output and the source's column types. */
  readonly csvOptions: string;
  sourceError(error: unknown): unknown;
  close(): Promise<void>;
}

const DEFAULT_SOURCE_TIMEOUT_MS = 3_600_000;

/** Each statement on a source is cut off after MESH_SOURCE_TIMEOUT_MS (default one hour). */
export function sourceTimeoutMs(env: NodeJS.ProcessEnv): number {
  const ms = Number(env.MESH_SOURCE_TIMEOUT_MS);
  return Number.isInteger(ms) && ms > 0 ? ms : DEFAULT_SOURCE_TIMEOUT_MS;
}

/**
 * Describes the wrapped query with the extended protocol, which PostgreSQL refuses for more
 * than one statement ("cannot insert multiple commands into a prepared statement"); wrapped
 * as a subquery, the user's text must be one SELECT/WITH/VALUES without data-modifying CTEs
 * (PostgreSQL allows those only at the top level). In a READ ONLY transaction besides.
 */
async function describeReadOnly(client: pg.Client, sql: string): Promise<pg.FieldDef[]> {
  await client.query('BEGIN READ ONLY');
  try {
    return (await client.query({ text: sql, queryMode: 'extended' } as pg.QueryConfig)).fields;
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/** A client connected to a PostgreSQL source; a failure to connect names the host, never the password. */
export async function connectPostgres(url: string, what: string, connectTimeoutMs = 10_000): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw connectError(error, what, 'PostgreSQL', describeHost(url), url);
  }
  return client;
}

/**
 * The result columns of the user's query, described without reading a row (`:last_run` bound
 * to NULL), in a READ ONLY transaction; a rejection is located in the user's query.
 */
export async function describePostgresQuery(
  client: pg.Client,
  userQuery: string,
  what: string,
  url: string,
): Promise<pg.FieldDef[]> {
  const probe = rewriteLastRun(userQuery, 'NULL');
  try {
    return await describeReadOnly(client, `${DESCRIBE_PREFIX}${probe.text}\n) AS mesh_source LIMIT 0`);
  } catch (error) {
    const pos = (error as { position?: string }).position;
    const offset =
      pos === undefined
        ? undefined
        : withinQuery(probe.originalOffset(Number(pos) - 1 - DESCRIBE_PREFIX.length), userQuery);
    throw queryError(error, what, 'PostgreSQL', userQuery, url, offset);
  }
}

/** Connects, fixes the session's text formats, describes the query and binds :last_run. */
async function openPostgresSource(ctx: Omit<ExtractContext, 'engine'>): Promise<PostgresSource> {
  const src = ctx.input.source!;
  const what = `input ${ctx.input.name}`;
  const url = resolveEnvRefs(src.connection ?? '', ctx.env, `${what}: the connection`);
  const client = await connectPostgres(url, what);
  try {
    // Stable text forms for DuckDB to parse, whatever the server's defaults.
    await client.query(
      `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET extra_float_digits = 3; SET statement_timeout = ${sourceTimeoutMs(ctx.env)}`,
    );
    const userQuery = stripTrailingSemicolon(src.query ?? '');
    const fields = await describePostgresQuery(client, userQuery, what, url);
    const watermarkField = src.watermark ? fields.find((f) => f.name === src.watermark) : undefined;
    if (src.watermark && !watermarkField)
      throw queryError(
        new Error(
          `the watermark column "${src.watermark}" is not in the query's result (columns: ${fields.map((f) => f.name).join(', ')})`,
        ),
        what,
        'PostgreSQL',
        userQuery,
        url,
      );
    const { cast, initial } = pgCastForOid(watermarkField?.dataTypeID);
    const query = rewriteLastRun(userQuery, `current_setting('mesh.last_run')::${cast}`);
    if (query.usesLastRun)
      await client.query(`SELECT set_config('mesh.last_run', $1, false)`, [String(ctx.lastRun ?? initial)]);
    const columns = fields.map((f) => [f.name, duckdbTypeForOid(f.dataTypeID, f.dataTypeModifier)] as const);
    let closing: Promise<void> | undefined;
    return {
      client,
      columns,
      // The very text the describe step proved to be one SELECT, so COPY runs nothing else.
      copySql: `COPY (${DESCRIBE_PREFIX}${query.text}\n) AS mesh_source) TO STDOUT WITH (FORMAT csv)`,
      watermarkSql: src.watermark
        ? `SELECT max(${quoteIdent(src.watermark)})::text AS wm FROM (\n${query.text}\n) AS mesh_source`
        : undefined,
      watermarkNumeric: cast === 'numeric',
      csvOptions: csvReadOptions(columns),
      sourceError: (error) =>
        (error as { severity?: string }).severity ? queryError(error, what, 'PostgreSQL', userQuery, url) : error,
      close: () => (closing ??= client.end().catch(() => undefined)),
    };
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/**
 * A staged input (the transform reads it more than once, or it is one of several): the same
 * FIFO as the one-pass path, written by the engine to a parquet file in the run's folder while
 * COPY runs (download, parsing and writing overlap; memory stays bounded as on the one-pass
 * path), and the input becomes a view over that file.
 */
export async function extractPostgres(ctx: ExtractContext): Promise<Extracted> {
  const fifoView = `${ctx.table}__source`;
  const file = join(ctx.workDir, `${ctx.table}.parquet`);
  const stream = await openPostgresStream({ ...ctx, table: fifoView });
  try {
    const { fed } = await stream.feedWhile(() =>
      ctx.engine.connection.run(
        `COPY (SELECT * FROM ${quoteIdent(fifoView)}) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION snappy)`,
      ),
    );
    await ctx.engine.connection.run(`DROP VIEW ${quoteIdent(fifoView)}`);
    await ctx.engine.connection.run(
      `CREATE VIEW ${quoteIdent(ctx.table)} AS SELECT * FROM read_parquet(${quoteLiteral(file)})`,
    );
    return { kind: 'postgres', rows: fed.rows, ...(fed.watermark !== undefined ? { watermark: fed.watermark } : {}) };
  } finally {
    await stream.close();
  }
}

/** What a streamed input sent: its rows and the watermark column's max. */
export interface Fed {
  readonly rows: number;
  readonly watermark?: string | number | null;
}

/** An input that flows through a FIFO while the transform runs (see openPostgresStream). */
export interface StreamedInput {
  /**
   * Runs `work` (an engine statement reading the input) while piping the source into the FIFO.
   * A source failure wins over the engine's outcome; a row the engine cannot read fails naming
   * the input, the row and the column (sourceRowError).
   */
  feedWhile<T>(work: () => Promise<T>): Promise<{ result: T; fed: Fed }>;
  close(): Promise<void>;
}

/** A streamed input connected, described and given its FIFO, waiting for the engine. */
export interface PendingStream {
  /** Makes the input a view over the FIFO in this engine. */
  attach(engine: Engine): Promise<StreamedInput>;
  close(): Promise<void>;
}

/**
 * The one-pass path for big inputs: the input is a view over a FIFO that COPY output is
 * piped into while DuckDB runs the transform and writes the snapshot, so extraction,
 * parsing, transformation and the parquet write overlap (source → parquet in one pass,
 * nothing staged). Only used when the transform reads the input once.
 */
export async function openPostgresStream(ctx: ExtractContext): Promise<StreamedInput> {
  return (await connectPostgresStream(ctx)).attach(ctx.engine);
}

/**
 * The part of opening a stream that needs no engine (connecting to the source, describing the
 * query, making the FIFO), so that a run can do it while its engine starts.
 */
export async function connectPostgresStream(ctx: Omit<ExtractContext, 'engine'>): Promise<PendingStream> {
  const fifo = join(ctx.workDir, `${ctx.table}.fifo`);
  // Node cannot make a FIFO itself; the child runs while the source connects.
  const [opened, made] = await Promise.allSettled([openPostgresSource(ctx), promisify(execFile)('mkfifo', [fifo])]);
  if (opened.status === 'rejected') throw opened.reason;
  const source = opened.value;
  if (made.status === 'rejected') {
    await source.close();
    throw made.reason;
  }
  return {
    async attach(engine) {
      try {
        await engine.connection.run(
          `CREATE VIEW ${quoteIdent(ctx.table)} AS SELECT * FROM read_csv(${quoteLiteral(fifo)}, ${source.csvOptions})`,
        );
      } catch (error) {
        await source.close();
        throw error;
      }
      return streamOf(ctx, source, fifo);
    },
    close: () => source.close(),
  };
}

function streamOf(ctx: Omit<ExtractContext, 'engine'>, source: PostgresSource, fifo: string): StreamedInput {
  const feed = async (): Promise<Fed> => {
    // One REPEATABLE READ snapshot for the COPY and the watermark query, so rows committed in
    // between can neither be missed by the next run nor counted twice.
    // Always READ ONLY: whatever the query calls, it cannot write to the source.
    await source.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY').catch((error: unknown) => {
      throw source.sourceError(error);
    });
    const copy = source.client.query(
      new CopyOutStream(source.copySql, { reportEvery: PROGRESS_ROWS, onRows: (rows) => ctx.onRows?.(rows) }),
    );
    try {
      // A deep write buffer lets writes to the pipe go out in big batches (fewer hand-offs to the engine's reader).
      await pipeline(copy, createWriteStream(fifo, { highWaterMark: PIPE_BUFFER_BYTES }));
    } catch (error) {
      // The engine stopped reading (it failed, or needed no more rows): its own outcome decides.
      if ((error as NodeJS.ErrnoException).code === 'EPIPE') return { rows: copy.rowsReceived };
      throw source.sourceError(error);
    }
    if (!source.watermarkSql) {
      void source.close(); // done with the source: let it go while the engine finishes
      return { rows: copy.rowCount };
    }
    try {
      const { rows } = await source.client.query(source.watermarkSql);
      await source.client.query('COMMIT');
      void source.close();
      const wm = rows[0]?.wm as string | null;
      return { rows: copy.rowCount, watermark: wm === null ? null : source.watermarkNumeric ? Number(wm) : wm };
    } catch (error) {
      throw source.sourceError(error);
    }
  };
  /** Lets a writer blocked on opening the FIFO go on (and fail) when the engine will not read it. */
  const unblock = (): void => {
    try {
      closeSync(openSync(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK));
    } catch {
      /* nothing is waiting */
    }
  };
  return {
    async feedWhile(work) {
      const reading = work().finally(unblock);
      const [read, fed] = await Promise.allSettled([reading, feed()]);
      // A source failure wins (the engine saw a clean end of file and may have "succeeded" on partial data).
      if (fed.status === 'rejected') throw fed.reason;
      if (read.status === 'rejected') throw sourceRowError(read.reason, `input ${ctx.input.name}`) ?? read.reason;
      return { result: read.value, fed: fed.value };
    },
    close: () => source.close(),
  };
}
