import type { Registry } from '../../registry.js';

/** The watermark of each incremental input at the product's last successful publication. */
export async function getWatermarks(registry: Registry, productId: string): Promise<Map<string, string | number>> {
  const rows = await registry.db.selectFrom('watermarks').select(['input_name', 'value']).where('product_id', '=', productId).execute();
  return new Map(rows.map((r) => [r.input_name, JSON.parse(r.value) as string | number]));
}
