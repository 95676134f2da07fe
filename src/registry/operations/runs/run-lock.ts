import { hostname } from 'node:os';
import { ConflictError } from '../../../core/errors.js';
import { writeTransaction, type Registry, type RegistryTx } from '../../registry.js';
import { WORKER_DEAD_AFTER_MS, type WorkerIdentity } from '../workers/worker-heartbeats.js';

export interface LockHolder {
  readonly host: string;
  readonly pid: number;
}

/**
 * How long a run lock lasts without renewal (a live run renews it every third of that). The
 * same as the silence after which a worker is declared dead, so both ways of freeing a killed
 * run's lock take as long; a worker's heartbeat frees it sooner (see `acquireRunLock`).
 */
export const DEFAULT_RUN_LEASE_MS = 30_000;

export function thisHolder(): LockHolder {
  return { host: hostname(), pid: process.pid };
}

export interface LockOptions {
  readonly leaseMs: number;
  /** A holder whose worker has not beaten for this long is dead (default WORKER_DEAD_AFTER_MS). */
  readonly deadAfterMs?: number;
  /** When the taking run starts: the end recorded for a run taken over (so the two never overlap). Default: now. */
  readonly takenAt?: string;
}

/**
 * Takes the product's run lock (a lease). A lock is free when absent, expired, or held by a
 * dead process: one on this host that no longer exists (a run killed with SIGKILL), or one on
 * any host whose worker the registry has declared dead (its heartbeat in mesh_workers is
 * older than `deadAfterMs`, as the queue judges it). The run it belonged to is then marked
 * failed, so the history never shows a run "running" forever. A live lock is a ConflictError.
 */
export async function acquireRunLock(
  tx: RegistryTx,
  productId: string,
  runId: string,
  options: LockOptions,
): Promise<void> {
  const now = new Date();
  const row = await tx.selectFrom('run_locks').selectAll().where('product_id', '=', productId).executeTakeFirst();
  if (row) {
    const holder = JSON.parse(row.holder) as LockHolder;
    const reason =
      row.expires_at <= now.toISOString()
        ? 'abandoned: its lock lease expired'
        : await deathOf(tx, holder, new Date(now.getTime() - (options.deadAfterMs ?? WORKER_DEAD_AFTER_MS)));
    if (!reason) throw alreadyRunning(productId, row);
    await abandonLock(tx, productId, row.run_id, reason, options.takenAt ?? now.toISOString());
  }
  await tx
    .insertInto('run_locks')
    .values({
      product_id: productId,
      run_id: runId,
      holder: JSON.stringify(thisHolder()),
      acquired_at: now.toISOString(),
      expires_at: new Date(now.getTime() + options.leaseMs).toISOString(),
    })
    .execute();
}

/** Why a lock's holder is dead, or undefined while it may be alive. */
async function deathOf(tx: RegistryTx, holder: LockHolder, silentSince: Date): Promise<string | undefined> {
  if (holder.host === hostname()) {
    return holder.pid !== process.pid && !processAlive(holder.pid)
      ? 'abandoned: the process running it died'
      : undefined;
  }
  const worker = await tx
    .selectFrom('mesh_workers')
    .select('heartbeat_at')
    .where('host', '=', holder.host)
    .where('pid', '=', holder.pid)
    .orderBy('heartbeat_at', 'desc')
    .executeTakeFirst();
  return worker && worker.heartbeat_at < silentSince.toISOString()
    ? `abandoned: its worker on ${holder.host} (pid ${holder.pid}) was declared dead, silent since ${worker.heartbeat_at}`
    : undefined;
}

function alreadyRunning(productId: string, row: { run_id: string; acquired_at: string; expires_at: string }) {
  return new ConflictError(
    `${productId} is already running (run ${row.run_id} since ${row.acquired_at}); wait for it to finish`,
    {
      details: {
        product: productId,
        runId: row.run_id,
        hint: `the lock is a lease until ${row.expires_at}, renewed while the run lives; a killed run releases it then, or when its worker is declared dead`,
      },
    },
  );
}

/** Marks the lock's run failed with `reason` (if still running), ended `at`, and removes the lock. */
async function abandonLock(
  tx: RegistryTx,
  productId: string,
  runId: string,
  reason: string,
  at: string,
): Promise<void> {
  await tx
    .updateTable('pipeline_runs')
    .set({ status: 'failed', finished_at: at, error: reason })
    .where('id', '=', runId)
    .where('status', '=', 'running')
    .execute();
  await tx.deleteFrom('run_locks').where('product_id', '=', productId).where('run_id', '=', runId).execute();
}

/**
 * Frees the run locks held by workers just declared dead (before their queue jobs are
 * released, so the next attempt finds the product free): their runs are recorded failed.
 * A lock whose (host, pid) is also a live worker's (a restarted container keeps its hostname
 * and pid 1) is left to its lease: it may be the live one's. Returns the products freed.
 */
export async function abandonRunsOfWorkers(registry: Registry, workers: readonly WorkerIdentity[]): Promise<string[]> {
  if (!workers.length) return [];
  return writeTransaction(registry, async (tx) => {
    const dead = new Set(workers.map((w) => w.id));
    const live = (await tx.selectFrom('mesh_workers').select(['id', 'host', 'pid']).execute()).filter(
      (w) => !dead.has(w.id),
    );
    const freed: string[] = [];
    for (const row of await tx.selectFrom('run_locks').selectAll().execute()) {
      const holder = JSON.parse(row.holder) as LockHolder;
      const worker = workers.find((w) => w.host === holder.host && w.pid === holder.pid);
      if (!worker || live.some((w) => w.host === holder.host && Number(w.pid) === holder.pid)) continue;
      await abandonLock(
        tx,
        row.product_id,
        row.run_id,
        `abandoned: its worker on ${worker.host} (pid ${worker.pid}) was declared dead, silent since ${worker.heartbeatAt}`,
        new Date().toISOString(),
      );
      freed.push(row.product_id);
    }
    return freed;
  });
}

/** True when `runId` still holds its product's lock (a run whose worker was declared dead has lost it). */
export async function holdsRunLock(tx: RegistryTx, productId: string, runId: string): Promise<boolean> {
  const row = await tx
    .selectFrom('run_locks')
    .select('run_id')
    .where('product_id', '=', productId)
    .where('run_id', '=', runId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Extends the lease while the run is alive; returns false when the lock was lost. */
export async function renewRunLock(
  registry: Registry,
  productId: string,
  runId: string,
  leaseMs: number,
): Promise<boolean> {
  const result = await writeTransaction(registry, (tx) =>
    tx
      .updateTable('run_locks')
      .set({ expires_at: new Date(Date.now() + leaseMs).toISOString() })
      .where('product_id', '=', productId)
      .where('run_id', '=', runId)
      .executeTakeFirst(),
  );
  return Number(result.numUpdatedRows) > 0;
}

export async function releaseRunLock(tx: RegistryTx, productId: string, runId: string): Promise<void> {
  await tx.deleteFrom('run_locks').where('product_id', '=', productId).where('run_id', '=', runId).execute();
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
