/**
 * Mesh health from the registry's history: the facts of every product now and at weekly points
 * back, grouped into the mesh's and each domain's figures, the scorecards, and the diagnosis.
 */
import { nowMs } from '../../core/clock.js';
import { InputError, NotFoundError } from '../../core/errors.js';
import { npsOf, type NpsFigure } from '../../registry/operations/ratings/nps.js';
import { loadHealthHistory } from '../../registry/operations/health/health-history.js';
import type { RatingRecord } from '../../registry/operations/ratings/rating-records.js';
import type { Registry } from '../../registry/registry.js';
import { SLA_WINDOW_MS } from '../monitor/compute-sla.js';
import { diagnose } from './diagnose.js';
import { unrecorded } from './diagnose-governance.js';
import { figuresOf } from './health-figures.js';
import { checkThresholds } from './health-thresholds.js';
import { DAY_MS, factsAt, indexHistory, type HealthIndex, type ProductFacts } from './health-index.js';
import {
  DEFAULT_HEALTH_THRESHOLDS,
  type DomainScorecard,
  type HealthFigures,
  type HealthOptions,
  type HealthThresholds,
  type MeshHealth,
  type ProductCard,
} from './health-records.js';

export const MAX_WEEKS = 104;

/** `onlyDomain`: read and judge only `options.domain` (a scorecard; the mesh figures are then that domain's). */
export async function computeMeshHealth(
  registry: Registry,
  options: HealthOptions = {},
  scope: { onlyDomain?: boolean } = {},
): Promise<MeshHealth> {
  const { now, weeks } = checkedOptions(options);
  const thresholds: HealthThresholds = { ...DEFAULT_HEALTH_THRESHOLDS, ...checkThresholds(options.thresholds) };
  const since = new Date(now - weeks * 7 * DAY_MS - SLA_WINDOW_MS - DAY_MS).toISOString();
  const index = indexHistory(await loadHealthHistory(registry, since, scope.onlyDomain ? options.domain : undefined));
  const points = Array.from({ length: weeks + 1 }, (_, k) => now - (weeks - k) * 7 * DAY_MS);
  const factsAtPoint = points.map((at) => allFacts(index, at));
  const factsNow = factsAtPoint.at(-1)!;
  const ratings = index.history.ratings;
  const figures = (scope: string, facts: readonly ProductFacts[], scoped: readonly RatingRecord[], at: number) =>
    figuresOf(scope, index, facts, scoped, at, thresholds.unacknowledgedHours);
  const mesh = figures('mesh', factsNow, ratings, now);
  const domainNames = [...new Set(factsNow.map((f) => f.product.domain))].sort();
  if (options.domain && !domainNames.includes(options.domain) && !index.domains.has(options.domain))
    throw new NotFoundError(`no domain ${options.domain} with products`, {
      details: { hint: 'mesh domain list shows the domains' },
    });
  const scorecards = domainNames.map((domain) => {
    const own = (facts: readonly ProductFacts[]) => facts.filter((f) => f.product.domain === domain);
    const scoped = ratings.filter((r) => r.domain === domain);
    return scorecard(index, domain, {
      figures: figures(domain, own(factsNow), scoped, now),
      trend: points.map((at, k) => figures(domain, own(factsAtPoint[k]), scoped, at)),
      facts: own(factsNow),
      ratings: scoped,
    });
  });
  const diagnosisInput = {
    index,
    facts: factsNow,
    mesh,
    domainFigures: scorecards.map((s) => ({ domain: s.domain, figures: s.figures })),
    now,
    thresholds,
  };
  return {
    now: new Date(now).toISOString(),
    thresholds,
    mesh,
    trend: points.map((at, k) => figures('mesh', factsAtPoint[k], ratings, at)),
    domains: options.domain ? scorecards.filter((s) => s.domain === options.domain) : scorecards,
    stale: factsNow.filter((f) => f.stale).map((f) => ({ product: f.product.id, reason: f.stale! })),
    diagnosis: diagnose(diagnosisInput),
    notMeasured: unrecorded(diagnosisInput),
  };
}

function checkedOptions(options: HealthOptions): { now: number; weeks: number } {
  const now = options.now === undefined ? nowMs() : Date.parse(options.now);
  if (Number.isNaN(now))
    throw new InputError(`invalid time "${options.now}": an ISO time such as 2026-12-01T00:00:00Z`);
  const weeks = options.weeks ?? 26;
  if (!Number.isInteger(weeks) || weeks < 0 || weeks > MAX_WEEKS)
    throw new InputError(`invalid weeks ${weeks}: a whole number from 0 to ${MAX_WEEKS}`);
  return { now, weeks };
}

function allFacts(index: HealthIndex, at: number): ProductFacts[] {
  const facts: ProductFacts[] = [];
  for (const product of index.history.products) {
    const f = factsAt(index, product, at);
    if (f) facts.push(f);
  }
  return facts;
}

function scorecard(
  index: HealthIndex,
  domain: string,
  parts: {
    figures: HealthFigures;
    trend: HealthFigures[];
    facts: readonly ProductFacts[];
    ratings: readonly RatingRecord[];
  },
): DomainScorecard {
  const record = index.domains.get(domain);
  return {
    domain,
    ownerTeam: record?.ownerTeam ?? null,
    core: record?.core ?? false,
    members: record?.members ?? [],
    figures: parts.figures,
    trend: parts.trend,
    npsTrend: quarterly(domain, parts.ratings),
    products: parts.facts.map((f) => productCard(f, parts.ratings, parts.figures.nps.quarter)),
  };
}

function quarterly(scope: string, ratings: readonly RatingRecord[]): NpsFigure[] {
  const quarters = [...new Set(ratings.map((r) => r.quarter))].sort();
  return quarters.map((q) =>
    npsOf(
      scope,
      q,
      ratings.filter((r) => r.quarter === q).map((r) => r.score),
    ),
  );
}

function productCard(f: ProductFacts, ratings: readonly RatingRecord[], quarter: string): ProductCard {
  const sla = f.sla;
  return {
    product: f.product.id,
    owner: f.product.owner,
    oncall: f.product.oncall,
    ownerTeam: f.ownerTeam,
    ownerTeamMembers: f.ownerTeamMembers,
    state: sla.state,
    active: f.active,
    availability: sla.availability,
    objective: sla.objective,
    windowDays: Math.round((sla.windowMs / DAY_MS) * 10) / 10,
    slaMet: sla.availability === null || sla.objective === null ? null : sla.availability >= sla.objective,
    stale: f.stale,
    latestRun: f.latestRun?.status ?? null,
    failingSince: f.failingSince,
    failingChecks: f.failingChecks,
    consumersOutside: f.consumersOutside,
    incidents30d: f.incidents30d.length,
    nps: npsOf(
      f.product.id,
      quarter,
      ratings.filter((r) => r.product === f.product.id && r.quarter === quarter).map((r) => r.score),
    ),
  };
}
