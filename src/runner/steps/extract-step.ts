/**
 * Extract: one staged table per input, named as the transform refers to it. One big
 * PostgreSQL input the transform reads once is not staged but streamed during the transform
 * (its rows arrive through `ctx.withFeed`). Once inputs are staged, the engine's file access
 * is locked to the run's folder and the warehouse before any user SQL runs.
 */
import { InputError } from '../../core/errors.js';
import { openEngine } from '../../engine/duckdb-engine.js';
import { lockToRunFolder, stageSnapshotCopy } from '../../engine/sandbox.js';
import type { InputSpec } from '../../descriptor/data-product-schema.js';
import { extractFile } from '../extract/extract-file.js';
import { extractMysql } from '../extract/extract-mysql.js';
import { connectPostgresStream, extractPostgres, type StreamedInput } from '../extract/extract-postgres.js';
import { extractProduct } from '../extract/extract-product.js';
import type { ExtractContext, Extracted } from '../extract/extract-types.js';
import { engineOf, isIncremental, recordInput, type RunContext } from '../run-context.js';
import { timedStep } from '../run-step.js';

export async function extractStep(ctx: RunContext, sql: string): Promise<void> {
  const { product } = ctx;
  const streamInput = product.spec.inputs.find((input) => canStream(input, sql, ctx.env));
  const contextOf = (input: InputSpec): Omit<ExtractContext, 'engine'> => ({
    input,
    table: input.name,
    workDir: ctx.stagingDir,
    env: ctx.env,
    baseDir: ctx.def.baseDir,
    warehouseDir: ctx.config.warehouseDir,
    registry: ctx.registry,
    resolveSnapshot: ctx.resolveSnapshot,
    lastRun: isIncremental(input) ? ctx.lastRuns.get(input.name) : undefined,
    tenancy: ctx.tenancy,
    inputGate: ctx.inputGate,
    consumer: { product: ctx.def.productId, domain: product.metadata.domain, major: ctx.def.major },
    dryRun: ctx.dryRun,
    // A streamed input's rows arrive while the transform runs.
    onRows: (rows) =>
      ctx.observer.onProgress?.({ step: input === streamInput ? 'transform' : 'extract', input: input.name, rows }),
  });
  // The streamed input connects to its source while the engine starts; a failure there is the extract step's.
  const connecting = streamInput ? connectPostgresStream(contextOf(streamInput)) : undefined;
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
  await timedStep(
    ctx,
    'extract',
    async () => {
      let total = 0;
      for (const input of product.spec.inputs) {
        if (input === streamInput) {
          streamed = { input, stream: await (await connecting!).attach(engine) };
          continue;
        }
        const extracted = await extractInput({ ...contextOf(input), engine });
        recordInput(ctx, input, extracted);
        if (!input.product) total += extracted.rows;
      }
      return total;
    },
    (n) => n,
  );
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
}

/** Rows read from the sources (product inputs excluded), for the row-count checks. */
export function sumRowsIn(ctx: RunContext): number {
  return ctx.product.spec.inputs
    .filter((i) => !i.product)
    .reduce((n, i) => n + (ctx.inputRecords.get(i.name)?.rowsIn ?? 0), 0);
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
