import { nowIso } from '../../../core/clock.js';
import { randomBytes } from 'node:crypto';
import type { DataProduct } from '../../../descriptor/data-product-schema.js';
import type { RegistryTx } from '../../registry-handle.js';
import type { GranteeKind } from './access-records.js';

/**
 * Rewrites the standing grants of (product, major) from a descriptor's spec.access, inside the
 * publishing transaction: access.allow (read, masked), access.pii (read in clear) and
 * `default: allow` (everyone, masked). What the latest version of a major says is what holds.
 */
export async function syncStandingGrants(
  tx: RegistryTx,
  input: { product: string; major: number; descriptor: DataProduct; by: string },
): Promise<void> {
  await tx
    .deleteFrom('grants')
    .where('product_id', '=', input.product)
    .where('major', '=', input.major)
    .where('origin', '=', 'standing')
    .execute();
  const access = input.descriptor.spec.access;
  const wanted = new Map<string, { kind: GranteeKind; name: string; pii: boolean }>();
  const add = (rule: { team?: string; user?: string; domain?: string }, pii: boolean) => {
    const [kind, name]: [GranteeKind, string | undefined] = rule.team
      ? ['team', rule.team]
      : rule.domain
        ? ['domain', rule.domain]
        : ['user', rule.user];
    if (!name) return;
    const key = `${kind}\u0000${name}`;
    wanted.set(key, { kind, name, pii: pii || (wanted.get(key)?.pii ?? false) });
  };
  if (access?.default === 'allow') wanted.set('everyone', { kind: 'everyone', name: '*', pii: false });
  for (const rule of access?.allow ?? []) add(rule, false);
  for (const rule of access?.pii ?? []) add(rule, true);
  if (wanted.size === 0) return;
  // Not registry.ts's nowIso: migration 012 runs this, and registry.ts imports the migrations.
  const now = nowIso();
  await tx
    .insertInto('grants')
    .values(
      [...wanted.values()].map((g) => ({
        id: `std-${randomBytes(5).toString('hex')}`,
        product_id: input.product,
        major: input.major,
        grantee_kind: g.kind,
        grantee: g.name,
        pii: g.pii ? 1 : 0,
        origin: 'standing',
        request_id: null,
        granted_by: input.by,
        granted_at: now,
        expires_at: null,
        revoked_at: null,
        revoked_by: null,
        expiry_noted: 0,
      })),
    )
    .execute();
}
