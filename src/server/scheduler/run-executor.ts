/**
 * The seam between scheduling and the pipeline runner: the scheduler decides when a product
 * runs and retries; the executor runs it (platformRunExecutor: the real runner, through the
 * platform, so scheduled runs record history, emit events and lineage like manual ones).
 */
import type { RunProductRequest } from '../../platform/mesh-api.js';
import type { RunOutcome as PipelineOutcome } from '../../runner/run-outcome.js';

export interface RunTrigger {
  readonly reason: 'schedule' | 'manual';
  /** The cron instant this run is for (ISO, whole minute on PostgreSQL); identifies the run across retries. */
  readonly scheduledAt?: string;
  /** 1 for the first attempt. */
  readonly attempt?: number;
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
    runProduct(ref: string, options?: RunProductRequest & { env?: NodeJS.ProcessEnv }): Promise<PipelineOutcome>;
  },
  env: NodeJS.ProcessEnv = process.env,
): RunExecutor {
  return async (productId, trigger) => {
    const outcome = await platform.runProduct(productId, {
      trigger: trigger.reason === 'schedule' ? 'schedule' : 'manual',
      env,
    });
    return { status: outcome.status, runId: outcome.runId, error: outcome.error ?? undefined };
  };
}
