/**
 * Record and finish: the run's outcome as the CLI and API return it, and (recorded runs) one
 * registry transaction with its status, steps, checks, snapshot, current-snapshot pointer,
 * watermarks and events — the commit point of a publication. A publishing run's ports follow
 * it (publish-step.ts completePublication), then `recordCompletion` adds their warnings and
 * releases the lock.
 */
import { nowIso } from '../../core/clock.js';
import type { NewEvent } from '../../registry/operations/events/append-event.js';
import { completeRun, finishRun } from '../../registry/operations/runs/finish-run.js';
import type { CheckResultRecord, RunInputRecord } from '../../registry/operations/runs/run-records.js';
import type { RunContext } from '../run-context.js';
import type { RunOutcome } from '../run-outcome.js';

export function runOutcomeOf(ctx: RunContext): RunOutcome {
  const { def, runId } = ctx;
  const inputs: RunInputRecord[] = [];
  for (const input of ctx.product.spec.inputs) {
    const record = ctx.inputRecords.get(input.name);
    if (record) inputs.push(record);
  }
  const finishedAt = nowIso();
  const status = ctx.error ? 'failed' : 'succeeded';
  const checks: CheckResultRecord[] = ctx.checks.map((c) => ({
    ...c,
    message: ctx.scrub(c.message),
    runId,
    product: def.productId,
    time: finishedAt,
  }));
  annotatePublishStep(ctx);
  return {
    runId,
    product: def.productId,
    version: def.version,
    trigger: ctx.trigger,
    dryRun: ctx.dryRun,
    status,
    startedAt: ctx.startedAt,
    finishedAt,
    snapshotId: ctx.snapshot?.id ?? null,
    rowsOut: ctx.rowsOut,
    steps: ctx.steps,
    inputs,
    checks,
    ports: ctx.ports,
    error: ctx.error,
  };
}

/** The publish step carries the ports' warnings and notes, so `mesh runs` shows them beside the step they concern. */
function annotatePublishStep(ctx: RunContext): void {
  const publishStep = ctx.steps.findIndex((s) => s.name === 'publish');
  if (publishStep >= 0 && (ctx.portWarnings.length || ctx.publishNote)) {
    ctx.steps[publishStep] = {
      ...ctx.steps[publishStep],
      ...(ctx.portWarnings.length ? { error: ctx.portWarnings.join('; ') } : {}),
      ...(ctx.publishNote ? { note: ctx.publishNote } : {}),
    };
  }
}

/** The commit point (recorded runs): one registry transaction; a publishing run keeps its lock until its ports followed. */
export async function recordRun(ctx: RunContext, outcome: RunOutcome): Promise<void> {
  const { registry, def } = ctx;
  if (!registry) return;
  const { status } = outcome;
  const publishing = status === 'succeeded' && ctx.snapshot !== undefined;
  await finishRun(registry, {
    id: ctx.runId,
    productId: def.productId,
    major: def.major,
    status,
    steps: outcome.steps,
    inputs: outcome.inputs,
    rowsOut: outcome.rowsOut,
    error: outcome.error,
    checks: outcome.checks,
    snapshot: status === 'succeeded' ? ctx.snapshot : undefined,
    watermarks: status === 'succeeded' ? ctx.watermarks : undefined,
    events: runEvents(ctx, outcome),
    keepLock: publishing,
  });
}

/** After the ports followed the commit: their warnings (steps and `port.failed` events), and the lock released. */
export async function recordCompletion(ctx: RunContext, outcome: RunOutcome): Promise<RunOutcome> {
  const { registry, def, runId, config } = ctx;
  annotatePublishStep(ctx);
  const completed = { ...outcome, steps: ctx.steps };
  if (!registry) return completed;
  const subject = def.successor ? `${def.productId}@${def.major}` : def.productId;
  await completeRun(registry, {
    id: runId,
    productId: def.productId,
    steps: ctx.portWarnings.length ? ctx.steps : undefined,
    events: ctx.portWarnings.map((message) => ({
      type: 'port.failed',
      subject,
      actor: config.actor,
      data: { runId, snapshotId: outcome.snapshotId, message },
    })),
  });
  return completed;
}

function runEvents(ctx: RunContext, outcome: RunOutcome): NewEvent[] {
  const { def, runId, config } = ctx;
  const subject = def.successor ? `${def.productId}@${def.major}` : def.productId;
  const { status, rowsOut, snapshotId, finishedAt, error } = outcome;
  return [
    {
      type: status === 'succeeded' ? 'run.succeeded' : 'run.failed',
      subject,
      actor: config.actor,
      data: { runId, version: def.version, trigger: ctx.trigger, rowsOut, snapshotId, finishedAt, error },
    },
    ...outcome.checks
      .filter((c) => c.status === 'fail')
      .map((c) => ({
        type: 'check.failed',
        subject,
        actor: config.actor,
        data: { runId, check: c.name, severity: c.severity, message: c.message },
      })),
  ];
}
