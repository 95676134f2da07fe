import type { Registry } from '../../registry.js';
import type { AccessLogRecord } from './access-records.js';
import { logRecord } from './access-rows.js';

/** The audit log, newest first: of a product, of a team, since a time. */
export async function listAccessLog(
  registry: Registry,
  options: { product?: string; team?: string; since?: string; limit?: number } = {},
): Promise<AccessLogRecord[]> {
  let query = registry.db.selectFrom('access_log').selectAll();
  if (options.product) query = query.where('product_id', '=', options.product);
  if (options.team) query = query.where('team', '=', options.team);
  if (options.since) query = query.where('time', '>=', options.since);
  const rows = await query
    .orderBy('id', 'desc')
    .limit(Math.min(options.limit ?? 200, 5000))
    .execute();
  return rows.map(logRecord);
}
