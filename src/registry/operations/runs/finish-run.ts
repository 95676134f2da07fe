import { nowIso, writeTransaction, type Registry } from '../../registry.js';
import { appendEvent, type NewEvent } from '../events/append-event.js';
import type { CheckResultRecord, RunInputRecord, RunStepRecord, SnapshotRecord } from './run-records.js';
import { ConflictError } from '../../../core/errors.js';
import { holdsRunLock, releaseRunLock } from './run-lock.js';
import { setCurrentSnapshot } from './current-snapshot.js';

export interface FinishedRun {
  readonly id: string;
  readonly productId: string;
  /** The major the run published (watermarks are kept per major). */
  readonly major: number;
  readonly status: 'succeeded' | 'failed';
  readonly steps: readonly RunStepRecord[];
  readonly inputs: readonly RunInputRecord[];
  readonly rowsOut: number | null;
  readonly error: string | null;
  readonly checks: readonly CheckResultRecord[];
  /** Present when the run published: the snapshot and the watermarks it advances to. */
  readonly snapshot?: SnapshotRecord;
  readonly watermarks?: ReadonlyArray<{ input: string; value: string | number }>;
  readonly events: readonly NewEvent[];
  /**
   * Keep the run lock after the commit (a publishing run: its ports follow the commit, then
   * `completeRun` releases it).
   */
  readonly keepLock?: boolean;
}

/**
 * Records the end of a run in one transaction: its status, steps and check results, the
 * snapshot, the product's current-snapshot pointer and the advanced watermarks (only when it
 * published), its events, and releases the lock. This transaction is the commit point of a
 * publication: readers resolve "current" through the pointer, so the run's success, the data
 * served and the watermark change together or not at all. A run that no longer holds its lock
 * (its worker was declared dead and the run taken over) commits nothing: ConflictError.
 */
export async function finishRun(registry: Registry, run: FinishedRun): Promise<void> {
  const now = nowIso();
  await writeTransaction(registry, async (tx) => {
    if (!(await holdsRunLock(tx, run.productId, run.id)))
      throw new ConflictError(
        `run ${run.id} of ${run.productId} lost its run lock (its worker was declared dead): nothing recorded`,
        { details: { product: run.productId, runId: run.id } },
      );
    await tx
      .updateTable('pipeline_runs')
      .set({
        status: run.status,
        finished_at: now,
        steps: JSON.stringify(run.steps),
        inputs: JSON.stringify(run.inputs),
        rows_out: run.rowsOut,
        error: run.error,
        snapshot_id: run.status === 'succeeded' ? (run.snapshot?.id ?? null) : null,
      })
      .where('id', '=', run.id)
      .execute();
    if (run.checks.length > 0) {
      await tx
        .insertInto('check_results')
        .values(
          run.checks.map((c) => ({
            run_id: run.id,
            product_id: run.productId,
            position: c.position,
            name: c.name,
            type: c.type,
            severity: c.severity,
            status: c.status,
            observed: c.observed === undefined ? null : JSON.stringify(c.observed),
            threshold: c.threshold === undefined ? null : JSON.stringify(c.threshold),
            message: c.message,
            samples: c.samples ? JSON.stringify(c.samples) : null,
            time: c.time,
          })),
        )
        .execute();
    }
    if (run.snapshot && run.status === 'succeeded') {
      const s = run.snapshot;
      await tx
        .insertInto('snapshots')
        .values({
          id: s.id,
          product_id: s.product,
          version: s.version,
          run_id: s.runId,
          rows: s.rows,
          ports: JSON.stringify(s.ports),
          published_at: s.publishedAt,
        })
        .execute();
      await setCurrentSnapshot(tx, run.productId, run.major, {
        snapshotId: s.id,
        version: s.version,
        runId: s.runId,
        rows: s.rows,
        publishedAt: s.publishedAt,
      });
      for (const w of run.watermarks ?? []) {
        await tx
          .insertInto('watermarks_by_major')
          .values({
            product_id: run.productId,
            major: run.major,
            input_name: w.input,
            value: JSON.stringify(w.value),
            run_id: run.id,
            updated_at: now,
          })
          .onConflict((oc) =>
            oc
              .columns(['product_id', 'major', 'input_name'])
              .doUpdateSet({ value: JSON.stringify(w.value), run_id: run.id, updated_at: now }),
          )
          .execute();
      }
    }
    for (const event of run.events) await appendEvent(tx, event);
    if (!run.keepLock) await releaseRunLock(tx, run.productId, run.id);
  });
}

/**
 * After a publishing run's ports followed its commit: the steps again when a port could not
 * follow (the publish step carries the warning), their events, and the lock released.
 */
export async function completeRun(
  registry: Registry,
  run: {
    readonly id: string;
    readonly productId: string;
    readonly steps?: readonly RunStepRecord[];
    readonly events: readonly NewEvent[];
  },
): Promise<void> {
  await writeTransaction(registry, async (tx) => {
    if (run.steps)
      await tx
        .updateTable('pipeline_runs')
        .set({ steps: JSON.stringify(run.steps) })
        .where('id', '=', run.id)
        .execute();
    for (const event of run.events) await appendEvent(tx, event);
    await releaseRunLock(tx, run.productId, run.id);
  });
}
