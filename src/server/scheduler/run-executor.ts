/**
 * The seam between scheduling and the pipeline runner: the scheduler decides when a product
 * runs and retries; the executor runs it (platformRunExecutor: the real runner, through the
 * platform, so scheduled runs record history, emit events and lineage like manual ones).
 */
import type { RunProductRequest } from '../../platform/mesh-api.js';
import { alreadyRanIn } from '../../registry/operations/runs/start-run.js';
import type { RunLockOptions } from '../../runner/run-pipeline.js';
import type { RunOutcome as PipelineOutcome } from '../../runner/run-outcome.js';

export interface RunTrigger {
  readonly reason: 'schedule' | 'manual';
  /** The cron instant this run is for (ISO, whole minute on PostgreSQL); identifies the run across retries. */
  readonly scheduledAt?: string;
  /** 1 for the first attempt. */
  readonly attempt?: number;
  /** How the run meets a live lock of its product and judges its holder (the queue: wait a lease, its own dead-after). */
  readonly lock?: Pick<RunLockOptions, 'lockWaitMs' | 'workerDeadAfterMs'>;
}

export interface RunOutcome {
  readonly status: 'succeeded' | 'failed';
  readonly runId?: string;
  readonly error?: string;
}

export type RunExecutor = (productId: string, trigger: RunTrigger) => Promise<RunOutcome>;

/** Runs products with the platform's runner. */
export function platformRunExecutor(
  platform: {
    runProduct(
      ref: string,
      options?: RunProductRequest & RunLockOptions & { env?: NodeJS.ProcessEnv },
    ): Promise<PipelineOutcome>;
  },
  env: NodeJS.ProcessEnv = process.env,
): RunExecutor {
  return async (productId, trigger) => {
    try {
      const outcome = await platform.runProduct(productId, {
        trigger: trigger.reason === 'schedule' ? 'schedule' : 'manual',
        env,
        scheduledAt: trigger.reason === 'schedule' ? trigger.scheduledAt : undefined,
        ...trigger.lock,
      });
      return { status: outcome.status, runId: outcome.runId, error: outcome.error ?? undefined };
    } catch (e) {
      // The instant already ran (its first worker died after the commit): the job is done.
      const ran = alreadyRanIn(e);
      if (ran) return { status: 'succeeded', runId: ran };
      throw e;
    }
  };
}
