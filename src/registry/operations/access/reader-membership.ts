import type { RegistryTx } from '../../registry.js';

/** The teams a user belongs to (when not given) and the domains of the teams, for a read decision. */
export async function readerMembership(
  db: RegistryTx,
  user: string,
  teams?: readonly string[],
): Promise<{ teams: string[]; domains: string[] }> {
  const names =
    teams ??
    (await db.selectFrom('team_members').select('team').where('user_name', '=', user).execute()).map((r) => r.team);
  if (names.length === 0) return { teams: [], domains: [] };
  const rows = await db
    .selectFrom('team_domains')
    .select('domain')
    .where('team', 'in', [...names])
    .execute();
  return { teams: [...new Set(names)].sort(), domains: [...new Set(rows.map((r) => r.domain))].sort() };
}
