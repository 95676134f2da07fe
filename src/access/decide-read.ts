/**
 * The one decision point: may this reader read this product's data, and in clear or masked?
 * Every read path asks it (download, check samples, product inputs and the SQL port's grants;
 * the query path), in local and server mode alike. It is a pure function of the reader, the
 * target and the candidate grants (the product's grants, read with the reader's membership in
 * one statement by `readerGrants`; it keeps those for the reader's teams, domains and user), so it answers in
 * microseconds and an expiry takes effect at the first read after it, without a restart.
 */
import { now as clockNow } from '../core/clock.js';
import type { GrantRecord } from '../registry/operations/access/access-records.js';
import type { Reader } from './principal.js';

export interface ReadTarget {
  readonly product: string;
  readonly domain: string;
  readonly major: number;
}

/** What allowed a read: the admin role, owning the product's domain, or a grant. */
export type ReadBasis = { readonly kind: 'admin' } | { readonly kind: 'owner' } | { readonly kind: 'grant' };

export interface ReadAllowed {
  readonly allowed: true;
  readonly user: string;
  readonly team: string | null;
  readonly product: string;
  readonly major: number;
  /** False: direct and sensitive columns come out masked. */
  readonly piiCleared: boolean;
  readonly basis: ReadBasis['kind'];
  /** The grant that allowed it (the PII-clearing one when there is one); null for admin and owner. */
  readonly grant: GrantRecord | null;
  /** `grant g-…`, `owner of sales`, `admin`: what the audit log records. */
  readonly reason: string;
}

export interface ReadRefused {
  readonly allowed: false;
  readonly user: string;
  readonly team: string | null;
  readonly product: string;
  readonly major: number;
  /** One sentence: who may not read what, and why (expired, revoked, other major, none). */
  readonly reason: string;
  /** The grant that is missing, in words: `a grant of sales/orders@1 to team analytics`. */
  readonly missing: string;
  /** The exact command that asks for it. */
  readonly requestCommand: string;
}

export type ReadDecision = ReadAllowed | ReadRefused;

export function decideRead(
  reader: Reader,
  target: ReadTarget,
  candidates: readonly GrantRecord[],
  now: Date = clockNow(),
): ReadDecision {
  const team = reader.asTeam ?? reader.teams[0] ?? null;
  const base = { user: reader.user, team: reader.asTeam ?? null, product: target.product, major: target.major };
  if (reader.role === 'admin' && !reader.asTeam)
    return { ...base, allowed: true, piiCleared: true, basis: 'admin', grant: null, reason: 'admin' };
  // Owning a domain's data is a member's right: a consumer or governance user in the team reads as a consumer.
  if (reader.role === 'member' && reader.domains.includes(target.domain))
    return {
      ...base,
      allowed: true,
      piiCleared: true,
      basis: 'owner',
      grant: null,
      reason: `owner: a team of domain ${target.domain}`,
    };
  const nowIso = now.toISOString();
  const mine = candidates.filter((g) => g.product === target.product && isFor(g, reader));
  const usable = mine.filter((g) => covers(g, target.major) && isActive(g, nowIso));
  if (usable.length > 0) {
    const grant = usable.find((g) => g.pii) ?? usable[0];
    return {
      ...base,
      allowed: true,
      piiCleared: grant.pii,
      basis: 'grant',
      grant,
      reason: `grant ${grant.id} (${grant.origin}, ${grantee(grant)})`,
    };
  }
  const who = reader.asTeam
    ? `team ${reader.asTeam}`
    : reader.teams.length
      ? `teams ${reader.teams.join(', ')}`
      : 'no team';
  const ref = `${target.product}@${target.major}`;
  return {
    ...base,
    allowed: false,
    reason: `${reader.user} (${who}) may not read ${ref}: ${whyNot(mine, target.major, nowIso)}`,
    missing: `a grant of ${ref} to team ${team ?? '<your team>'}`,
    requestCommand: `mesh access request ${ref} --team ${team ?? '<your-team>'} --purpose "<why you need it>"`,
  };
}

function isFor(g: GrantRecord, reader: Reader): boolean {
  switch (g.granteeKind) {
    case 'everyone':
      return true;
    case 'team':
      return reader.teams.includes(g.grantee);
    case 'domain':
      return reader.domains.includes(g.grantee);
    case 'user':
      return !reader.asTeam && g.grantee === reader.user;
  }
}

export const covers = (g: GrantRecord, major: number) => g.major === null || g.major === major;
export const isActive = (g: GrantRecord, nowIso: string) => !g.revokedAt && (!g.expiresAt || g.expiresAt > nowIso);

function grantee(g: GrantRecord): string {
  return g.granteeKind === 'everyone' ? 'everyone' : `${g.granteeKind} ${g.grantee}`;
}

/** The most telling reason among the reader's own grants that did not apply. */
function whyNot(mine: readonly GrantRecord[], major: number, nowIso: string): string {
  const sameMajor = mine.filter((g) => covers(g, major));
  const revoked = sameMajor.find((g) => g.revokedAt);
  if (revoked) return `grant ${revoked.id} was revoked at ${revoked.revokedAt}`;
  const expired = sameMajor.find((g) => g.expiresAt && g.expiresAt <= nowIso);
  if (expired) return `grant ${expired.id} expired at ${expired.expiresAt}`;
  const other = mine.find((g) => !covers(g, major));
  if (other) return `grant ${other.id} covers @${other.major} only`;
  return 'no grant';
}

/** The grantee keys a reader's grants can have, for the (product, grantee) index lookup. */
export function readerGrantees(reader: Reader): Array<{ kind: GrantRecord['granteeKind']; name: string }> {
  return [
    { kind: 'everyone', name: '*' },
    ...reader.teams.map((name) => ({ kind: 'team' as const, name })),
    ...reader.domains.map((name) => ({ kind: 'domain' as const, name })),
    ...(reader.asTeam ? [] : [{ kind: 'user' as const, name: reader.user }]),
  ];
}
