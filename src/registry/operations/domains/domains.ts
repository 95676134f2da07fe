/**
 * Domains as first-class records: an owning team, the teams and people of the domain (team
 * membership, as for publishing), and a core flag for a deliberate, centrally-owned core.
 */
import { NotFoundError } from '../../../core/errors.js';
import { nowIso, writeTransaction, type Registry, type RegistryTx } from '../../registry.js';
import { appendEvent } from '../events/append-event.js';

export interface DomainRecord {
  readonly name: string;
  readonly ownerTeam: string | null;
  readonly core: boolean;
  readonly description: string | null;
  /** Teams of the domain (their members publish into it and own its products). */
  readonly teams: string[];
  /** The members of those teams. */
  readonly members: string[];
  readonly products: number;
  readonly createdAt: string;
  readonly updatedBy: string | null;
  readonly updatedAt: string | null;
}

export interface DomainChange {
  readonly ownerTeam?: string;
  readonly core?: boolean;
  readonly description?: string;
}

export async function listDomains(db: RegistryTx): Promise<DomainRecord[]> {
  const [rows, teams, members, products] = await Promise.all([
    db.selectFrom('domains').selectAll().orderBy('name').execute(),
    db.selectFrom('team_domains').select(['team', 'domain']).orderBy('team').execute(),
    db
      .selectFrom('team_domains')
      .innerJoin('team_members', 'team_members.team', 'team_domains.team')
      .select(['team_domains.domain as domain', 'team_members.user_name as user'])
      .execute(),
    db
      .selectFrom('products')
      .select((eb) => ['domain', eb.fn.countAll<number>().as('n')])
      .groupBy('domain')
      .execute(),
  ]);
  const group = (pairs: Array<{ key: string; value: string }>) => {
    const map = new Map<string, Set<string>>();
    for (const p of pairs) (map.get(p.key) ?? map.set(p.key, new Set()).get(p.key)!).add(p.value);
    return map;
  };
  const teamsOf = group(teams.map((t) => ({ key: t.domain, value: t.team })));
  const membersOf = group(members.map((m) => ({ key: m.domain, value: m.user })));
  const count = new Map(products.map((p) => [p.domain, Number(p.n)]));
  return rows.map((r) => ({
    name: r.name,
    ownerTeam: r.owner_team,
    core: Number(r.core) === 1,
    description: r.description,
    teams: [...(teamsOf.get(r.name) ?? [])].sort(),
    members: [...(membersOf.get(r.name) ?? [])].sort(),
    products: count.get(r.name) ?? 0,
    createdAt: r.created_at,
    updatedBy: r.updated_by,
    updatedAt: r.updated_at,
  }));
}

export async function getDomain(db: RegistryTx, name: string): Promise<DomainRecord> {
  const domain = (await listDomains(db)).find((d) => d.name === name);
  if (!domain)
    throw new NotFoundError(`no domain ${name}`, {
      details: { hint: 'mesh domain list shows the domains; mesh domain set <name> --owner <team> creates one' },
    });
  return domain;
}

/**
 * Sets a domain's owning team, core flag or description (creating the domain when new). The
 * owning team becomes a team of the domain, so its members own the domain's products.
 */
export async function setDomain(registry: Registry, name: string, change: DomainChange, by: string) {
  await writeTransaction(registry, async (tx) => {
    const now = nowIso();
    if (change.ownerTeam !== undefined) {
      const team = await tx.selectFrom('teams').select('name').where('name', '=', change.ownerTeam).executeTakeFirst();
      if (!team)
        throw new NotFoundError(`no team ${change.ownerTeam}`, {
          details: { hint: `mesh team create ${change.ownerTeam} --domain ${name}` },
        });
    }
    await tx
      .insertInto('domains')
      .values({ name, created_at: now })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    await tx
      .updateTable('domains')
      .set({
        ...(change.ownerTeam !== undefined ? { owner_team: change.ownerTeam } : {}),
        ...(change.core !== undefined ? { core: change.core ? 1 : 0 } : {}),
        ...(change.description !== undefined ? { description: change.description } : {}),
        updated_by: by,
        updated_at: now,
      })
      .where('name', '=', name)
      .execute();
    if (change.ownerTeam !== undefined)
      await tx
        .insertInto('team_domains')
        .values({ team: change.ownerTeam, domain: name })
        .onConflict((oc) => oc.columns(['team', 'domain']).doNothing())
        .execute();
    await appendEvent(tx, { type: 'domain.updated', subject: name, actor: by, data: { domain: name, ...change } });
  });
  return getDomain(registry.db, name);
}
