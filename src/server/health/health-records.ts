/**
 * Mesh health as the API returns it: figures per domain and for the mesh (now and as weekly
 * points), domain scorecards with their products, stale products, and the diagnosis.
 */
import type { NpsFigure } from '../../registry/operations/ratings/nps.js';

export interface HealthOptions {
  /** Judge the history as of this ISO time (default now); nothing after it counts. */
  readonly now?: string;
  /** Weekly points back from `now` (default 26: half a year). */
  readonly weeks?: number;
  /** Only this domain's scorecard (the mesh figures are still the whole mesh's). */
  readonly domain?: string;
  /** Overrides of the diagnosis' thresholds (health-thresholds.ts: a HealthThresholds YAML document). */
  readonly thresholds?: Partial<HealthThresholds>;
}

/** The numbers of one scope (a domain or the mesh) at one moment. */
export interface HealthFigures {
  readonly at: string;
  readonly products: number;
  /** A good publication in the last 30 days. */
  readonly activeProducts: number;
  readonly staleProducts: number;
  /** Share of products whose owner team has members and which name an on-call. */
  readonly ownershipAdoption: number | null;
  /** Domains with at least one active product, of the domains with products. */
  readonly domainsWithActiveProduct: { readonly active: number; readonly of: number };
  /** Products judged (a freshness target and an availability objective) and those that met it over 30 days. */
  readonly slaCompliance: { readonly judged: number; readonly met: number; readonly share: number | null };
  /** Products with a consumer outside their domain (a grant, an input, a read), and those consumers. */
  readonly crossDomain: { readonly products: number; readonly consumers: number; readonly share: number | null };
  /** Median days from a product's first publication to its first good publication (data served). */
  readonly daysToFirstData: number | null;
  /** Median hours from a version's publication to the first good publication after it. */
  readonly hoursVersionToData: number | null;
  readonly incidents: {
    readonly opened: number;
    readonly medianMinutesToAcknowledge: number | null;
    readonly medianMinutesToResolve: number | null;
    readonly unacknowledged: number;
  };
  /** Products whose latest run failed. */
  readonly failingProducts: number;
  readonly nps: NpsFigure;
}

export interface ProductCard {
  readonly product: string;
  readonly owner: string;
  readonly oncall: string | null;
  readonly ownerTeam: string | null;
  readonly ownerTeamMembers: number;
  /** The SLA's freshness state now (server-api's FreshnessState; not imported: server-api imports this file). */
  readonly state: string;
  readonly active: boolean;
  readonly availability: number | null;
  readonly objective: number | null;
  /** The 30-day window's length in days (shorter for a young product). */
  readonly windowDays: number;
  readonly slaMet: boolean | null;
  /** Why the product is stale, or null. */
  readonly stale: string | null;
  readonly latestRun: string | null;
  readonly failingSince: string | null;
  readonly failingChecks: number;
  readonly consumersOutside: string[];
  readonly incidents30d: number;
  readonly nps: NpsFigure;
}

export interface DomainScorecard {
  readonly domain: string;
  readonly ownerTeam: string | null;
  readonly core: boolean;
  readonly members: string[];
  readonly figures: HealthFigures;
  /** Weekly points, oldest first. */
  readonly trend: HealthFigures[];
  readonly npsTrend: NpsFigure[];
  readonly products: ProductCard[];
}

export type HealthPattern =
  | 'relabeling'
  | 'ownership-without-tooling'
  | 'sla-breach-no-follow-up'
  | 'orphaned-products'
  | 'stale-products'
  | 'consumed-inside-only'
  | 'too-few-active-products'
  | 'low-nps'
  | 'governance-as-gatekeeper'
  | 'platform-team-as-help-desk';

export interface HealthFinding {
  readonly pattern: HealthPattern;
  readonly severity: 'warn' | 'error';
  readonly summary: string;
  readonly evidence: {
    readonly products: string[];
    readonly domains: string[];
    readonly numbers: Readonly<Record<string, number | string>>;
  };
  readonly remedy: string;
}

export interface MeshHealth {
  readonly now: string;
  readonly thresholds: HealthThresholds;
  readonly mesh: HealthFigures;
  /** Weekly points of the mesh, oldest first. */
  readonly trend: HealthFigures[];
  readonly domains: DomainScorecard[];
  readonly stale: Array<{ readonly product: string; readonly reason: string }>;
  readonly diagnosis: HealthFinding[];
  /** What the diagnosis cannot judge from what the platform records, said rather than guessed. */
  readonly notMeasured: string[];
}

/** The diagnosis' thresholds; defaults from the field (see ARCHITECTURE.md). */
export interface HealthThresholds {
  /** Relabeling: one owner holds more than this share of the products outside core domains… */
  readonly relabelingShare: number;
  /** …of at least this many such products. */
  readonly relabelingMinProducts: number;
  /** A product failing for this many days without a good run is left failing. */
  readonly failingLeftDays: number;
  /** An incident open this many hours without acknowledgement is ignored. */
  readonly unacknowledgedHours: number;
  /** Consumed inside only: more than this share of active products has no outside consumer… */
  readonly insideOnlyShare: number;
  /** …among at least this many active products. */
  readonly insideOnlyMinProducts: number;
  /** Too few active products: fewer than this many… */
  readonly minActiveProducts: number;
  /** …once the mesh is this many months old. */
  readonly minActiveAfterMonths: number;
  /** Low NPS: below this score… */
  readonly lowNps: number;
  /** …from at least this many ratings. */
  readonly lowNpsMinRatings: number;
  /** Governance as gatekeeper: versions wait longer than this (median hours) from first check to publication… */
  readonly gatekeeperWaitHours: number;
  /** …over at least this many versions published in 90 days… */
  readonly gatekeeperMinVersions: number;
  /** …or one rule refused at least this many product versions in 90 days. */
  readonly gatekeeperRuleRefusals: number;
  /** Platform team as help desk: more than this share of products first published from outside their domain… */
  readonly helpDeskShare: number;
  /** …and at least this many. */
  readonly helpDeskMinProducts: number;
}

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = {
  relabelingShare: 0.5,
  relabelingMinProducts: 4,
  failingLeftDays: 7,
  unacknowledgedHours: 24,
  insideOnlyShare: 0.8,
  insideOnlyMinProducts: 5,
  minActiveProducts: 5,
  minActiveAfterMonths: 18,
  lowNps: 30,
  lowNpsMinRatings: 5,
  gatekeeperWaitHours: 72,
  gatekeeperMinVersions: 5,
  gatekeeperRuleRefusals: 10,
  helpDeskShare: 0.3,
  helpDeskMinProducts: 4,
};

export interface HealthApi {
  /** Figures, trends, scorecards and the diagnosis of the whole mesh (or one domain's scorecard). */
  meshHealth(options?: HealthOptions): Promise<MeshHealth>;
  /** One domain's scorecard. */
  domainScorecard(domain: string, options?: Omit<HealthOptions, 'domain'>): Promise<DomainScorecard>;
}
