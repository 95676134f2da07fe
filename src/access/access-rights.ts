/**
 * Who may change access: requests are made for a team the requester belongs to (admins for
 * any); requests are approved or denied, and grants revoked, by admins and the members of the
 * product's owning domain only. The same rules in local and server mode.
 */
import { NotAllowedError } from '../core/errors.js';
import type { Reader } from './principal.js';

export function requireTeamMember(reader: Reader, team: string, action: string): void {
  if (reader.role === 'admin' || reader.teams.includes(team)) return;
  throw new NotAllowedError(`${reader.user} may not ${action} for team ${team}: not a member of it`, {
    details: {
      hint: reader.teams.length
        ? `your teams: ${reader.teams.join(', ')}`
        : 'ask an admin to add you: mesh team add-member',
    },
  });
}

export function requireOwner(reader: Reader, product: string, action: string): void {
  const domain = product.split('/')[0];
  if ((reader.role === 'admin' && !reader.asTeam) || reader.domains.includes(domain)) return;
  throw new NotAllowedError(
    `${reader.user} may not ${action} for ${product}: only admins and members of domain ${domain} decide who reads it`,
    {
      details: {
        hint: reader.domains.length
          ? `your domains: ${reader.domains.join(', ')}`
          : `ask a member of a team of domain ${domain}`,
      },
    },
  );
}
