import type { DataProduct } from '../../../descriptor/data-product-schema.js';
import type { RegistryTx } from '../../registry-handle.js';
import { syncStandingGrants } from './sync-standing-grants.js';

/**
 * Standing grants for every (product, major) that has none yet, from the latest version of the
 * major: products published before grants existed (migration 012) or whose grants were lost
 * (`mesh admin reindex`). Majors that already hold standing grants keep them (and their ids,
 * which the audit log names), since every publication rewrites them anyway.
 */
export async function backfillStandingGrants(tx: RegistryTx, by: string): Promise<{ majors: number }> {
  const rows = await tx
    .selectFrom('product_versions')
    .select(['product_id', 'major', 'version', 'descriptor'])
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('grants')
            .select('grants.id')
            .whereRef('grants.product_id', '=', 'product_versions.product_id')
            .whereRef('grants.major', '=', 'product_versions.major')
            .where('grants.origin', '=', 'standing'),
        ),
      ),
    )
    .orderBy('product_id')
    .orderBy('major')
    .orderBy('minor', 'desc')
    .orderBy('patch', 'desc')
    .execute();
  let majors = 0;
  let last = '';
  for (const row of rows) {
    const key = `${row.product_id}@${row.major}`;
    if (key === last) continue;
    last = key;
    const descriptor = JSON.parse(row.descriptor) as DataProduct;
    await syncStandingGrants(tx, { product: row.product_id, major: row.major, descriptor, by });
    majors++;
  }
  return { majors };
}
