/**
 * The loaded history grouped by product once, and the facts of one product at one moment:
 * its descriptor then, SLA over the 30 days before (compute-sla, with the targets then in
 * force), whether it was active, stale, failing, and who consumed it from outside its domain.
 * Nothing after the moment counts, so a weekly point is what the mesh looked like that week.
 */
import { staleReasonOf } from '../../registry/operations/health/stale-products.js';
import type { DataProduct } from '../../descriptor/data-product-schema.js';
import { parseInputProductRef } from '../../descriptor/product-ref.js';
import type {
  HealthHistory,
  HistoryIncident,
  HistoryProduct,
  HistoryRun,
  HistoryVersion,
} from '../../registry/operations/health/health-history.js';
import { freshnessTargetsOf } from '../../registry/operations/versions/list-freshness-targets.js';
import { computeSla, SLA_WINDOW_MS } from '../monitor/compute-sla.js';
import type { GoodPublication } from '../monitor/good-publications.js';
import type { SlaReport } from '../server-api.js';

export const DAY_MS = 86_400_000;

export interface HealthIndex {
  readonly history: HealthHistory;
  readonly versions: Map<string, HistoryVersion[]>;
  readonly runs: Map<string, HistoryRun[]>;
  readonly incidents: Map<string, HistoryIncident[]>;
  readonly grants: Map<string, HealthHistory['grants']>;
  readonly reads: Map<string, HealthHistory['reads']>;
  /** Product → the products (of any domain) whose versions read it as an input, with when. */
  readonly inputReaders: Map<string, Array<{ product: string; since: string }>>;
  readonly domains: Map<string, HealthHistory['domains'][number]>;
  /** Good publications as compute-sla takes them, built once (not per weekly point). */
  readonly publications: Map<string, GoodPublication[]>;
}

export interface ProductFacts {
  readonly product: HistoryProduct;
  readonly descriptor: DataProduct;
  readonly ownerTeam: string | null;
  readonly ownerTeamMembers: number;
  readonly sla: SlaReport;
  readonly active: boolean;
  readonly stale: string | null;
  readonly latestRun: HistoryRun | null;
  readonly failingSince: string | null;
  readonly failingChecks: number;
  readonly consumersOutside: string[];
  readonly incidents30d: HistoryIncident[];
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const item of items) (map.get(key(item)) ?? map.set(key(item), []).get(key(item))!).push(item);
  return map;
}

export function indexHistory(history: HealthHistory): HealthIndex {
  const inputReaders = new Map<string, Array<{ product: string; since: string }>>();
  for (const v of history.versions)
    for (const input of v.descriptor.spec.inputs ?? []) {
      const ref = input.product ? parseInputProductRef(input.product) : undefined;
      if (!ref) continue;
      const target = `${ref.domain}/${ref.name}`;
      const list = inputReaders.get(target) ?? inputReaders.set(target, []).get(target)!;
      if (!list.some((r) => r.product === v.product)) list.push({ product: v.product, since: v.publishedAt });
    }
  return {
    history,
    versions: groupBy(history.versions, (v) => v.product),
    runs: groupBy(history.runs, (r) => r.product),
    incidents: groupBy(history.incidents, (i) => i.product),
    grants: groupBy(history.grants, (g) => g.product),
    reads: groupBy(history.reads, (r) => r.product),
    inputReaders,
    domains: new Map(history.domains.map((d) => [d.name, d])),
    publications: new Map(
      [...history.publications].map(([id, times]) => [
        id,
        times.map((finishedAt) => ({ runId: null, snapshotId: null, finishedAt })),
      ]),
    ),
  };
}

