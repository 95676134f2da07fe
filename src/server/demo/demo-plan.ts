/**
 * The demo mesh's plan, drawn from a seed before anything runs: its domains and teams, each
 * product's days (init, publication, runs, breakage), consumers and rating scores, with the
 * failure patterns asked for planted on purpose. The same options give the same plan.
 */
import { InputError } from '../../core/errors.js';

export const DEMO_PATTERNS = [
  'relabeling',
  'ownership-without-tooling',
  'sla-breach-no-follow-up',
  'orphaned-products',
  'consumed-inside-only',
  'low-nps',
] as const;
export type DemoPattern = (typeof DEMO_PATTERNS)[number];

export interface DemoOptions {
  readonly domains?: number;
  readonly products?: number;
  readonly days?: number;
  /** A product's scheduled run every this many days (its freshness target follows). */
  readonly runEvery?: number;
  /** Each product is read (a download or a query) every this many days. */
  readonly readEvery?: number;
  readonly seed?: number;
  /** The failure patterns to plant; none: a healthy mesh. */
  readonly patterns?: readonly DemoPattern[];
}

export interface DemoDomain {
  readonly name: string;
  readonly core: boolean;
  /** The domain's owning team; without members when orphaned. */
  readonly team: string;
  /** Who works in the domain: publishes, approves, acknowledges. */
  readonly lead: string;
  /** The team `lead` belongs to (the owning team, or a second team of the domain when that one is orphaned). */
  readonly leadTeam: string;
  readonly orphaned: boolean;
}

export interface DemoProduct {
  readonly domain: DemoDomain;
  readonly name: string;
  readonly owner: string;
  /** Who publishes it: the domain's lead, or the platform team's member (relabeling). */
  readonly publisher: string;
  readonly initDay: number;
  readonly publishDay: number;
  /** Day it breaks and is left broken (neglect), if planted. */
  readonly neglectFrom?: number;
  /** Teams of other domains that ask for access, and whether the owner approves. */
  readonly consumers: ReadonlyArray<{ team: string; user: string; approved: boolean }>;
}

export interface DemoPlan {
  readonly options: Required<Omit<DemoOptions, 'patterns'>> & { patterns: readonly DemoPattern[] };
  readonly domains: readonly DemoDomain[];
  readonly products: readonly DemoProduct[];
  readonly platformUser: string;
  /** Runs that fail once (the owner fixes them the next day): product index → days. */
  readonly oneOffFailures: ReadonlyMap<string, ReadonlySet<number>>;
  score(product: DemoProduct, quarter: number, k: number): number;
}

const DOMAIN_NAMES = [
  'identity',
  'sales',
  'marketing',
  'finance',
  'logistics',
  'hr',
  'support',
  'billing',
  'inventory',
  'procurement',
  'pricing',
  'payments',
  'fraud',
  'risk',
  'legal',
  'product',
  'growth',
  'partners',
  'catalog',
  'shipping',
  'returns',
  'loyalty',
  'search',
  'ads',
  'content',
  'devices',
  'security',
  'facilities',
  'research',
  'treasury',
];
const PRODUCT_NAMES = ['orders', 'customers', 'events', 'accounts', 'daily-totals', 'forecasts', 'contacts', 'items'];
export const PLATFORM_TEAM = 'platform';

