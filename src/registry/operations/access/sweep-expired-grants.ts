import { nowIso, writeTransaction, type Registry } from '../../registry.js';
import { appendEvent } from '../events/append-event.js';

/**
 * Announces grants whose expiry has passed (`access.expired`, once each). Reads decide expiry
 * by `expires_at` themselves, so this only tells people; run by the server's monitor, and safe
 * on several replicas (the conditional update lets one of them announce each grant).
 */
export async function sweepExpiredGrants(registry: Registry, now = nowIso()): Promise<string[]> {
  const due = await registry.db
    .selectFrom('grants')
    .select(['id', 'product_id', 'major', 'grantee', 'expires_at'])
    .where('expiry_noted', '=', 0)
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', now)
    .where('revoked_at', 'is', null)
    .limit(500)
    .execute();
  const announced: string[] = [];
  for (const g of due) {
    await writeTransaction(registry, async (tx) => {
      const claimed = await tx
        .updateTable('grants')
        .set({ expiry_noted: 1 })
        .where('id', '=', g.id)
        .where('expiry_noted', '=', 0)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) return;
      await appendEvent(tx, {
        type: 'access.expired',
        subject: g.product_id,
        actor: 'meshwork:monitor',
        data: { grant: g.id, product: g.product_id, major: g.major, team: g.grantee, expiresAt: g.expires_at },
      });
      announced.push(g.id);
    });
  }
  return announced;
}
