import { NotFoundError } from '../../../core/errors.js';
import { writeTransaction, type Registry } from '../../registry.js';
import { appendEvent } from '../events/append-event.js';
import { POLICY_SET_REMOVED } from './latest-policy-event.js';
import { toStoredPolicySet, type StoredPolicySet } from './list-policy-sets.js';

/** Deletes a stored policy set, with a `policy-set.removed` event in the same transaction. */
export async function removePolicySet(registry: Registry, name: string, actor: string): Promise<StoredPolicySet> {
  return writeTransaction(registry, async (tx) => {
    const existing = await tx.selectFrom('policy_sets').selectAll().where('name', '=', name).executeTakeFirst();
    if (!existing)
      throw new NotFoundError(`no policy set ${name} in the registry`, {
        details: {
          hint: 'mesh policy check lists the policy sets and where each comes from; sets from files are removed by deleting the file',
        },
      });
    await tx.deleteFrom('policy_sets').where('name', '=', name).execute();
    await appendEvent(tx, {
      type: POLICY_SET_REMOVED,
      subject: `policy-set/${name}`,
      actor,
      data: { name, scope: existing.scope, contentHash: existing.content_hash },
    });
    return toStoredPolicySet(existing);
  });
}
