import type { Registry } from '../../registry.js';

export const POLICY_SET_APPLIED = 'policy-set.applied';
export const POLICY_SET_REMOVED = 'policy-set.removed';

/**
 * The id of the newest policy-set event (0 when none): every change to the stored sets
 * appends one in its transaction, so a process whose engine was built at this id is current.
 * Two index lookups (events_type), cheap enough to ask every second per server.
 */
export async function latestPolicyEventId(registry: Registry): Promise<number> {
  const row = await registry.db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('max'))
    .where('type', 'in', [POLICY_SET_APPLIED, POLICY_SET_REMOVED])
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}
