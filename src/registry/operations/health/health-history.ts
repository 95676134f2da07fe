/**
 * What mesh health is computed from, read in a few whole-registry queries (a report over 300
 * products and 180 days of history must not cost a query per product): products and versions,
 * runs and good publications since a moment, incidents, grants, reads, teams and ratings.
 */
import type { DataProduct } from '../../../descriptor/data-product-schema.js';
import type { Registry } from '../../registry.js';
import { listGovernanceAttempts, type GovernanceAttempt } from '../governance/governance-attempts.js';
import { listDomains, type DomainRecord } from '../domains/domains.js';
import { listRatings } from '../ratings/list-ratings.js';
import type { RatingRecord } from '../ratings/rating-records.js';

export interface HistoryProduct {
  readonly id: string;
  readonly domain: string;
  readonly owner: string;
  readonly oncall: string | null;
  readonly createdAt: string;
}

export interface HistoryVersion {
  readonly product: string;
  readonly version: string;
  readonly major: number;
  readonly publishedAt: string;
  readonly publishedBy: string;
  readonly status: string;
  readonly descriptor: DataProduct;
}

export interface HistoryRun {
  readonly id: string;
  readonly product: string;
  readonly status: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
}

export interface HistoryIncident {
  readonly product: string;
  readonly kind: string;
  readonly openedAt: string;
  readonly acknowledgedAt: string | null;
  readonly resolvedAt: string | null;
}

export interface HistoryGrant {
  readonly product: string;
  readonly granteeKind: string;
  readonly grantee: string;
  readonly grantedAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

/** Allowed reads of a product by one team (null: a user reading without a team). */
export interface HistoryReads {
  readonly product: string;
  readonly team: string | null;
  readonly reads: number;
  readonly lastAt: string;
}

export interface HealthHistory {
  readonly products: HistoryProduct[];
  /** Oldest first. */
  readonly versions: HistoryVersion[];
  /** Runs started at or after `since`, oldest first. */
  readonly runs: HistoryRun[];
  /** Good publications (finish times) per product, oldest first, all of them. */
  readonly publications: Map<string, string[]>;
  readonly incidents: HistoryIncident[];
  readonly grants: HistoryGrant[];
  readonly reads: HistoryReads[];
  readonly domains: DomainRecord[];
  /** Team → its domains, and team → member count. */
  readonly teamDomains: Map<string, string[]>;
  readonly teamMembers: Map<string, number>;
  readonly ratings: RatingRecord[];
  /** Run id → failed checks, for runs since `since`. */
  readonly failedChecks: Map<string, number>;
  /** Every governance check of the products (validations, publications, refusals), oldest first. */
  readonly attempts: GovernanceAttempt[];
}

/** `domain`: only that domain's products and what concerns them (a scorecard reads 1/30 of a mesh). */
export async function loadHealthHistory(registry: Registry, since: string, domain?: string): Promise<HealthHistory> {
  const db = registry.db;
  // Domain names are letters, digits and dashes: no LIKE wildcard can occur in them.
  const mine = domain === undefined ? '%' : `${domain}/%`;
  const [
    products,
    versions,
    runs,
    succeeded,
    incidents,
    grants,
    reads,
    domains,
    teamDomains,
    members,
    ratings,
    checks,
    attempts,
  ] = await Promise.all([
    db
      .selectFrom('products')
      .select(['id', 'domain', 'owner', 'oncall', 'created_at'])
      .where('id', 'like', mine)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('product_versions')
      .where('product_id', 'like', mine)
      .select(['product_id', 'version', 'major', 'published_at', 'published_by', 'status', 'descriptor'])
      .orderBy('published_at')
      .execute(),
    db
      .selectFrom('pipeline_runs')
      .where('product_id', 'like', mine)
      .select(['id', 'product_id', 'status', 'started_at', 'finished_at'])
      .where('started_at', '>=', since)
      .orderBy('started_at')
      .execute(),
    db
      .selectFrom('events')
      .where('subject', 'like', mine)
      .select(['subject', 'data', 'time'])
      .where('type', '=', 'run.succeeded')
      .orderBy('id')
      .execute(),
    db
      .selectFrom('incidents')
      .select(['product_id', 'kind', 'opened_at', 'acknowledged_at', 'resolved_at'])
      .where('product_id', 'like', mine)
      .execute(),
    db
      .selectFrom('grants')
      .where('product_id', 'like', mine)
      .select(['product_id', 'grantee_kind', 'grantee', 'granted_at', 'expires_at', 'revoked_at'])
      .execute(),
    db
      .selectFrom('access_log')
      .where('product_id', 'like', mine)
      .select((eb) => ['product_id', 'team', eb.fn.countAll<number>().as('n'), eb.fn.max('time').as('last')])
      .where('allowed', '=', 1)
      .groupBy(['product_id', 'team'])
      .execute(),
    listDomains(db),
    db.selectFrom('team_domains').select(['team', 'domain']).execute(),
    db
      .selectFrom('team_members')
      .select((eb) => ['team', eb.fn.countAll<number>().as('n')])
      .groupBy('team')
      .execute(),
    listRatings(db, { domain }),
    db
      .selectFrom('check_results')
      .select((eb) => ['run_id', eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'fail')
      .where('time', '>=', since)
      .groupBy('run_id')
      .execute(),
    listGovernanceAttempts(db, domain),
  ]);
  const publications = new Map<string, string[]>();
  for (const e of succeeded) {
    const at = (JSON.parse(e.data) as { finishedAt?: string }).finishedAt ?? e.time;
    (publications.get(e.subject) ?? publications.set(e.subject, []).get(e.subject)!).push(at);
  }
  for (const list of publications.values()) list.sort();
  const byTeam = new Map<string, string[]>();
  for (const t of teamDomains) (byTeam.get(t.team) ?? byTeam.set(t.team, []).get(t.team)!).push(t.domain);
  return {
    products: products.map((p) => ({
      id: p.id,
      domain: p.domain,
      owner: p.owner,
      oncall: p.oncall,
      createdAt: p.created_at,
    })),
    versions: versions.map((v) => ({
      product: v.product_id,
      version: v.version,
      major: Number(v.major),
      publishedAt: v.published_at,
      publishedBy: v.published_by,
      status: v.status,
      descriptor: JSON.parse(v.descriptor) as DataProduct,
    })),
    runs: runs.map((r) => ({
      id: r.id,
      product: r.product_id,
      status: r.status,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    })),
    publications,
    incidents: incidents.map((i) => ({
      product: i.product_id,
      kind: i.kind,
      openedAt: i.opened_at,
      acknowledgedAt: i.acknowledged_at,
      resolvedAt: i.resolved_at,
    })),
    grants: grants.map((g) => ({
      product: g.product_id,
      granteeKind: g.grantee_kind,
      grantee: g.grantee,
      grantedAt: g.granted_at,
      expiresAt: g.expires_at,
      revokedAt: g.revoked_at,
    })),
    reads: reads.map((r) => ({ product: r.product_id, team: r.team, reads: Number(r.n), lastAt: String(r.last) })),
    domains,
    teamDomains: byTeam,
    teamMembers: new Map(members.map((m) => [m.team, Number(m.n)])),
    ratings,
    failedChecks: new Map(checks.map((c) => [c.run_id, Number(c.n)])),
    attempts,
  };
}
