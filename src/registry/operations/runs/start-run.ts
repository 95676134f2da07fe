import { writeTransaction, type Registry } from '../../registry.js';
import { acquireRunLock } from './run-lock.js';

export interface NewRun {
  readonly id: string;
  readonly productId: string;
  readonly version: string;
  readonly trigger: string;
  readonly actor: string;
  readonly startedAt: string;
  readonly leaseMs: number;
}

/** Takes the product's lock and records the run as running, in one transaction. */
export async function startRun(registry: Registry, run: NewRun): Promise<void> {
  await writeTransaction(registry, async (tx) => {
    await acquireRunLock(tx, run.productId, run.id, run.leaseMs);
    await tx
      .insertInto('pipeline_runs')
      .values({
        id: run.id,
        product_id: run.productId,
        version: run.version,
        trigger: run.trigger,
        status: 'running',
        started_at: run.startedAt,
        finished_at: null,
        snapshot_id: null,
        rows_out: null,
        steps: '[]',
        inputs: '[]',
        error: null,
        actor: run.actor,
      })
      .execute();
  });
}
