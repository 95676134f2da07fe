import type { RegistryTx } from '../../registry.js';
import { findConsumers } from '../versions/find-consumers.js';

/** Why a team counts as a consumer of a product (what entitles it to rate it). */
export interface ConsumerStanding {
  /** An active grant to the team or one of its domains. */
  readonly grant: string | null;
  /** Products of the team's domains that read the product as an input. */
  readonly readsAsInput: string[];
  /** The team read the product's data (the access log: e.g. through a grant to everyone). */
  readonly read: boolean;
}

/** A team's standing as a consumer of `product` at `now`: grants, input reads, recorded reads. */
export async function consumerStanding(
  db: RegistryTx,
  product: string,
  team: string,
  teamDomains: readonly string[],
  now: string,
): Promise<ConsumerStanding> {
  const grants = await db
    .selectFrom('grants')
    .select(['id', 'grantee_kind', 'grantee', 'expires_at'])
    .where('product_id', '=', product)
    .where('revoked_at', 'is', null)
    .where((eb) =>
      eb.or([
        eb.and([eb('grantee_kind', '=', 'team'), eb('grantee', '=', team)]),
        ...(teamDomains.length
          ? [eb.and([eb('grantee_kind', '=', 'domain'), eb('grantee', 'in', [...teamDomains])])]
          : []),
      ]),
    )
    .execute();
  const grant = grants.find((g) => g.expires_at === null || g.expires_at > now)?.id ?? null;
  const majors = await db
    .selectFrom('product_versions')
    .select('major')
    .distinct()
    .where('product_id', '=', product)
    .execute();
  const readers = new Set<string>();
  for (const { major } of majors)
    for (const consumer of await findConsumers(db, product, Number(major)))
      if (teamDomains.includes(consumer.split('/')[0])) readers.add(consumer);
  const read = await db
    .selectFrom('access_log')
    .select('id')
    .where('product_id', '=', product)
    .where('team', '=', team)
    .where('allowed', '=', 1)
    .limit(1)
    .executeTakeFirst();
  return { grant, readsAsInput: [...readers].sort(), read: read !== undefined };
}
