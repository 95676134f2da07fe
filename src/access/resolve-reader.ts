import { NotAllowedError } from '../core/errors.js';
import type { GrantRecord } from '../registry/operations/access/access-records.js';
import { readerGrants } from '../registry/operations/access/reader-grants.js';
import { readerMembership } from '../registry/operations/access/reader-membership.js';
import type { RegistryTx } from '../registry/registry.js';
import type { AccessScope, Reader } from './principal.js';

/**
 * A scope's teams and their domains, from the registry unless the scope names them. Reading
 * `--as` a team the user does not belong to is refused, except for admins (who may read as
 * any team to see what it sees).
 */
export async function resolveReader(db: RegistryTx, scope: AccessScope): Promise<Reader> {
  const { principal, asTeam } = scope;
  const own = await readerMembership(db, principal.user, principal.teams);
  if (!asTeam) return { user: principal.user, role: principal.role, teams: own.teams, domains: own.domains };
  const team = await readerMembership(db, principal.user, [asTeam]);
  return asTeamReader(scope, own.teams, team.domains);
}

/**
 * The reader and the candidate grants of one read of `product`, in one registry round trip
 * (registry/operations/access/reader-grants.ts): what `authorizeRead` decides on.
 */
export async function resolveReaderFor(
  db: RegistryTx,
  scope: AccessScope,
  product: string,
): Promise<{ reader: Reader; candidates: GrantRecord[] }> {
  const { principal, asTeam } = scope;
  const found = await readerGrants(db, { product, user: principal.user, teams: principal.teams, asTeam });
  const reader = asTeam
    ? asTeamReader(scope, found.teams, found.asTeamDomains)
    : { user: principal.user, role: principal.role, teams: found.teams, domains: found.domains };
  return { reader, candidates: found.grants };
}

function asTeamReader(scope: AccessScope, ownTeams: readonly string[], domains: string[]): Reader {
  const { principal, asTeam } = scope;
  if (principal.role !== 'admin' && !ownTeams.includes(asTeam!))
    throw new NotAllowedError(`${principal.user} is not a member of team ${asTeam} and may not read as it`, {
      details: {
        hint: ownTeams.length ? `your teams: ${ownTeams.join(', ')}` : 'ask an admin: mesh team add-member',
      },
    });
  return { user: principal.user, role: principal.role, teams: [asTeam!], domains, asTeam };
}
