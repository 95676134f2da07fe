import type { PublishedVersion } from '../../../governance/governance.js';
import type { DataProduct } from '../../../descriptor/data-product-schema.js';
import type { Registry } from '../../registry.js';

/** Every published version of a product with its descriptor: what compatibility and bump checks compare with. */
export async function listVersionDescriptors(registry: Registry, productId: string): Promise<PublishedVersion[]> {
  const rows = await registry.db
    .selectFrom('product_versions')
    .select(['version', 'status', 'descriptor'])
    .where('product_id', '=', productId)
    .orderBy('major', 'desc')
    .orderBy('minor', 'desc')
    .orderBy('patch', 'desc')
    .execute();
  return rows.map((r) => ({
    version: r.version,
    status: r.status,
    descriptor: JSON.parse(r.descriptor) as DataProduct,
  }));
}
