import type { Registry } from '../../registry.js';
import type { GrantRecord } from './access-records.js';
import { grantRecord } from './access-rows.js';

/** Grants of a product or to a team (every one when neither), newest first; revoked ones too, marked. */
export async function listGrants(
  registry: Registry,
  options: { product?: string; team?: string; limit?: number } = {},
): Promise<GrantRecord[]> {
  let query = registry.db.selectFrom('grants').selectAll();
  if (options.product) query = query.where('product_id', '=', options.product);
  if (options.team) query = query.where('grantee_kind', '=', 'team').where('grantee', '=', options.team);
  const rows = await query
    .orderBy('granted_at', 'desc')
    .orderBy('id')
    .limit(Math.min(options.limit ?? 500, 5000))
    .execute();
  return rows.map(grantRecord);
}
