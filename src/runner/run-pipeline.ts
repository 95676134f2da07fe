/**
 * One pipeline run: extract → transform → conform → audit → publish, each step timed and
 * recorded. Any failure ends the run as a recorded failed run (never a half publication):
 * nothing becomes visible before every port has prepared, and the watermark only moves
 * together with the publication, in the same registry transaction.
 *
 * The steps share a run context (run-context.ts); each is one module in steps/.
 */
import { mkdirSync, rmSync } from 'node:fs';
import type { InputSpec } from '../descriptor/data-product-schema.js';
import { readCurrentSnapshot } from '../ports/warehouse.js';
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
import { auditStep } from './steps/audit-step.js';
import { conformStep } from './steps/conform-step.js';
import { extractStep } from './steps/extract-step.js';
import { publishStep } from './steps/publish-step.js';
import { recordRun, runOutcomeOf } from './steps/record-step.js';
import { transformSqlOf, transformStep } from './steps/transform-step.js';

export { newRunId, type PipelineDefinition, type RunPipelineOptions } from './run-context.js';

export async function runPipeline(def: PipelineDefinition, options: RunPipelineOptions): Promise<RunOutcome> {
  const ctx = createRunContext(def, options);
  await beginRun(ctx);
  if (!ctx.dryRun) prepareWorkDir(ctx.config.warehouseDir, def.productId, ctx.runId);
  const renew = ctx.registry
    ? setInterval(
        () => void renewRunLock(ctx.registry!, def.productId, ctx.runId, ctx.leaseMs).catch(() => undefined),
        Math.max(1000, ctx.leaseMs / 3),
      )
    : undefined;
  renew?.unref();
  try {
    mkdirSync(ctx.stagingDir, { recursive: true });
    ctx.previous = ctx.dryRun ? undefined : readCurrentSnapshot(ctx.config.warehouseDir, def.productId, def.major);
    if (ctx.registry) ctx.lastRuns = await getWatermarks(ctx.registry, def.productId, def.major);
    const sql = transformSqlOf(def);
    await extractStep(ctx, sql);
    await transformStep(ctx, sql);
    await conformStep(ctx);
    await auditStep(ctx);
    await publishStep(ctx);
  } catch (e) {
    // The one place the run's error is recorded: no resolved value gets past it.
    ctx.error = ctx.scrub(messageOf(e));
  } finally {
    if (renew) clearInterval(renew);
    await releaseResources(ctx);
  }
  const outcome = runOutcomeOf(ctx);
  await recordRun(ctx, outcome);
  if (outcome.status === 'succeeded') ctx.observer.onComplete?.(outcome);
  else ctx.observer.onFail?.(outcome);
  return outcome;
}

/** Records the run as started (recorded runs take the product's run lock there) and tells the observer. */
async function beginRun(ctx: RunContext): Promise<void> {
  const { def, product } = ctx;
  if (ctx.registry) {
    await startRun(ctx.registry, {
      id: ctx.runId,
      productId: def.productId,
      version: def.version,
      trigger: ctx.trigger,
      actor: ctx.config.actor,
      startedAt: ctx.startedAt,
      leaseMs: ctx.leaseMs,
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
