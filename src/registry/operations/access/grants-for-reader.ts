import type { RegistryTx } from '../../registry.js';
import type { GranteeKind, GrantRecord } from './access-records.js';
import { grantRecord } from './access-rows.js';

/**
 * The candidate grants of one read: a product's grants for the given grantees, one range of
 * the (product_id, grantee_kind, grantee) index per grantee kind. Revoked and expired ones are
 * returned too, so a refusal can say why.
 */
export async function grantsForReader(
  db: RegistryTx,
  product: string,
  grantees: ReadonlyArray<{ kind: GranteeKind; name: string }>,
): Promise<GrantRecord[]> {
  if (grantees.length === 0) return [];
  const rows = await db
    .selectFrom('grants')
    .selectAll()
    .where('product_id', '=', product)
    .where((eb) => eb.or(grantees.map((g) => eb.and([eb('grantee_kind', '=', g.kind), eb('grantee', '=', g.name)]))))
    .execute();
  return rows.map(grantRecord);
}
