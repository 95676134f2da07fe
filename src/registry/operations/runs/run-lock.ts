import { hostname } from 'node:os';
import { ConflictError } from '../../../core/errors.js';
import { writeTransaction, type Registry, type RegistryTx } from '../../registry.js';

export interface LockHolder {
  readonly host: string;
  readonly pid: number;
}

export function thisHolder(): LockHolder {
  return { host: hostname(), pid: process.pid };
}

/**
 * Takes the product's run lock (a lease). A lock is free when absent, expired, or held by a
 * process on this host that no longer exists (a run killed with SIGKILL): the run it
 * belonged to is then marked failed, so the history never shows a run "running" forever.
 */
export async function acquireRunLock(tx: RegistryTx, productId: string, runId: string, leaseMs: number): Promise<void> {
  const now = new Date();
  const row = await tx.selectFrom('run_locks').selectAll().where('product_id', '=', productId).executeTakeFirst();
  if (row) {
    const holder = JSON.parse(row.holder) as LockHolder;
    const expired = row.expires_at <= now.toISOString();
    const dead = holder.host === hostname() && holder.pid !== process.pid && !processAlive(holder.pid);
    if (!expired && !dead) {
      throw new ConflictError(
        `${productId} is already running (run ${row.run_id} since ${row.acquired_at}); wait for it to finish`,
        {
          details: {
            product: productId,
            runId: row.run_id,
            hint: `the lock is a lease until ${row.expires_at}; a killed run releases it then`,
          },
        },
      );
    }
    await tx
      .updateTable('pipeline_runs')
      .set({
        status: 'failed',
        finished_at: now.toISOString(),
        error: dead ? 'abandoned: the process running it died' : 'abandoned: its lock lease expired',
      })
      .where('id', '=', row.run_id)
      .where('status', '=', 'running')
      .execute();
    await tx.deleteFrom('run_locks').where('product_id', '=', productId).execute();
  }
  await tx
    .insertInto('run_locks')
    .values({
      product_id: productId,
      run_id: runId,
      holder: JSON.stringify(thisHolder()),
      acquired_at: now.toISOString(),
      expires_at: new Date(now.getTime() + leaseMs).toISOString(),
    })
    .execute();
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
