import type { RegistryTx } from '../../registry.js';

/**
 * A version published into a major that is already deprecated (a fix for consumers still on
 * it) joins that major's lifecycle: same status, same sunset. Without this, a patch would
 * stay active forever and keep the old major alive past its sunset.
 */
export async function inheritMajorStatus(tx: RegistryTx, input: { productId: string; version: string }): Promise<void> {
  const row = await tx
    .selectFrom('product_versions')
    .select(['major', 'status'])
    .where('product_id', '=', input.productId)
    .where('version', '=', input.version)
    .executeTakeFirst();
  if (!row || row.status !== 'active') return;
  const sibling = await tx
    .selectFrom('product_versions')
    .select(['status', 'sunset_at'])
    .where('product_id', '=', input.productId)
    .where('major', '=', row.major)
    .where('version', '!=', input.version)
    .where('status', '=', 'deprecated')
    .orderBy('sunset_at')
    .limit(1)
    .executeTakeFirst();
  if (!sibling) return;
  await tx
    .updateTable('product_versions')
    .set({ status: 'deprecated', sunset_at: sibling.sunset_at })
    .where('product_id', '=', input.productId)
    .where('version', '=', input.version)
    .execute();
}
