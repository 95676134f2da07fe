/**
 * The two failure patterns read from the governance checks the platform records: governance
 * as a gatekeeper (long waits from a version's first check to its publication, or one rule
 * refusing version after version) and the platform team as a help desk (products first
 * published by people in none of the product's domain's teams).
 */
import { formatDuration } from '../../descriptor/duration.js';
import type { GovernanceAttempt } from '../../registry/operations/governance/governance-attempts.js';
import type { HealthFinding } from './health-records.js';
import { DAY_MS } from './health-index.js';
import type { DiagnosisInput } from './diagnosis-input.js';

const HOUR_MS = 3_600_000;
/** Gatekeeping is judged on the last 90 days: a rule changed long ago is not today's gate. */
const WINDOW_MS = 90 * DAY_MS;
const MAX_LISTED = 20;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function evidence(products: Iterable<string>, numbers: Record<string, number | string>) {
  const listed = [...new Set(products)].sort();
  const domains = [...new Set(listed.map((p) => p.split('/')[0]))].sort();
  return { products: listed.slice(0, MAX_LISTED), domains, numbers };
}

/** Attempts up to `now`, and those in the window before it. */
function attemptsAt({ index, now }: DiagnosisInput): { all: GovernanceAttempt[]; recent: GovernanceAttempt[] } {
  const all = index.history.attempts.filter((a) => Date.parse(a.at) <= now);
  return { all, recent: all.filter((a) => now - Date.parse(a.at) <= WINDOW_MS) };
}

export function gatekeeper(input: DiagnosisInput): HealthFinding | undefined {
  const t = input.thresholds;
  const { all, recent } = attemptsAt(input);
  const firstSeen = new Map<string, number>();
  for (const a of all)
    if (!firstSeen.has(`${a.product}@${a.version}`)) firstSeen.set(`${a.product}@${a.version}`, Date.parse(a.at));
  const waits = recent
    .filter((a) => a.outcome === 'published')
    .map((a) => ({
      product: a.product,
      hours: (Date.parse(a.at) - firstSeen.get(`${a.product}@${a.version}`)!) / HOUR_MS,
    }));
  const waitHours = waits.length >= t.gatekeeperMinVersions ? median(waits.map((w) => w.hours)) : 0;
  const byRule = new Map<string, Set<string>>();
  for (const a of recent.filter((x) => x.outcome === 'refused'))
    for (const rule of a.rules)
      (byRule.get(rule) ?? byRule.set(rule, new Set()).get(rule)!).add(`${a.product}@${a.version}`);
  const [rule, refused] = [...byRule.entries()].sort((a, b) => b[1].size - a[1].size)[0] ?? ['', new Set<string>()];
  const slow = waitHours > t.gatekeeperWaitHours;
  const blocking = refused.size >= t.gatekeeperRuleRefusals;
  if (!slow && !blocking) return undefined;
  const said = [
    slow
      ? `versions wait a median ${formatDuration(waitHours * HOUR_MS)} from their first check to publication (${waits.length} versions)`
      : '',
    blocking ? `rule ${rule} refused ${refused.size} product versions` : '',
  ].filter(Boolean);
  const products = [
    ...(slow ? waits.filter((w) => w.hours > t.gatekeeperWaitHours).map((w) => w.product) : []),
    ...[...refused].map((v) => v.slice(0, v.lastIndexOf('@'))),
  ];
  return {
    pattern: 'governance-as-gatekeeper',
    severity: 'warn',
    summary: `${said.join('; ')} in the last 90 days`,
    evidence: evidence(products, {
      medianWaitHours: Math.round(waitHours * 1000) / 1000,
      versionsPublished: waits.length,
      ...(blocking ? { rule, refusedVersions: refused.size } : {}),
    }),
    remedy: blocking
      ? `review rule ${rule} with the domain teams: give it a hint that says how to comply, build the fix into mesh init's templates, or make it a warning`
      : 'find what holds versions between their first check and publication (mesh validate shows the findings): automate the fix, or make the rule advisory',
  };
}

export function helpDesk(input: DiagnosisInput): HealthFinding | undefined {
  const t = input.thresholds;
  const teamDomains = input.index.history.teamDomains;
  const creators = new Map<string, GovernanceAttempt>();
  for (const a of attemptsAt(input).all)
    if (a.outcome === 'published' && !creators.has(a.product)) creators.set(a.product, a);
  const outsiders = [...creators.values()].filter(
    (a) => a.actorTeams.length > 0 && !a.actorTeams.some((team) => (teamDomains.get(team) ?? []).includes(a.domain)),
  );
  const share = creators.size ? outsiders.length / creators.size : 0;
  if (outsiders.length < t.helpDeskMinProducts || share <= t.helpDeskShare) return undefined;
  const byTeam = new Map<string, number>();
  for (const a of outsiders) for (const team of a.actorTeams) byTeam.set(team, (byTeam.get(team) ?? 0) + 1);
  const [team, count] = [...byTeam.entries()].sort((a, b) => b[1] - a[1])[0];
  return {
    pattern: 'platform-team-as-help-desk',
    severity: 'warn',
    summary: `${outsiders.length} of ${creators.size} products (${Math.round(share * 100)}%) were first published by someone outside the product's domain; team ${team} published ${count} of them`,
    evidence: evidence(
      outsiders.map((a) => a.product),
      { createdByOutsiders: outsiders.length, products: creators.size, team, byTeam: count },
    ),
    remedy: `let the domains publish their own products: pair team ${team} with a domain team on its next product (mesh init), then hand over the descriptor and its owner`,
  };
}

/** What the two patterns cannot see: products published before the platform recorded checks. */
export function unrecorded(input: DiagnosisInput): string[] {
  const seen = new Set(input.index.history.attempts.map((a) => a.product));
  const before = input.facts.filter((f) => !seen.has(f.product.id)).length;
  return before
    ? [
        `${before} product(s) published before governance checks were recorded are left out of governance-as-gatekeeper and platform-team-as-help-desk`,
      ]
    : [];
}
