/**
 * The embedded engine (the default): every input is pulled into one DuckDB per run (staged, or
 * streamed through the transform when it reads one big PostgreSQL input once), the transform
 * writes the candidate parquet file, and the checks read that file in an audit engine of their own.
 */
import { mkdirSync } from 'node:fs';
import { InputError } from '../../core/errors.js';
import { duckdbCheckEngine } from '../../engine/check-engine.js';
import { planConform } from '../../engine/conform-schema.js';
import { openEngine, type Engine } from '../../engine/duckdb-engine.js';
import { countNulls } from '../../engine/quality-checks.js';
import { lockToRunFolder, openAuditEngine, stageSnapshotCopy } from '../../engine/sandbox.js';
import { readSnapshotStats } from '../../engine/snapshot-stats.js';
import { assertOneSelect } from '../../engine/sql-statement.js';
import { quoteIdent, quoteLiteral } from '../../engine/sql-text.js';
import { transformSqlError } from '../../engine/transform-sql-error.js';
import type { InputSpec } from '../../descriptor/data-product-schema.js';
import { extractFile } from '../extract/extract-file.js';
import { extractMysql } from '../extract/extract-mysql.js';
import { connectPostgresStream, extractPostgres, type StreamedInput } from '../extract/extract-postgres.js';
import { extractProduct } from '../extract/extract-product.js';
import type { ExtractContext, Extracted } from '../extract/extract-types.js';
import { engineOf, isIncremental, messageOf, recordInput, type RunContext } from '../run-context.js';
import { transformLabel, type RunEngine } from './run-engine.js';

export function duckdbRunEngine(): RunEngine {
  return {
    kind: 'duckdb',
    stageInputs,
    buildCandidate,
    async countNulls(ctx, names) {
      const engine = engineOf(ctx);
      const stats = await readSnapshotStats(engine, ctx.candidate, ctx.product.spec.schema.columns);
      ctx.stats = stats;
      return countNulls(engine, names, stats);
    },
    async checkEngine(ctx) {
      // A fresh engine, locked like the transform's, that keeps insertion order for sample rows.
      const auditEngine = await openAuditEngine(ctx.workRoot, ctx.candidate);
      ctx.closers.push(async () => auditEngine.close());
      return duckdbCheckEngine(auditEngine);
    },
    // The transform wrote the candidate file itself.
    exportCandidate: async () => undefined,
  };
}

/** The extract context of one input, for this run. */
export function extractContextOf(
  ctx: RunContext,
  input: InputSpec,
  streamInput?: InputSpec,
): Omit<ExtractContext, 'engine'> {
  return {
    input,
    table: input.name,
    workDir: ctx.stagingDir,
    env: ctx.env,
    baseDir: ctx.def.baseDir,
    registry: ctx.registry,
    resolveSnapshot: ctx.resolveSnapshot,
    lastRun: isIncremental(input) ? ctx.lastRuns.get(input.name) : undefined,
    tenancy: ctx.tenancy,
    inputGate: ctx.inputGate,
    consumer: { product: ctx.def.productId, domain: ctx.product.metadata.domain, major: ctx.def.major },
    dryRun: ctx.dryRun,
    // A streamed input's rows arrive while the transform runs.
    onRows: (rows) =>
      ctx.observer.onProgress?.({ step: input === streamInput ? 'transform' : 'extract', input: input.name, rows }),
  };
}

/**
 * One staged table per input, named as the transform refers to it. One big PostgreSQL input
 * the transform reads once is not staged but streamed during the transform (its rows arrive
 * through `ctx.withFeed`). Once inputs are staged, the engine's file access is locked to the
 * run's folder and the warehouse before any user SQL runs.
 */
async function stageInputs(ctx: RunContext, sql: string): Promise<number> {
  const { product } = ctx;
  const streamInput = product.spec.inputs.find((input) => canStream(input, sql, ctx.env));
  // The streamed input connects to its source while the engine starts; a failure there is the extract step's.
  const connecting = streamInput ? connectPostgresStream(extractContextOf(ctx, streamInput, streamInput)) : undefined;
  if (connecting)
    ctx.closers.push(() =>
      connecting.then(
        (pending) => pending.close(),
        () => undefined,
      ),
    );
  connecting?.catch(() => undefined);
  ctx.engine = await openEngine({ workDir: ctx.workRoot });
  const engine = ctx.engine;
  let streamed: { input: InputSpec; stream: StreamedInput } | undefined;
  let total = 0;
  for (const input of product.spec.inputs) {
    if (input === streamInput) {
      streamed = { input, stream: await (await connecting!).attach(engine) };
      continue;
    }
    const extracted = await extractInput({ ...extractContextOf(ctx, input, streamInput), engine });
    recordInput(ctx, input, extracted);
    if (!input.product) total += extracted.rows;
  }
  // Inputs are staged (or opened): user SQL runs next, confined to the run's own folder.
  const merge = ctx.previous && ctx.product.spec.inputs.some(isIncremental) ? ctx.previous : undefined;
  if (merge) ctx.mergeFile = stageSnapshotCopy(merge.file, ctx.stagingDir, 'mesh_previous');
  await lockToRunFolder(engineOf(ctx), ctx.workRoot);
  if (streamed) {
    const s = streamed;
    ctx.withFeed = async (work) => {
      const { result, fed } = await s.stream.feedWhile(work);
      recordInput(ctx, s.input, { kind: 'postgres', ...fed });
      return result;
    };
  }
  return total;
}

