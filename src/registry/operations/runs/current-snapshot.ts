import { noteGoodPublication } from '../products/search-index.js';
import type { Registry, RegistryTx } from '../../registry.js';

/** The snapshot readers of a product's major get, as the registry committed it. */
export interface CurrentSnapshotRecord {
  readonly snapshotId: string;
  readonly version: string;
  readonly runId: string;
  readonly rows: number;
  readonly publishedAt: string;
}

export async function getCurrentSnapshot(
  registry: Registry,
  productId: string,
  major: number,
): Promise<CurrentSnapshotRecord | undefined> {
  const row = await registry.db
    .selectFrom('current_snapshots')
    .selectAll()
    .where('product_id', '=', productId)
    .where('major', '=', major)
    .executeTakeFirst();
  return row
    ? {
        snapshotId: row.snapshot_id,
        version: row.version,
        runId: row.run_id,
        rows: Number(row.rows),
        publishedAt: row.published_at,
      }
    : undefined;
}

/** Moves the pointer; called only inside the transaction that records the run's success. */
export async function setCurrentSnapshot(
  tx: RegistryTx,
  productId: string,
  major: number,
  current: CurrentSnapshotRecord,
): Promise<void> {
  const values = {
    snapshot_id: current.snapshotId,
    version: current.version,
    run_id: current.runId,
    rows: current.rows,
    published_at: current.publishedAt,
  };
  await tx
    .insertInto('current_snapshots')
    .values({ product_id: productId, major, ...values })
    .onConflict((oc) => oc.columns(['product_id', 'major']).doUpdateSet(values))
    .execute();
  await noteGoodPublication(tx, productId, Date.parse(current.publishedAt));
}

/**
 * Ids of the snapshots the registry recorded for a product (every major: ids are unique run
 * ids). A snapshot folder whose id is not among them belongs to a run that died before its commit.
 */
export async function recordedSnapshotIds(registry: Registry, productId: string): Promise<Set<string>> {
  const rows = await registry.db.selectFrom('snapshots').select('id').where('product_id', '=', productId).execute();
  return new Set(rows.map((r) => r.id));
}
