import { NotFoundError } from '../../../core/errors.js';
import type { TeamRecord } from './identity-records.js';
import { nowIso, writeTransaction, type Registry, type RegistryTx } from '../../registry.js';

/** Creates a team (or adds domains to an existing one); team membership is what gives domain membership. */
export async function createTeam(
  registry: Registry,
  input: { name: string; domains: readonly string[] },
): Promise<TeamRecord> {
  await writeTransaction(registry, async (tx) => {
    const now = nowIso();
    await tx
      .insertInto('teams')
      .values({ name: input.name, email: null, created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    for (const domain of input.domains) {
      await tx
        .insertInto('domains')
        .values({ name: domain, created_at: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      await tx
        .insertInto('team_domains')
        .values({ team: input.name, domain })
        .onConflict((oc) => oc.columns(['team', 'domain']).doNothing())
        .execute();
    }
  });
  return (await getTeam(registry.db, input.name))!;
}

export async function addTeamMember(registry: Registry, team: string, user: string): Promise<TeamRecord> {
  await writeTransaction(registry, async (tx) => {
    const exists = await tx.selectFrom('teams').select('name').where('name', '=', team).executeTakeFirst();
    if (!exists)
      throw new NotFoundError(`no team ${team}`, { details: { hint: 'mesh team create <name> --domain <domain>' } });
    const now = nowIso();
    await tx
      .insertInto('users')
      .values({ name: user, created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    await tx
      .insertInto('team_members')
      .values({ team, user_name: user, added_at: now })
      .onConflict((oc) => oc.columns(['team', 'user_name']).doNothing())
      .execute();
  });
  return (await getTeam(registry.db, team))!;
}

export async function getTeam(db: RegistryTx, name: string): Promise<TeamRecord | undefined> {
  const team = await db.selectFrom('teams').select('name').where('name', '=', name).executeTakeFirst();
  if (!team) return undefined;
  const domains = await db
    .selectFrom('team_domains')
    .select('domain')
    .where('team', '=', name)
    .orderBy('domain')
    .execute();
  const members = await db
    .selectFrom('team_members')
    .select('user_name')
    .where('team', '=', name)
    .orderBy('user_name')
    .execute();
  return { name, domains: domains.map((d) => d.domain), members: members.map((m) => m.user_name) };
}

/** Teams created for people (with domains or members); owner addresses recorded by publish are left out. */
export async function listTeams(registry: Registry): Promise<TeamRecord[]> {
  const domains = await registry.db.selectFrom('team_domains').select(['team', 'domain']).orderBy('domain').execute();
  const members = await registry.db
    .selectFrom('team_members')
    .select(['team', 'user_name'])
    .orderBy('user_name')
    .execute();
  const teams = new Map<string, TeamRecord>();
  const team = (name: string) => teams.get(name) ?? teams.set(name, { name, domains: [], members: [] }).get(name)!;
  for (const d of domains) team(d.team).domains.push(d.domain);
  for (const m of members) team(m.team).members.push(m.user_name);
  return [...teams.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The teams a user belongs to, by name. */
export async function userTeams(db: RegistryTx, user: string): Promise<string[]> {
  const rows = await db
    .selectFrom('team_members')
    .select('team')
    .where('user_name', '=', user)
    .orderBy('team')
    .execute();
  return rows.map((r) => r.team);
}

/** The domains a user may publish into: those of every team they belong to. */
export async function userDomains(db: RegistryTx, user: string): Promise<string[]> {
  const rows = await db
    .selectFrom('team_members')
    .innerJoin('team_domains', 'team_domains.team', 'team_members.team')
    .select('team_domains.domain')
    .where('team_members.user_name', '=', user)
    .execute();
  return [...new Set(rows.map((r) => r.domain))].sort();
}