/** Streams a PostgreSQL input when the transform names it once (a FIFO can be read only once). */
function canStream(input: InputSpec, sql: string, env: NodeJS.ProcessEnv): boolean {
  if (env.MESH_STREAMED_EXTRACT === '0' || input.source?.type !== 'postgres' || process.platform === 'win32')
    return false;
  const name = input.name.replace(/[^a-z0-9_]/g, '');
  const refs = sql.match(new RegExp(`(?<![\\w.])"?${name}"?(?![\\w])`, 'gi')) ?? [];
  return refs.length === 1;
}

async function extractInput(ctx: ExtractContext): Promise<Extracted> {
  if (ctx.input.product) return extractProduct(ctx);
  switch (ctx.input.source?.type) {
    case 'postgres':
      return extractPostgres(ctx);
    case 'mysql':
      return extractMysql(ctx);
    case 'file':
      return extractFile(ctx);
    default:
      throw new InputError(`input ${ctx.input.name}: unknown source type ${ctx.input.source?.type}`);
  }
}

/**
 * The user's SQL (or the one input as is), conformed to the declared schema on the way to the
 * candidate parquet file. An incremental product merges the new rows with the previous
 * snapshot (by primary key when it has one). Leaves the `snapshot` view for the checks.
 */
async function buildCandidate(ctx: RunContext, sql: string): Promise<number> {
  const { product } = ctx;
  const engine = engineOf(ctx);
  mkdirSync(ctx.candidateDir, { recursive: true });
  const mergeFile = ctx.mergeFile;
  await assertOneSelect(sql, 'the transform');
  const columns = await describeTransform(engine, sql, transformLabel(product));
  const conform = planConform(columns, product.spec.schema.columns);
  if (conform.problems.length > 0)
    throw new InputError(`the transform result does not match spec.schema: ${conform.problems.join('; ')}`);
  // Skipping a no-op projection keeps the one-pass path as lean as a plain COPY.
  const shaped = conform.identity ? sql : `SELECT ${conform.selectList} FROM (\n${sql}\n) AS mesh_transform`;
  let produced: number | undefined;
  if (mergeFile) {
    await ctx.withFeed(() => engine.connection.run(`CREATE TABLE mesh_new AS ${shaped}`));
    produced = Number((await engine.rows('SELECT count(*) AS n FROM mesh_new'))[0].n);
    const pk = product.spec.schema.primaryKey;
    const keep = pk?.length
      ? `SELECT p.* FROM read_parquet(${quoteLiteral(mergeFile)}) AS p WHERE NOT EXISTS (SELECT 1 FROM mesh_new AS n WHERE ${pk.map((k) => `n.${quoteIdent(k)} IS NOT DISTINCT FROM p.${quoteIdent(k)}`).join(' AND ')})`
      : `SELECT * FROM read_parquet(${quoteLiteral(mergeFile)})`;
    await writeParquet(engine, `SELECT * FROM mesh_new UNION ALL BY NAME ${keep}`, ctx.candidate);
  } else {
    await ctx.withFeed(() => writeParquet(engine, shaped, ctx.candidate));
  }
  await engine.connection.run(`CREATE VIEW snapshot AS SELECT * FROM read_parquet(${quoteLiteral(ctx.candidate)})`);
  ctx.rowsOut = Number((await engine.rows('SELECT count(*) AS n FROM snapshot'))[0].n);
  return produced ?? ctx.rowsOut;
}

/** Binds the transform without running it: column names and types, or the engine's error with its position. */
async function describeTransform(
  engine: Engine,
  sql: string,
  file: string,
): Promise<Array<{ name: string; type: string }>> {
  try {
    const prepared = await engine.connection.prepare(sql);
    const columns: Array<{ name: string; type: string }> = [];
    for (let i = 0; i < prepared.columnCount; i++)
      columns.push({ name: prepared.columnName(i), type: String(prepared.columnType(i)) });
    return columns;
  } catch (error) {
    throw new InputError(transformSqlError(messageOf(error), sql, file));
  }
}

async function writeParquet(engine: Engine, query: string, file: string): Promise<void> {
  try {
    await engine.connection.run(
      `COPY (\n${query}\n) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
    );
  } catch (error) {
    throw new InputError(`writing the snapshot failed: ${messageOf(error)}`);
  }
}
