import type { Registry } from '../../registry.js';
import type { RunRecord, RunStatus } from './run-records.js';

export async function listRuns(
  registry: Registry,
  productId: string,
  options: { limit?: number } = {},
): Promise<RunRecord[]> {
  const rows = await registry.db
    .selectFrom('pipeline_runs')
    .selectAll()
    .where('product_id', '=', productId)
    .orderBy('started_at', 'desc')
    .orderBy('id', 'desc')
    .limit(Math.min(options.limit ?? 20, 1000))
    .execute();
  return rows.map((r) => ({
    id: r.id,
    product: r.product_id,
    version: r.version,
    trigger: r.trigger,
    status: r.status as RunStatus,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    snapshotId: r.snapshot_id,
    rowsOut: r.rows_out === null ? null : Number(r.rows_out),
    steps: JSON.parse(r.steps),
    inputs: JSON.parse(r.inputs),
    error: r.error,
    actor: r.actor,
    ...(r.scheduled_at ? { scheduledAt: r.scheduled_at } : {}),
  }));
}
