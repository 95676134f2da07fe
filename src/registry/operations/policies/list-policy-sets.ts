import type { Registry } from '../../registry.js';
import type { PolicySetTable } from '../../registry-schema.js';

/** A policy set stored in the registry (applied through the API), as the platform reads it back. */
export interface StoredPolicySet {
  readonly name: string;
  readonly scope: string;
  readonly yaml: string;
  readonly contentHash: string;
  readonly updatedBy: string;
  readonly updatedAt: string;
}

export function toStoredPolicySet(r: PolicySetTable): StoredPolicySet {
  return {
    name: r.name,
    scope: r.scope,
    yaml: r.yaml,
    contentHash: r.content_hash,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
  };
}

/** Every stored set, by name (the order the engine applies them in, after the files). */
export async function listPolicySets(registry: Registry): Promise<StoredPolicySet[]> {
  const rows = await registry.db.selectFrom('policy_sets').selectAll().orderBy('name').execute();
  return rows.map(toStoredPolicySet);
}
