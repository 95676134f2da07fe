import { hostname } from 'node:os';
import { DEFAULT_WORKER_LIVENESS } from '../../../core/worker-liveness.js';
import type { Registry } from '../../registry.js';

/**
 * A worker silent this long is declared dead by default (MESH_WORKER_DEAD_AFTER_SECONDS sets
 * it): its queue jobs are released and the run locks it holds are freed (runs/run-lock.ts
 * judges a lock's holder by the same rule).
 */
export const WORKER_DEAD_AFTER_MS = DEFAULT_WORKER_LIVENESS.deadAfterMs;

/** A process that beats in mesh_workers, as run locks name their holder (host, pid). */
export interface WorkerIdentity {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly heartbeatAt: string;
}

export async function beat(registry: Registry, id: string): Promise<void> {
  const now = new Date().toISOString(); // real time: a lease, never simulated (src/core/clock.ts)
  await registry.db
    .insertInto('mesh_workers')
    .values({ id, host: hostname(), pid: process.pid, started_at: now, heartbeat_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: now }))
    .execute();
}

/** Workers that have not beaten since `before`: presumed dead. */
export async function silentWorkers(registry: Registry, before: string): Promise<WorkerIdentity[]> {
  const rows = await registry.db
    .selectFrom('mesh_workers')
    .select(['id', 'host', 'pid', 'heartbeat_at'])
    .where('heartbeat_at', '<', before)
    .execute();
  return rows.map((r) => ({ id: r.id, host: r.host, pid: Number(r.pid), heartbeatAt: r.heartbeat_at }));
}

export async function forgetWorkers(registry: Registry, ids: readonly string[]): Promise<void> {
  if (ids.length) await registry.db.deleteFrom('mesh_workers').where('id', 'in', ids).execute();
}
