import type { RegistryTx } from '../../registry.js';

/**
 * The teams a user belongs to (unless given) and the domains of those teams, for a read
 * decision: one query either way (a read pays for it on every request).
 */
export async function readerMembership(
  db: RegistryTx,
  user: string,
  teams?: readonly string[],
): Promise<{ teams: string[]; domains: string[] }> {
  if (teams && teams.length === 0) return { teams: [], domains: [] };
  const rows = teams
    ? await db
        .selectFrom('team_domains')
        .select(['team', 'domain'])
        .where('team', 'in', [...teams])
        .execute()
    : await db
        .selectFrom('team_members')
        .leftJoin('team_domains', 'team_domains.team', 'team_members.team')
        .select(['team_members.team as team', 'team_domains.domain as domain'])
        .where('team_members.user_name', '=', user)
        .execute();
  const names = new Set<string>(teams ?? rows.map((r) => r.team));
  const domains = new Set<string>();
  for (const r of rows) if (r.domain) domains.add(r.domain);
  return { teams: [...names].sort(), domains: [...domains].sort() };
}

/** The teams of a domain: who reads when a product of that domain reads another (its inputs). */
export async function domainTeams(db: RegistryTx, domain: string): Promise<string[]> {
  const rows = await db.selectFrom('team_domains').select('team').where('domain', '=', domain).execute();
  return [...new Set(rows.map((r) => r.team))].sort();
}