/** Mulberry32: small, fast, and the same sequence for the same seed everywhere. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const flagOf = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function checkedOptions(o: DemoOptions): DemoPlan['options'] {
  const options = {
    domains: o.domains ?? 30,
    products: o.products ?? 300,
    days: o.days ?? 180,
    runEvery: o.runEvery ?? 28,
    readEvery: o.readEvery ?? 60,
    seed: o.seed ?? 1,
    patterns: o.patterns ?? [],
  };
  for (const [name, value] of Object.entries(options))
    if (name !== 'patterns' && (!Number.isInteger(value) || (value as number) < 1))
      throw new InputError(`--${flagOf(name)} must be a whole number of at least 1, not ${String(value)}`);
  if (options.domains < 4) throw new InputError('--domains must be at least 4 (a core, and room for the patterns)');
  if (options.products < options.domains) throw new InputError('--products must be at least the number of domains');
  if (options.readEvery >= 90) throw new InputError('--read-every must be under 90 days (unread products go stale)');
  for (const p of options.patterns)
    if (!(DEMO_PATTERNS as readonly string[]).includes(p))
      throw new InputError(`unknown pattern "${p}"; choose from ${DEMO_PATTERNS.join(', ')}`);
  return options;
}

function planDomains(o: DemoPlan['options']): DemoDomain[] {
  return Array.from({ length: o.domains }, (_, i) => {
    const name = i < DOMAIN_NAMES.length ? DOMAIN_NAMES[i] : `${DOMAIN_NAMES[i % DOMAIN_NAMES.length]}-${i}`;
    if (i === 0)
      return { name, core: true, team: PLATFORM_TEAM, lead: 'pat', leadTeam: PLATFORM_TEAM, orphaned: false };
    const orphaned = i === 2 && o.patterns.includes('orphaned-products');
    const team = `${name}-crew`;
    return {
      name,
      core: false,
      team,
      lead: `${name}-lead`,
      leadTeam: orphaned ? `${name}-contractors` : team,
      orphaned,
    };
  });
}

export function demoPlan(input: DemoOptions = {}): DemoPlan {
  const options = checkedOptions(input);
  const random = seededRandom(options.seed);
  const domains = planDomains(options);
  const has = (p: DemoPattern) => options.patterns.includes(p);
  // Relabeling: the platform team owns and publishes the products of most non-core domains.
  const relabeled = (d: number) => has('relabeling') && d >= 1 && d % 4 !== 1;
  const neglected = (d: number) => d === 3 && (has('ownership-without-tooling') || has('sla-breach-no-follow-up'));
  const products: DemoProduct[] = [];
  const oneOffFailures = new Map<string, Set<number>>();
  const lastStart = Math.max(1, Math.floor(options.days * 0.35));
  for (let i = 0; i < options.products; i++) {
    const d = i % domains.length;
    const domain = domains[d];
    const k = Math.floor(i / domains.length);
    const name = k < PRODUCT_NAMES.length ? PRODUCT_NAMES[k] : `${PRODUCT_NAMES[k % PRODUCT_NAMES.length]}-${k}`;
    const initDay = d === 0 ? 0 : Math.floor(random() * lastStart);
    const publishDay = initDay + Math.floor(random() * 2);
    // Consumed inside only: the core's products still serve everyone (so there are ratings), the rest hardly anyone.
    const consumers = planConsumers(domains, d, random, has('consumed-inside-only') && d !== 0);
    const neglectFrom = neglected(d) ? Math.max(publishDay + 1, options.days - options.runEvery - 15) : undefined;
    products.push({
      domain,
      name,
      owner: relabeled(d) ? 'platform@company.com' : `${domain.name}@company.com`,
      publisher: relabeled(d) ? 'pat' : domain.lead,
      initDay,
      publishDay,
      neglectFrom,
      consumers,
    });
    const failures = new Set<number>();
    for (let day = publishDay + options.runEvery; day < (neglectFrom ?? options.days) - 2; day += options.runEvery)
      if (random() < 0.04) failures.add(day);
    oneOffFailures.set(`${domain.name}/${name}`, failures);
  }
  const lowNps = has('low-nps');
  const score = (p: DemoProduct, quarter: number, k: number): number => {
    const healthy = [9, 10, 9, 8, 10, 9, 7];
    const low = [3, 6, 9, 5, 4, 10, 2];
    const list = lowNps ? low : healthy;
    return list[(p.name.length + quarter + k * 3) % list.length];
  };
  return { options, domains, products, platformUser: 'pat', oneOffFailures, score };
}

/** 0–3 teams of other domains (none for most products when the mesh is consumed inside only). */
function planConsumers(
  domains: readonly DemoDomain[],
  own: number,
  random: () => number,
  insideOnly: boolean,
): DemoProduct['consumers'] {
  const wanted = insideOnly ? 0 : 2 + Math.floor(random() * 2);
  const picked = new Map<string, { team: string; user: string; approved: boolean }>();
  for (let n = 0; n < wanted * 3 && picked.size < wanted; n++) {
    const d = domains[Math.floor(random() * domains.length)];
    if (domains.indexOf(d) === own || d.orphaned) continue;
    picked.set(d.leadTeam, { team: d.leadTeam, user: d.lead, approved: random() > 0.1 });
  }
  return [...picked.values()];
}
