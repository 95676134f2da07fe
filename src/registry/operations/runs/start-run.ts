import { nowIso } from '../../../core/clock.js';
import { ConflictError } from '../../../core/errors.js';
import { writeTransaction, type Registry, type RegistryTx } from '../../registry.js';
import { acquireRunLock } from './run-lock.js';

export interface NewRun {
  readonly id: string;
  readonly productId: string;
  readonly version: string;
  readonly trigger: string;
  readonly actor: string;
  readonly startedAt: string;
  readonly leaseMs: number;
  /** A holder whose worker has been silent this long is dead (default: the queue's WORKER_DEAD_AFTER_MS). */
  readonly deadAfterMs?: number;
  /**
   * A live lock is waited for this long (polled until it is released or its holder is
   * declared dead) before the run is refused; 0 (the default) refuses at once.
   */
  readonly waitMs?: number;
  /** The cron instant a scheduled run is for: a second run for the same instant is refused (ConflictError, details.alreadyRan). */
  readonly scheduledAt?: string;
}

const POLL_MS = 500;

/**
 * Takes the product's lock and records the run as running, in one transaction; returns the
 * instant it started (later than `run.startedAt` when it waited for the lock, so two runs of
 * a product never overlap in the history).
 */
export async function startRun(registry: Registry, run: NewRun): Promise<string> {
  const deadline = Date.now() + (run.waitMs ?? 0);
  let startedAt = run.startedAt;
  for (;;) {
    try {
      await writeTransaction(registry, (tx) => recordStart(tx, run, startedAt));
      return startedAt;
    } catch (e) {
      if (!(e instanceof ConflictError) || alreadyRanIn(e) || Date.now() + POLL_MS > deadline) throw e;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    startedAt = nowIso();
  }
}

async function recordStart(tx: RegistryTx, run: NewRun, startedAt: string): Promise<void> {
  await acquireRunLock(tx, run.productId, run.id, {
    leaseMs: run.leaseMs,
    deadAfterMs: run.deadAfterMs,
    takenAt: startedAt,
  });
  if (run.scheduledAt) await refuseSecondRunOfInstant(tx, run.productId, run.scheduledAt);
  await tx
    .insertInto('pipeline_runs')
    .values({
      id: run.id,
      product_id: run.productId,
      version: run.version,
      trigger: run.trigger,
      status: 'running',
      started_at: startedAt,
      finished_at: null,
      snapshot_id: null,
      rows_out: null,
      steps: '[]',
      inputs: '[]',
      error: null,
      actor: run.actor,
      scheduled_at: run.scheduledAt ?? null,
    })
    .execute();
}

/**
 * A scheduled instant runs once: when a run for it already succeeded (a worker killed after
 * the commit, before the queue heard of it), the job is done. Checked under the lock, so no
 * run for the instant can commit in between.
 */
async function refuseSecondRunOfInstant(tx: RegistryTx, productId: string, scheduledAt: string): Promise<void> {
  const done = await tx
    .selectFrom('pipeline_runs')
    .select('id')
    .where('product_id', '=', productId)
    .where('scheduled_at', '=', scheduledAt)
    .where('status', '=', 'succeeded')
    .executeTakeFirst();
  if (done)
    throw new ConflictError(`${productId} already ran for ${scheduledAt} (run ${done.id})`, {
      details: { product: productId, alreadyRan: done.id, scheduledAt },
    });
}

/** The run that already covered the instant, when `error` is startRun's refusal of a second one. */
export function alreadyRanIn(error: unknown): string | undefined {
  if (!(error instanceof ConflictError)) return undefined;
  const details = error.details as { alreadyRan?: unknown } | undefined;
  return typeof details?.alreadyRan === 'string' ? details.alreadyRan : undefined;
}
