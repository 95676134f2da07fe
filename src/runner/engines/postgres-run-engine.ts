/**
 * The postgres engine for a run: every input is a view in the run's staging schema of the one
 * database that holds them all, the conformed transform is built there by `CREATE TABLE … AS`
 * (one REPEATABLE READ snapshot with the watermarks it advances to), the checks run there, and
 * only for publishing is the candidate exported as Parquet, by a streamed COPY into DuckDB.
 */
import { createReadStream, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { InputError, UnavailableError } from '../../core/errors.js';
import { describeHost, resolveEnvRefs } from '../../core/resolve-env.js';
import { planConform } from '../../engine/conform-schema.js';
import { openEngine } from '../../engine/duckdb-engine.js';
import { openPostgresEngine, postgresCastType, type PostgresEngine } from '../../engine/postgres-engine.js';
import { countNulls } from '../../engine/quality-checks.js';
import { assertOneSelect } from '../../engine/sql-statement.js';
import { duckdbType, quoteIdent, quoteLiteral, stripTrailingSemicolon } from '../../engine/sql-text.js';
import type { InputSpec } from '../../descriptor/data-product-schema.js';
import { connectPostgresStream, pgCastForOid, sourceTimeoutMs } from '../extract/extract-postgres.js';
import { connectError, queryError } from '../extract/source-errors.js';
import { rewriteLastRun } from '../last-run-param.js';
import { isIncremental, recordInput, type RunContext } from '../run-context.js';
import { extractContextOf } from './duckdb-run-engine.js';
import { transformLabel, type RunEngine } from './run-engine.js';

const DESCRIBE_PREFIX = 'SELECT * FROM (\n';

export function postgresRunEngine(): RunEngine {
  let opened: PostgresEngine | undefined;
  const numericWatermarks = new Set<string>();
  const engine = (): PostgresEngine => {
    if (!opened) throw new Error('the postgres engine is not open');
    return opened;
  };
  return {
    kind: 'postgres',
    async stageInputs(ctx) {
      opened = await connect(ctx);
      for (const input of ctx.product.spec.inputs)
        if ((await stageInput(ctx, opened, input)) === 'numeric') numericWatermarks.add(input.name);
      return 0;
    },
    buildCandidate: (ctx, sql) => buildCandidate(ctx, engine(), sql, numericWatermarks),
    async countNulls(ctx, names) {
      ctx.stats = new Map();
      return countNulls(engine().checks, names, ctx.stats);
    },
    checkEngine: async () => engine().checks,
    exportCandidate: (ctx) => exportCandidate(ctx, engine()),
    builtIn: (ctx) => ({
      url: resolveEnvRefs(connectionOf(ctx), ctx.env, 'the postgres engine: the connection'),
      table: `${engine().schema}.snapshot`,
    }),
  };
}

/** The connection every input shares (validate refuses anything else), resolved in the run's environment. */
function connectionOf(ctx: RunContext): string {
  const inputs = ctx.product.spec.inputs;
  const spec = inputs[0]?.source?.connection;
  if (!spec || inputs.some((i) => i.source?.type !== 'postgres' || i.source.connection !== spec))
    throw new InputError(
      'engine: postgres needs every input to be a postgres source on the same connection (the transform runs in that one database)',
    );
  return spec;
}

async function connect(ctx: RunContext): Promise<PostgresEngine> {
  const what = 'the postgres engine';
  const url = resolveEnvRefs(connectionOf(ctx), ctx.env, `${what}: the connection`);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw connectError(error, what, 'PostgreSQL', describeHost(url), url);
  }
  try {
    // Each statement (the build, a check) is cut off like a source's: MESH_SOURCE_TIMEOUT_MS.
    await client.query(`SET statement_timeout = ${sourceTimeoutMs(ctx.env)}`);
    const engine = await openPostgresEngine(client, ctx.runId);
    // The staging schema goes with the run, whatever happened; a failed run leaves the last good snapshot alone.
    ctx.closers.push(async () => {
      await engine.close();
      await client.end().catch(() => undefined);
    });
    return engine;
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
}

/** The input as a view over its query, with :last_run bound to the last publication's watermark. */
async function stageInput(ctx: RunContext, engine: PostgresEngine, input: InputSpec): Promise<string> {
  const src = input.source!;
  const what = `input ${input.name}`;
  const userQuery = stripTrailingSemicolon(src.query ?? '');
  const probe = rewriteLastRun(userQuery, 'NULL');
  let fields: pg.FieldDef[];
  try {
    const text = `${DESCRIBE_PREFIX}${probe.text}\n) AS mesh_source LIMIT 0`;
    fields = (await engine.query(text)).fields;
  } catch (error) {
    if (error instanceof UnavailableError) throw error; // a foreign server down: not the query's fault
    const pos = (error as { position?: string }).position;
    const offset = pos === undefined ? undefined : probe.originalOffset(Number(pos) - 1 - DESCRIBE_PREFIX.length);
    throw queryError(error, what, 'PostgreSQL', userQuery, '', offset);
  }
  const watermark = src.watermark ? fields.find((f) => f.name === src.watermark) : undefined;
  if (src.watermark && !watermark)
    throw new InputError(
      `${what}: the watermark column "${src.watermark}" is not in the query's result (columns: ${fields.map((f) => f.name).join(', ')})`,
    );
  const { cast, initial } = pgCastForOid(watermark?.dataTypeID);
  const setting = `mesh.last_run_${input.name}`;
  const query = rewriteLastRun(userQuery, `current_setting(${quoteLiteral(setting)})::${cast}`);
  if (query.usesLastRun) {
    const lastRun = isIncremental(input) ? ctx.lastRuns.get(input.name) : undefined;
    await engine.query(`SELECT set_config($1, $2, false)`, [setting, String(lastRun ?? initial)]);
  }
  await engine.stageView(input.name, `SELECT * FROM (\n${query.text}\n) AS mesh_source`);
  return cast;
}

/**
 * `CREATE TABLE snapshot AS` the conformed transform, in one REPEATABLE READ transaction with
 * the watermarks (and the input row counts a row_count_vs_source check needs), so rows
 * committed meanwhile are neither missed by the next run nor counted twice.
 */
async function buildCandidate(
  ctx: RunContext,
  engine: PostgresEngine,
  sql: string,
  numericWatermarks: ReadonlySet<string>,
): Promise<number> {
  const { product } = ctx;
  await assertOneSelect(sql, 'the transform');
  if (ctx.previous && product.spec.inputs.some(isIncremental)) await stagePrevious(ctx, engine);
  const columns = await engine.describe(sql, transformLabel(product));
  const conform = planConform(columns, product.spec.schema.columns, postgresCastType);
  if (conform.problems.length > 0)
    throw new InputError(`the transform result does not match spec.schema: ${conform.problems.join('; ')}`);
  const shaped = conform.identity ? sql : `SELECT ${conform.selectList} FROM (\n${sql}\n) AS mesh_transform`;
  const merge = Boolean(ctx.previous && product.spec.inputs.some(isIncremental));
  await engine.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  try {
    const produced = merge ? await buildMerged(ctx, engine, shaped) : await engine.build(shaped);
    for (const input of product.spec.inputs)
      recordInput(ctx, input, await inputRecord(ctx, engine, input, numericWatermarks));
    await engine.query('COMMIT');
    ctx.rowsOut = merge ? Number((await engine.query('SELECT count(*) AS n FROM snapshot')).rows[0].n) : produced;
    return produced;
  } catch (error) {
    await engine.query('ROLLBACK').catch(() => undefined);
    // A failure while the rows are computed (a division by zero, a cast): the transform's, as PostgreSQL says it.
    if ((error as { severity?: string }).severity)
      throw new InputError(`${transformLabel(product)}: ${(error as Error).message}`);
    throw error;
  }
}

/** Rows counted only when a check compares with them (counting is a scan of the whole input). */
async function inputRecord(
  ctx: RunContext,
  engine: PostgresEngine,
  input: InputSpec,
  numericWatermarks: ReadonlySet<string>,
) {
  const wm = input.source?.watermark;
  const counted = (ctx.product.spec.quality?.checks ?? []).some((c) => c.type === 'row_count_vs_source');
  // An incremental input's new rows are few (and recorded as on the other engine).
  const count = counted || isIncremental(input);
  if (!count) return { kind: 'postgres', rows: 0 };
  const parts = ['count(*) AS n'];
  if (wm) parts.push(`max(${quoteIdent(wm)})::text AS wm`);
  const { rows } = await engine.query(`SELECT ${parts.join(', ')} FROM ${engine.schema}.${quoteIdent(input.name)}`);
  const value = rows[0].wm as string | null | undefined;
  const watermark = value == null ? null : numericWatermarks.has(input.name) ? Number(value) : value;
  return { kind: 'postgres', rows: Number(rows[0].n), ...(wm ? { watermark } : {}) };
}

/**
 * The previous snapshot as the table `mesh_previous`, for an incremental merge: its parquet
 * file, read by DuckDB and COPYed in (the one case where rows travel through the platform).
 */
async function stagePrevious(ctx: RunContext, engine: PostgresEngine): Promise<void> {
  const columns = ctx.product.spec.schema.columns;
  const csv = join(ctx.stagingDir, 'mesh_previous.csv');
  const duck = await openEngine({ workDir: scratch(ctx, 'previous') });
  try {
    await duck.connection.run(
      `COPY (SELECT * FROM read_parquet(${quoteLiteral(ctx.previous!.file)})) TO ${quoteLiteral(csv)} (FORMAT csv, HEADER false)`,
    );
  } finally {
    duck.close();
  }
  const list = columns.map((c) => `${quoteIdent(c.name)} ${postgresCastType(c.type)}`).join(', ');
  await engine.query(`CREATE TABLE ${engine.schema}.mesh_previous (${list})`);
  await engine.copyIn(`COPY ${engine.schema}.mesh_previous FROM STDIN WITH (FORMAT csv)`, createReadStream(csv));
  await rm(csv, { force: true });
}

/** The new rows, then the previous snapshot's rows they do not replace (by primary key when there is one). */
async function buildMerged(ctx: RunContext, engine: PostgresEngine, shaped: string): Promise<number> {
  const produced = (await engine.query(`CREATE TABLE ${engine.schema}.mesh_new AS ${shaped}`)).rowCount ?? 0;
  const pk = ctx.product.spec.schema.primaryKey;
  const keep = pk?.length
    ? `SELECT p.* FROM mesh_previous AS p WHERE NOT EXISTS (SELECT 1 FROM mesh_new AS n WHERE ${pk.map((k) => `n.${quoteIdent(k)} IS NOT DISTINCT FROM p.${quoteIdent(k)}`).join(' AND ')})`
    : 'SELECT * FROM mesh_previous';
  await engine.build(`SELECT * FROM mesh_new UNION ALL ${keep}`);
  return produced;
}

/**
 * The candidate as `ctx.candidate`: `COPY (SELECT * FROM snapshot) TO STDOUT` streamed into
 * DuckDB through a FIFO (the extract path's), written as parquet in the declared types.
 */
async function exportCandidate(ctx: RunContext, engine: PostgresEngine): Promise<void> {
  mkdirSync(ctx.candidateDir, { recursive: true });
  const input: InputSpec = {
    name: 'mesh_snapshot',
    source: { type: 'postgres', connection: connectionOf(ctx), query: `SELECT * FROM ${engine.schema}.snapshot` },
  };
  const duck = await openEngine({ workDir: scratch(ctx, 'export') });
  ctx.closers.push(async () => duck.close());
  const pending = await connectPostgresStream({ ...extractContextOf(ctx, input), lastRun: undefined });
  const stream = await pending.attach(duck);
  const select = ctx.product.spec.schema.columns
    .map((c) => `CAST(${quoteIdent(c.name)} AS ${duckdbType(c.type)}) AS ${quoteIdent(c.name)}`)
    .join(', ');
  try {
    await stream.feedWhile(() =>
      duck.connection.run(
        `COPY (SELECT ${select} FROM mesh_snapshot) TO ${quoteLiteral(ctx.candidate)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
      ),
    );
  } finally {
    await stream.close();
  }
}

/** A scratch folder of the run's. */
function scratch(ctx: RunContext, name: string): string {
  const dir = join(ctx.workRoot, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
