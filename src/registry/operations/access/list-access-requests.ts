import type { Registry } from '../../registry.js';
import type { AccessRequestRecord } from './access-records.js';
import { requestRecord } from './access-rows.js';

export async function listAccessRequests(
  registry: Registry,
  options: { product?: string; team?: string; pending?: boolean; limit?: number } = {},
): Promise<AccessRequestRecord[]> {
  let query = registry.db.selectFrom('access_requests').selectAll();
  if (options.product) query = query.where('product_id', '=', options.product);
  if (options.team) query = query.where('team', '=', options.team);
  if (options.pending) query = query.where('status', '=', 'pending');
  const rows = await query
    .orderBy('requested_at', 'desc')
    .orderBy('id')
    .limit(Math.min(options.limit ?? 500, 5000))
    .execute();
  return rows.map(requestRecord);
}
