import type { Registry } from '../../registry.js';

/** Rows out of the successful runs since `since` (ISO): the baseline of row_count_delta. */
export async function recentRowCounts(registry: Registry, productId: string, since: string): Promise<number[]> {
  const rows = await registry.db
    .selectFrom('pipeline_runs')
    .select('rows_out')
    .where('product_id', '=', productId)
    .where('status', '=', 'succeeded')
    .where('started_at', '>=', since)
    .execute();
  return rows.map((r) => Number(r.rows_out)).filter((n) => Number.isFinite(n));
}
