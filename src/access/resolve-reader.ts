import { NotAllowedError } from '../core/errors.js';
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
  if (principal.role !== 'admin' && !own.teams.includes(asTeam))
    throw new NotAllowedError(`${principal.user} is not a member of team ${asTeam} and may not read as it`, {
      details: {
        hint: own.teams.length ? `your teams: ${own.teams.join(', ')}` : 'ask an admin: mesh team add-member',
      },
    });
  const team = await readerMembership(db, principal.user, [asTeam]);
  return { user: principal.user, role: principal.role, teams: [asTeam], domains: team.domains, asTeam };
}
