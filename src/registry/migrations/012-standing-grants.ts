import type { Kysely, Migration } from 'kysely';
import type { RegistryTx } from '../registry-handle.js';
import { backfillStandingGrants } from '../operations/access/backfill-standing-grants.js';

/**
 * Standing grants for the products published before access control existed: each major gets
 * the grants its latest version's spec.access declares (publications keep them in step since).
 */
export function m012StandingGrants(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await backfillStandingGrants(db as unknown as RegistryTx, 'meshwork:migration-012');
    },
  };
}
