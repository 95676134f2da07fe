/**
 * The governance checks the platform ran on products: recorded by the platform on every
 * `mesh validate` of a product and every publication (refused or not), read by mesh health.
 */
import { randomBytes } from 'node:crypto';
import { nowIso, type Registry, type RegistryTx } from '../../registry.js';

export interface GovernanceAttempt {
  readonly product: string;
  readonly domain: string;
  readonly version: string;
  readonly kind: 'check' | 'publish';
  readonly outcome: 'passed' | 'refused' | 'published';
  /** The codes of the error findings that refused it. */
  readonly rules: readonly string[];
  readonly actor: string;
  /** The actor's teams when they asked. */
  readonly actorTeams: readonly string[];
  readonly at: string;
}

/** Records one check; the actor's teams are read now, since membership changes later. */
export async function recordGovernanceAttempt(
  registry: Registry,
  attempt: Omit<GovernanceAttempt, 'actorTeams' | 'at'>,
): Promise<void> {
  const teams = await registry.db
    .selectFrom('team_members')
    .select('team')
    .where('user_name', '=', attempt.actor)
    .orderBy('team')
    .execute();
  await registry.db
    .insertInto('governance_attempts')
    .values({
      id: `gov-${randomBytes(6).toString('hex')}`,
      product_id: attempt.product,
      domain: attempt.domain,
      version: attempt.version,
      kind: attempt.kind,
      outcome: attempt.outcome,
      rules: JSON.stringify(attempt.rules),
      actor: attempt.actor,
      actor_teams: JSON.stringify(teams.map((t) => t.team)),
      at: nowIso(),
    })
    .execute();
}

/** Every attempt (of one domain's products with `domain`), oldest first. */
export async function listGovernanceAttempts(db: RegistryTx, domain?: string): Promise<GovernanceAttempt[]> {
  let query = db.selectFrom('governance_attempts').selectAll().orderBy('at').orderBy('id');
  if (domain !== undefined) query = query.where('domain', '=', domain);
  return (await query.execute()).map((r) => ({
    product: r.product_id,
    domain: r.domain,
    version: r.version,
    kind: r.kind,
    outcome: r.outcome,
    rules: JSON.parse(r.rules) as string[],
    actor: r.actor,
    actorTeams: JSON.parse(r.actor_teams) as string[],
    at: r.at,
  }));
}

/** A product version whose latest governance check or publication was refused, and by which rules. */
export interface GovernanceRefusal {
  readonly product: string;
  readonly domain: string;
  readonly version: string;
  readonly kind: 'check' | 'publish';
  readonly rules: readonly string[];
  readonly actor: string;
  readonly at: string;
}

/** The versions still refused: their last attempt was refused (a later pass or publication clears them), newest first. */
export async function listGovernanceRefusals(db: RegistryTx, domain?: string): Promise<GovernanceRefusal[]> {
  const latest = new Map<string, GovernanceAttempt>();
  for (const a of await listGovernanceAttempts(db, domain)) latest.set(`${a.product}@${a.version}`, a);
  return [...latest.values()]
    .filter((a) => a.outcome === 'refused')
    .reverse()
    .map(({ product, domain: d, version, kind, rules, actor, at }) => ({
      product,
      domain: d,
      version,
      kind,
      rules,
      actor,
      at,
    }));
}
