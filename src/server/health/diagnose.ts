/**
 * The failure patterns of a data mesh, each detected from the recorded history with its
 * evidence (which products, domains, numbers) and the remedy. Silent on a healthy mesh: every
 * pattern needs its own threshold crossed, and a deliberate core domain is never relabeling.
 */
import type { HealthFigures, HealthFinding } from './health-records.js';
import { DAY_MS, type ProductFacts } from './health-index.js';
import { gatekeeper, helpDesk } from './diagnose-governance.js';
import type { DiagnosisInput } from './diagnosis-input.js';

export type { DiagnosisInput } from './diagnosis-input.js';

const HOUR_MS = 3_600_000;
const MAX_LISTED = 20;
const pct = (x: number) => `${Math.round(x * 100)}%`;

export function diagnose(input: DiagnosisInput): HealthFinding[] {
  return [
    relabeling(input),
    withoutTooling(input),
    slaWithoutFollowUp(input),
    orphaned(input),
    stale(input),
    insideOnly(input),
    tooFewActive(input),
    lowNps(input),
    gatekeeper(input),
    helpDesk(input),
  ].filter((f): f is HealthFinding => f !== undefined);
}

function finding(
  pattern: HealthFinding['pattern'],
  severity: HealthFinding['severity'],
  summary: string,
  products: readonly ProductFacts[],
  numbers: Record<string, number | string>,
  remedy: string,
): HealthFinding {
  const domains = [...new Set(products.map((f) => f.product.domain))].sort();
  const listed = products.map((f) => f.product.id).sort();
  return { pattern, severity, summary, evidence: { products: listed.slice(0, MAX_LISTED), domains, numbers }, remedy };
}

/** One owner holds most products outside the core: domains in name, a central team in fact. */
function relabeling({ index, facts, thresholds: t }: DiagnosisInput): HealthFinding | undefined {
  const outside = facts.filter((f) => !index.domains.get(f.product.domain)?.core);
  if (outside.length < t.relabelingMinProducts) return undefined;
  const byOwner = new Map<string, ProductFacts[]>();
  for (const f of outside)
    (byOwner.get(f.product.owner) ?? byOwner.set(f.product.owner, []).get(f.product.owner)!).push(f);
  const [owner, owned] = [...byOwner.entries()].sort((a, b) => b[1].length - a[1].length)[0];
  const share = owned.length / outside.length;
  const domains = new Set(owned.map((f) => f.product.domain));
  if (share <= t.relabelingShare || domains.size < 2) return undefined;
  return finding(
    'relabeling',
    'error',
    `${owner} owns ${owned.length} of ${outside.length} products outside the core (${pct(share)}), across ${domains.size} domains`,
    owned,
    { owner, owned: owned.length, outsideCore: outside.length, share: Math.round(share * 1000) / 1000 },
    'hand each domain’s products to a team of that domain (mesh domain set <d> --owner <team>, and the descriptors’ owner); mark a deliberate central core with mesh domain set <d> --core',
  );
}

/** Runs failing and left failing, incidents nobody acknowledged: ownership on paper only. */
function withoutTooling({ index, facts, now, thresholds: t }: DiagnosisInput): HealthFinding | undefined {
  const left = facts.filter((f) => f.failingSince && now - Date.parse(f.failingSince) > t.failingLeftDays * DAY_MS);
  const ignored = facts.filter((f) =>
    (index.incidents.get(f.product.id) ?? []).some(
      (i) =>
        Date.parse(i.openedAt) <= now &&
        now - Date.parse(i.openedAt) > t.unacknowledgedHours * HOUR_MS &&
        !(i.acknowledgedAt && Date.parse(i.acknowledgedAt) <= now) &&
        !(i.resolvedAt && Date.parse(i.resolvedAt) <= now),
    ),
  );
  const products = [...new Set([...left, ...ignored])];
  if (products.length === 0) return undefined;
  return finding(
    'ownership-without-tooling',
    'error',
    `${left.length} product(s) failing for more than ${t.failingLeftDays} days, ${ignored.length} with an incident unacknowledged for more than ${t.unacknowledgedHours} h`,
    products,
    { failingLeft: left.length, unacknowledgedIncidents: ignored.length },
    'give each owning team an on-call that receives the incidents (mesh webhook add --domain <d>), and make fixing a failing run part of the team’s work',
  );
}

