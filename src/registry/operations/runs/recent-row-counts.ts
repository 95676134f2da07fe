import type { Registry } from '../../registry.js';

/** Rows out of the successful runs of this major since `since` (ISO): the baseline of row_count_delta. */
export async function recentRowCounts(
  registry: Registry,
  productId: string,
  major: number,
  since: string,
): Promise<number[]> {
  const rows = await registry.db
    .selectFrom('pipeline_runs')
    .select('rows_out')
    .where('product_id', '=', productId)
    .where('version', 'like', `${major}.%`)
    .where('status', '=', 'succeeded')
    .where('started_at', '>=', since)
    .execute();
  return rows.map((r) => Number(r.rows_out)).filter((n) => Number.isFinite(n));
}
