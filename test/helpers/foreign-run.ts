/**
 * A run in progress as a runner on another machine leaves it in the registry: its run row
 * and its product's lock row naming that host and pid (and, optionally, that worker's
 * heartbeat in mesh_workers), for tests of how another host's lock is judged.
 */
import type { Registry } from '../../src/registry/registry.js';

export interface ForeignRun {
  readonly productId: string;
  readonly runId: string;
  readonly host: string;
  readonly pid: number;
  readonly leaseMs: number;
  /** When given, the worker beats in mesh_workers, last this long ago. */
  readonly heartbeatAgoMs?: number;
}

const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

export async function runOnAnotherHost(registry: Registry, run: ForeignRun): Promise<void> {
  await registry.db
    .insertInto('pipeline_runs')
    .values({
      id: run.runId,
      product_id: run.productId,
      version: '1.0.0',
      trigger: 'schedule',
      status: 'running',
      started_at: ago(1_000),
      finished_at: null,
      snapshot_id: null,
      rows_out: null,
      steps: '[]',
      inputs: '[]',
      error: null,
      actor: null,
    })
    .execute();
  await registry.db
    .insertInto('run_locks')
    .values({
      product_id: run.productId,
      run_id: run.runId,
      holder: JSON.stringify({ host: run.host, pid: run.pid }),
      acquired_at: ago(1_000),
      expires_at: new Date(Date.now() + run.leaseMs).toISOString(),
    })
    .execute();
  if (run.heartbeatAgoMs === undefined) return;
  const heartbeat = ago(run.heartbeatAgoMs);
  await registry.db
    .insertInto('mesh_workers')
    .values({
      id: `worker-${run.runId}`,
      host: run.host,
      pid: run.pid,
      started_at: ago(60_000),
      heartbeat_at: heartbeat,
    })
    .execute();
}
