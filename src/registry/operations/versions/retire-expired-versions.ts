import { now as clockNow } from '../../../core/clock.js';
import { writeTransaction, type Registry } from '../../registry.js';
import { refreshSearchLifecycle } from '../products/search-index.js';
import { appendEvent } from '../events/append-event.js';

export interface RetiredVersion {
  readonly product: string;
  readonly version: string;
  readonly sunsetAt: string;
}

/**
 * Retires every deprecated version whose sunset has passed. Retired versions stay in the
 * registry with their data (history, lineage, audits), but nothing new may be built on
 * them. Called by the server's monitor and by `mesh versions retire-expired`; idempotent.
 */
export async function retireExpiredVersions(
  registry: Registry,
  now: Date = clockNow(),
  actor?: string,
): Promise<RetiredVersion[]> {
  const cutoff = now.toISOString();
  return writeTransaction(registry, async (tx) => {
    const rows = await tx
      .selectFrom('product_versions')
      .select(['product_id', 'version', 'sunset_at'])
      .where('status', '=', 'deprecated')
      .where('sunset_at', 'is not', null)
      .where('sunset_at', '<=', cutoff)
      .orderBy('product_id')
      .orderBy('major')
      .orderBy('minor')
      .orderBy('patch')
      .execute();
    const retired: RetiredVersion[] = [];
    for (const row of rows) {
      // Guarded by status so a concurrent monitor cannot retire (and announce) a version twice.
      const updated = await tx
        .updateTable('product_versions')
        .set({ status: 'retired' })
        .where('product_id', '=', row.product_id)
        .where('version', '=', row.version)
        .where('status', '=', 'deprecated')
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) continue;
      await appendEvent(tx, {
        type: 'product.retired',
        subject: row.product_id,
        actor,
        data: { product: row.product_id, version: row.version, sunsetAt: row.sunset_at },
      });
      retired.push({ product: row.product_id, version: row.version, sunsetAt: row.sunset_at! });
    }
    await refreshSearchLifecycle(
      tx,
      retired.map((r) => r.product),
    );
    return retired;
  });
}
