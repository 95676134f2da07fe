import { createHash } from 'node:crypto';
import { nowIso, writeTransaction, type Registry } from '../../registry.js';
import { appendEvent } from '../events/append-event.js';
import { POLICY_SET_APPLIED } from './latest-policy-event.js';
import { toStoredPolicySet, type StoredPolicySet } from './list-policy-sets.js';

export interface AppliedPolicySet {
  /** `unchanged` when the same text is already stored: nothing is written, no event. */
  readonly status: 'created' | 'updated' | 'unchanged';
  readonly set: StoredPolicySet;
}

export function policySetHash(yaml: string): string {
  return createHash('sha256').update(yaml).digest('hex');
}

/**
 * Stores (or replaces) a policy set by name, with a `policy-set.applied` event in the same
 * transaction so other servers see the change. The caller has already checked the document:
 * only sets that load without errors are stored.
 */
export async function applyPolicySet(
  registry: Registry,
  input: { name: string; scope: string; yaml: string; updatedBy: string },
): Promise<AppliedPolicySet> {
  const contentHash = policySetHash(input.yaml);
  return writeTransaction(registry, async (tx) => {
    const existing = await tx.selectFrom('policy_sets').selectAll().where('name', '=', input.name).executeTakeFirst();
    if (existing && existing.content_hash === contentHash && existing.scope === input.scope)
      return { status: 'unchanged', set: toStoredPolicySet(existing) };
    const row = {
      name: input.name,
      scope: input.scope,
      yaml: input.yaml,
      content_hash: contentHash,
      updated_by: input.updatedBy,
      updated_at: nowIso(),
    };
    // An upsert rather than read-then-write: two appliers racing on a new name both succeed, last one wins.
    await tx
      .insertInto('policy_sets')
      .values(row)
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({
          scope: row.scope,
          yaml: row.yaml,
          content_hash: row.content_hash,
          updated_by: row.updated_by,
          updated_at: row.updated_at,
        }),
      )
      .execute();
    await appendEvent(tx, {
      type: POLICY_SET_APPLIED,
      subject: `policy-set/${input.name}`,
      actor: input.updatedBy,
      data: { name: input.name, scope: input.scope, contentHash, previousHash: existing?.content_hash ?? null },
    });
    return { status: existing ? 'updated' : 'created', set: toStoredPolicySet(row) };
  });
}
