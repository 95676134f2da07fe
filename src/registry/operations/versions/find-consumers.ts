import { parseInputProductRef } from '../../../descriptor/product-ref.js';
import type { DataProduct } from '../../../descriptor/data-product-schema.js';
import type { RegistryTx } from '../../registry.js';

/**
 * Products whose published (not retired) versions read `productId@major` as an input.
 * A LIKE on the stored JSON narrows the rows on both dialects; parsing confirms the match.
 */
export async function findConsumers(db: RegistryTx, productId: string, major: number): Promise<string[]> {
  const ref = `${productId}@${major}`;
  const rows = await db
    .selectFrom('product_versions')
    .select(['product_id', 'descriptor'])
    .where('status', '!=', 'retired')
    .where('product_id', '!=', productId)
    .where('descriptor', 'like', `%${JSON.stringify(ref).slice(1, -1)}%`)
    .execute();
  const consumers = new Set<string>();
  for (const row of rows) {
    const descriptor = JSON.parse(row.descriptor) as DataProduct;
    const reads = descriptor.spec.inputs.some((input) => {
      const parsed = input.product ? parseInputProductRef(input.product) : undefined;
      return parsed !== undefined && `${parsed.domain}/${parsed.name}` === productId && parsed.major === major;
    });
    if (reads) consumers.add(row.product_id);
  }
  return [...consumers].sort();
}
