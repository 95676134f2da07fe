/** The figures of a set of products (a domain, the mesh) at one moment, from their facts. */
import { npsOf } from '../../registry/operations/ratings/nps.js';
import { quarterOf, type RatingRecord } from '../../registry/operations/ratings/rating-records.js';
import type { HealthFigures } from './health-records.js';
import { countUpTo, DAY_MS, type HealthIndex, type ProductFacts } from './health-index.js';

/** How many of the sorted times are strictly before `iso`. */
function countBefore(sorted: readonly string[], iso: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < iso) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const m = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return Math.round(m * 10) / 10;
}

const share = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 1000 : null);

export function figuresOf(
  scope: string,
  index: HealthIndex,
  facts: readonly ProductFacts[],
  ratings: readonly RatingRecord[],
  at: number,
  unacknowledgedHours: number,
): HealthFigures {
  const iso = new Date(at).toISOString();
  const domains = new Set(facts.map((f) => f.product.domain));
  const activeDomains = new Set(facts.filter((f) => f.active).map((f) => f.product.domain));
  const judged = facts.filter((f) => f.sla.availability !== null && f.sla.objective !== null);
  const crossing = facts.filter((f) => f.consumersOutside.length > 0);
  const quarter = quarterOf(iso);
  return {
    at: iso,
    products: facts.length,
    activeProducts: facts.filter((f) => f.active).length,
    staleProducts: facts.filter((f) => f.stale !== null).length,
    ownershipAdoption: share(facts.filter((f) => f.ownerTeamMembers > 0 && f.product.oncall).length, facts.length),
    domainsWithActiveProduct: { active: activeDomains.size, of: domains.size },
    slaCompliance: {
      judged: judged.length,
      met: judged.filter((f) => f.sla.availability! >= f.sla.objective!).length,
      share: share(judged.filter((f) => f.sla.availability! >= f.sla.objective!).length, judged.length),
    },
    crossDomain: {
      products: crossing.length,
      consumers: new Set(crossing.flatMap((f) => f.consumersOutside)).size,
      share: share(crossing.length, facts.length),
    },
    ...velocity(index, facts, iso),
    incidents: incidentFigures(facts, at, unacknowledgedHours),
    failingProducts: facts.filter((f) => f.latestRun?.status === 'failed').length,
    nps: npsOf(
      scope,
      quarter,
      ratings.filter((r) => r.quarter === quarter && r.ratedAt <= iso).map((r) => r.score),
    ),
  };
}

/** First publication → first data served; each version's publication → the first data after it. */
function velocity(index: HealthIndex, facts: readonly ProductFacts[], iso: string) {
  const firstData: number[] = [];
  const versionToData: number[] = [];
  for (const f of facts) {
    const all = index.history.publications.get(f.product.id) ?? [];
    const pubs = all.slice(
      0,
      countUpTo(all, iso, (p) => p),
    );
    if (pubs[0]) firstData.push((Date.parse(pubs[0]) - Date.parse(f.product.createdAt)) / DAY_MS);
    for (const v of index.versions.get(f.product.id) ?? []) {
      if (v.publishedAt > iso) break;
      // The first publication at or after the version's: past those strictly before it.
      const next = pubs[countBefore(pubs, v.publishedAt)];
      if (next) versionToData.push((Date.parse(next) - Date.parse(v.publishedAt)) / HOUR_MS);
    }
  }
  return { daysToFirstData: median(firstData), hoursVersionToData: median(versionToData) };
}

function incidentFigures(facts: readonly ProductFacts[], at: number, unacknowledgedHours: number) {
  const incidents = facts.flatMap((f) => f.incidents30d);
  const before = (t: string | null) => t !== null && Date.parse(t) <= at;
  const minutes = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / MINUTE_MS;
  return {
    opened: incidents.length,
    medianMinutesToAcknowledge: median(
      incidents.filter((i) => before(i.acknowledgedAt)).map((i) => minutes(i.openedAt, i.acknowledgedAt!)),
    ),
    medianMinutesToResolve: median(
      incidents.filter((i) => before(i.resolvedAt)).map((i) => minutes(i.openedAt, i.resolvedAt!)),
    ),
    unacknowledged: incidents.filter(
      (i) =>
        !before(i.acknowledgedAt) &&
        !before(i.resolvedAt) &&
        at - Date.parse(i.openedAt) > unacknowledgedHours * HOUR_MS,
    ).length,
  };
}
