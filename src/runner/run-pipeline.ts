/**
 * One pipeline run: extract → transform → conform → audit → publish, each step timed and
 * recorded. Any failure ends the run as a recorded failed run (never a half publication).
 * The registry transaction that records the run is the commit point: the run's success, its
 * snapshot as the product's current one and its watermarks change together; nothing is
 * visible before it (ports prepare and stage first), and the ports follow it after.
 *
 * The steps share a run context (run-context.ts); each is one module in steps/.
 */
import { mkdirSync, rmSync } from 'node:fs';
import type { InputSpec } from '../descriptor/data-product-schema.js';
import { repairCurrentPointer } from '../ports/parquet-port.js';
import { getWatermarks } from '../registry/operations/runs/get-watermarks.js';
import { renewRunLock } from '../registry/operations/runs/run-lock.js';
import { startRun } from '../registry/operations/runs/start-run.js';
import {
  createRunContext,
  messageOf,
  type PipelineDefinition,
  type RunContext,
  type RunPipelineOptions,
} from './run-context.js';
import type { RunOutcome } from './run-outcome.js';
import { prepareWorkDir } from './work-dir.js';
import { selectRunEngine } from './engines/select-run-engine.js';
import { auditStep } from './steps/audit-step.js';
import { conformStep } from './steps/conform-step.js';
import { extractStep } from './steps/extract-step.js';
import { abortPublication, completePublication, publishStep } from './steps/publish-step.js';
import { recordCompletion, recordRun, runOutcomeOf } from './steps/record-step.js';
import { killPoint } from './test-kill-point.js';
import { transformSqlOf, transformStep } from './steps/transform-step.js';

export { newRunId, type PipelineDefinition, type RunLockOptions, type RunPipelineOptions } from './run-context.js';

export async function runPipeline(def: PipelineDefinition, options: RunPipelineOptions): Promise<RunOutcome> {
  const ctx = createRunContext(def, options);
  await beginRun(ctx);
  const renew = ctx.registry
    ? setInterval(
        () => void renewRunLock(ctx.registry!, def.productId, ctx.runId, ctx.leaseMs).catch(() => undefined),
        Math.max(1000, ctx.leaseMs / 3),
      )
    : undefined;
  renew?.unref();
  let outcome: RunOutcome;
  try {
    await runSteps(ctx);
    outcome = await commitRun(ctx);
  } finally {
    if (renew) clearInterval(renew);
    await releaseResources(ctx);
  }
  if (outcome.status === 'succeeded') ctx.observer.onComplete?.(outcome);
  else ctx.observer.onFail?.(outcome);
  return outcome;
}

/** extract → transform → conform → audit → publish (prepared and staged); a failure is the run's error. */
async function runSteps(ctx: RunContext): Promise<void> {
  const { def } = ctx;
  try {
    // Inside the recorded run: a warehouse that cannot be written fails the run, which frees its lock.
    if (ctx.registry) {
      await ctx.store.checkWritable();
      prepareWorkDir(ctx.config.home, def.productId, ctx.runId);
    }
    mkdirSync(ctx.stagingDir, { recursive: true });
    if (!ctx.dryRun) {
      ctx.previous = await ctx.resolveSnapshot(def.productId, def.major);
      await repairCurrentPointer(ctx.store, def.productId, def.major, ctx.previous);
    }
    if (ctx.registry) ctx.lastRuns = await getWatermarks(ctx.registry, def.productId, def.major);
    ctx.runEngine = selectRunEngine(def.product);
    const sql = transformSqlOf(def);
    await extractStep(ctx, sql);
    killPoint(ctx.env, 'after-extract');
    await transformStep(ctx, sql);
    killPoint(ctx.env, 'after-transform');
    await conformStep(ctx);
    killPoint(ctx.env, 'after-conform');
    await auditStep(ctx);
    killPoint(ctx.env, 'after-audit');
    await publishStep(ctx);
  } catch (e) {
    // The one place the run's error is recorded: no resolved value gets past it.
    ctx.error = ctx.scrub(messageOf(e));
  }
}

/**
 * The commit point: the registry transaction records the run (success, snapshot, current
 * pointer, watermarks) or its failure; only then do the ports follow a publication.
 */
async function commitRun(ctx: RunContext): Promise<RunOutcome> {
  if (ctx.error) await abortPublication(ctx.pending.splice(0));
  const outcome = runOutcomeOf(ctx);
  try {
    await recordRun(ctx, outcome);
  } catch (e) {
    // Not committed (or not known to be): the SQL swap is rolled back; the snapshot folder is
    // left for the next run, which removes it unless the registry recorded it.
    await abortPublication(ctx.pending.splice(0).filter((p) => p.port !== 'parquet'));
    throw e;
  }
  if (!ctx.registry || outcome.status !== 'succeeded' || !ctx.snapshot) return outcome;
  killPoint(ctx.env, 'after-commit');
  await completePublication(ctx);
  return recordCompletion(ctx, outcome);
}

/** Records the run as started (recorded runs take the product's run lock there) and tells the observer. */
async function beginRun(ctx: RunContext): Promise<void> {
  const { def, product } = ctx;
  if (ctx.registry) {
    ctx.startedAt = await startRun(ctx.registry, {
      id: ctx.runId,
      productId: def.productId,
      version: def.version,
      trigger: ctx.trigger,
      actor: ctx.config.actor,
      startedAt: ctx.startedAt,
      leaseMs: ctx.leaseMs,
      waitMs: ctx.lock.lockWaitMs,
      deadAfterMs: ctx.lock.workerDeadAfterMs,
      scheduledAt: ctx.lock.scheduledAt,
    });
  }
  ctx.observer.onStart?.({
    runId: ctx.runId,
    product: def.productId,
    version: def.version,
    trigger: ctx.trigger,
    dryRun: ctx.dryRun,
    startedAt: ctx.startedAt,
    inputs: product.spec.inputs.map((i) => ({
      name: i.name,
      kind: inputKind(i),
      ref: i.product ?? i.source?.path ?? i.source?.type ?? '',
    })),
    outputPorts: product.spec.outputPorts.map((p) => ({ name: p.name, type: p.type })),
  });
  if (ctx.registry) killPoint(ctx.env, 'after-start');
}

async function releaseResources(ctx: RunContext): Promise<void> {
  for (const close of ctx.closers) await close().catch(() => undefined);
  try {
    ctx.engine?.close();
  } catch {
    /* closing a failed engine must not hide the run's own error */
  }
  rmSync(ctx.workRoot, { recursive: true, force: true });
}

function inputKind(input: InputSpec): string {
  return input.product ? 'product' : (input.source?.type ?? 'unknown');
}
