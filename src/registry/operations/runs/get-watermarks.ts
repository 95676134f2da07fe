import type { Registry } from '../../registry.js';

/** The watermark of each incremental input at the last successful publication of this major of the product. */
export async function getWatermarks(
  registry: Registry,
  productId: string,
  major: number,
): Promise<Map<string, string | number>> {
  const rows = await registry.db
    .selectFrom('watermarks_by_major')
    .select(['input_name', 'value'])
    .where('product_id', '=', productId)
    .where('major', '=', major)
    .execute();
  return new Map(rows.map((r) => [r.input_name, JSON.parse(r.value) as string | number]));
}