/** The availability objective missed over 30 days, and no incident acknowledged in that window. */
function slaWithoutFollowUp({ facts, now }: DiagnosisInput): HealthFinding | undefined {
  const missed = facts.filter(
    (f) =>
      f.sla.availability !== null &&
      f.sla.objective !== null &&
      f.sla.availability < f.sla.objective &&
      !f.incidents30d.some((i) => i.acknowledgedAt && Date.parse(i.acknowledgedAt) <= now),
  );
  if (missed.length === 0) return undefined;
  const worst = [...missed].sort((a, b) => a.sla.availability! - b.sla.availability!)[0];
  return finding(
    'sla-breach-no-follow-up',
    'error',
    `${missed.length} product(s) missed their availability objective over 30 days with no incident acknowledged; worst ${worst.product.id} at ${(worst.sla.availability! * 100).toFixed(2)}% (objective ${(worst.sla.objective! * 100).toFixed(2)}%)`,
    missed,
    { products: missed.length, worstAvailability: Math.round(worst.sla.availability! * 10000) / 10000 },
    'acknowledge and resolve the incidents of a breach, and review the SLA with the consumers when it cannot be kept',
  );
}

function orphaned({ facts }: DiagnosisInput): HealthFinding | undefined {
  const orphans = facts.filter((f) => f.ownerTeamMembers === 0);
  if (orphans.length === 0) return undefined;
  return finding(
    'orphaned-products',
    'error',
    `${orphans.length} product(s) whose owning team has no members`,
    orphans,
    { products: orphans.length },
    'give the domain an owning team with people in it (mesh domain set <d> --owner <team>, mesh team add-member), or retire the products',
  );
}

function stale({ facts }: DiagnosisInput): HealthFinding | undefined {
  const old = facts.filter((f) => f.stale !== null);
  if (old.length === 0) return undefined;
  return finding(
    'stale-products',
    'warn',
    `${old.length} stale product(s): ${old
      .slice(0, 3)
      .map((f) => `${f.product.id} (${f.stale})`)
      .join('; ')}${old.length > 3 ? '; …' : ''}`,
    old,
    { products: old.length },
    'run or fix the stale products, or deprecate and retire the ones nobody reads',
  );
}

function insideOnly({ facts, thresholds: t }: DiagnosisInput): HealthFinding | undefined {
  const active = facts.filter((f) => f.active);
  const inside = active.filter((f) => f.consumersOutside.length === 0);
  if (active.length < t.insideOnlyMinProducts || inside.length / active.length <= t.insideOnlyShare) return undefined;
  return finding(
    'consumed-inside-only',
    'warn',
    `${inside.length} of ${active.length} active products (${pct(inside.length / active.length)}) have no consumer outside their own domain`,
    inside,
    { insideOnly: inside.length, active: active.length },
    'products are for other domains: publish what other teams ask for, and make products findable (descriptions, tags) and requestable',
  );
}

function tooFewActive({ facts, mesh, now, thresholds: t }: DiagnosisInput): HealthFinding | undefined {
  if (facts.length === 0) return undefined;
  const first = Math.min(...facts.map((f) => Date.parse(f.product.createdAt)));
  const months = (now - first) / (30.44 * DAY_MS);
  if (months < t.minActiveAfterMonths || mesh.activeProducts >= t.minActiveProducts) return undefined;
  return finding(
    'too-few-active-products',
    'error',
    `${mesh.activeProducts} active product(s) after ${Math.floor(months)} months (fewer than ${t.minActiveProducts})`,
    facts.filter((f) => f.active),
    { activeProducts: mesh.activeProducts, months: Math.floor(months) },
    'start from a few products other domains need now, with their consumers named, rather than from the platform',
  );
}

function lowNps({ facts, mesh, domainFigures, thresholds: t }: DiagnosisInput): HealthFinding | undefined {
  const low = (n: HealthFigures['nps']) => n.nps !== null && n.ratings >= t.lowNpsMinRatings && n.nps < t.lowNps;
  const domains = domainFigures.filter((d) => low(d.figures.nps));
  if (!low(mesh.nps) && domains.length === 0) return undefined;
  const inDomains = new Set(domains.map((d) => d.domain));
  const summary = low(mesh.nps)
    ? `mesh NPS ${mesh.nps.nps} from ${mesh.nps.ratings} ratings (below ${t.lowNps})`
    : `NPS below ${t.lowNps} in ${domains.map((d) => `${d.domain} (${d.figures.nps.nps}, ${d.figures.nps.ratings} ratings)`).join(', ')}`;
  return finding(
    'low-nps',
    'warn',
    summary,
    facts.filter((f) => inDomains.has(f.product.domain)),
    { meshNps: mesh.nps.nps ?? 'none', ratings: mesh.nps.ratings },
    'read the detractors’ comments (mesh ratings list --domain <d>), answer them, and fix what they name',
  );
}