/** The facts of `product` as of `at` (ms); undefined when it did not exist yet. */
export function factsAt(index: HealthIndex, product: HistoryProduct, at: number): ProductFacts | undefined {
  const iso = new Date(at).toISOString();
  const versions = (index.versions.get(product.id) ?? []).filter((v) => v.publishedAt <= iso);
  if (versions.length === 0) return undefined;
  const descriptor = inForce(versions).descriptor;
  const all = index.publications.get(product.id) ?? [];
  // Only the window and the last publication before it matter to compute-sla.
  const until = countUpTo(all, iso, (p) => p.finishedAt);
  const from = Math.max(0, countUpTo(all, new Date(at - SLA_WINDOW_MS).toISOString(), (p) => p.finishedAt) - 1);
  const publications = all.slice(from, until);
  const sla = computeSla({
    product: product.id,
    descriptor,
    targets: freshnessTargetsOf(versions),
    publications,
    now: new Date(at),
  });
  const productRuns = index.runs.get(product.id) ?? [];
  const runs = productRuns.slice(
    0,
    countUpTo(productRuns, iso, (r) => r.startedAt),
  );
  const latestRun = runs.at(-1) ?? null;
  const owner = ownerTeamOf(index, product.domain);
  return {
    product,
    descriptor,
    ...owner,
    sla,
    active: publications.length > 0 && at - Date.parse(publications.at(-1)!.finishedAt) <= SLA_WINDOW_MS,
    stale: staleReason(index, product, sla, at),
    latestRun,
    failingSince: failingSince(runs),
    failingChecks: latestRun ? (index.history.failedChecks.get(latestRun.id) ?? 0) : 0,
    consumersOutside: consumersOutside(index, product, iso),
    incidents30d: (index.incidents.get(product.id) ?? []).filter(
      (i) => i.openedAt <= iso && Date.parse(i.openedAt) > at - SLA_WINDOW_MS,
    ),
  };
}

/** How many items of `sorted` (ascending by `key`) are at or before `iso`: a binary search. */
export function countUpTo<T>(sorted: readonly T[], iso: string, key: (item: T) => string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (key(sorted[mid]) <= iso) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The version whose promise holds: the latest of the highest major published so far. */
function inForce(versions: readonly HistoryVersion[]): HistoryVersion {
  let current = versions[0];
  for (const v of versions) if (v.major >= current.major) current = v;
  return current;
}

/** The domain's owning team, else its team with the most members; and that team's member count. */
export function ownerTeamOf(
  index: HealthIndex,
  domain: string,
): { ownerTeam: string | null; ownerTeamMembers: number } {
  const record = index.domains.get(domain);
  const members = (team: string) => index.history.teamMembers.get(team) ?? 0;
  if (record?.ownerTeam) return { ownerTeam: record.ownerTeam, ownerTeamMembers: members(record.ownerTeam) };
  const teams = [...(record?.teams ?? [])].sort((a, b) => members(b) - members(a) || (a < b ? -1 : 1));
  return { ownerTeam: teams[0] ?? null, ownerTeamMembers: teams[0] ? members(teams[0]) : 0 };
}

/** No good publication within twice the freshness target, or no read for 90 days (of a product older than that). */
function staleReason(index: HealthIndex, product: HistoryProduct, sla: SlaReport, at: number): string | null {
  const lastReadAt = (index.reads.get(product.id) ?? [])
    .filter((r) => Date.parse(r.lastAt) <= at)
    .reduce<string | null>((max, r) => (max === null || r.lastAt > max ? r.lastAt : max), null);
  return staleReasonOf(
    { createdAt: product.createdAt, target: sla.target ?? null, lastGoodAt: sla.lastGoodAt ?? null, lastReadAt },
    at,
  );
}

/** When the current run of failures began (after the last success); null when the latest run did not fail. */
function failingSince(runs: readonly HistoryRun[]): string | null {
  let since: string | null = null;
  for (let i = runs.length - 1; i >= 0 && runs[i].status === 'failed'; i--) since = runs[i].startedAt;
  return since;
}

/** Teams and domains outside the product's domain that held a grant, read it as an input, or read it, by `iso`. */
function consumersOutside(index: HealthIndex, product: HistoryProduct, iso: string): string[] {
  const outside = new Set<string>();
  const teamOutside = (team: string) => !(index.history.teamDomains.get(team) ?? []).includes(product.domain);
  for (const g of index.grants.get(product.id) ?? []) {
    if (g.grantedAt > iso) continue;
    if ((g.revokedAt && g.revokedAt <= iso) || (g.expiresAt && g.expiresAt <= iso)) continue;
    if (g.granteeKind === 'team' && teamOutside(g.grantee)) outside.add(`team ${g.grantee}`);
    if (g.granteeKind === 'domain' && g.grantee !== product.domain) outside.add(`domain ${g.grantee}`);
  }
  for (const r of index.inputReaders.get(product.id) ?? [])
    if (r.since <= iso && r.product.split('/')[0] !== product.domain) outside.add(`domain ${r.product.split('/')[0]}`);
  for (const r of index.reads.get(product.id) ?? [])
    if (r.team && r.lastAt <= iso && teamOutside(r.team)) outside.add(`team ${r.team}`);
  return [...outside].sort();
}
