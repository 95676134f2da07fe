/**
 * What the server adds to MeshApi: identities and tokens, freshness/SLA, incidents and webhook
 * subscriptions. Like MeshApi it has a local implementation (LocalServerApi, over the
 * registry) and the HTTP client, so `mesh team|token|sla|incident|webhook` behave the same
 * against a server and on this machine.
 */
export const ROLES = ['admin', 'governance', 'member', 'consumer'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: a token's user, its role, and the domains their teams belong to. */
export interface Principal {
  readonly user: string;
  readonly role: Role;
  readonly domains: readonly string[];
  readonly tokenId?: string;
}

export interface TeamRecord {
  readonly name: string;
  readonly domains: string[];
  readonly members: string[];
}

export interface TokenRecord {
  readonly id: string;
  readonly user: string;
  readonly role: Role;
  readonly label: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
}

/** The secret is only ever in this response; the registry keeps its hash. */
export interface CreatedToken extends TokenRecord {
  readonly token: string;
}

export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

export interface IncidentRecord {
  readonly id: string;
  readonly product: string;
  readonly status: IncidentStatus;
  readonly kind: string;
  readonly summary: string;
  readonly oncall: string | null;
  readonly openedAt: string;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
}

export type FreshnessState = 'fresh' | 'late' | 'breached' | 'never-published' | 'no-target';

export interface SlaReport {
  readonly product: string;
  readonly now: string;
  readonly target: string | null;
  readonly alertAfter: string | null;
  readonly lastGoodAt: string | null;
  /** Age of the last good publication, in milliseconds (null when there is none). */
  readonly ageMs: number | null;
  readonly state: FreshnessState;
  /**
   * Share of the window within the freshness target in force at each moment, 0..1; null before
   * the first good publication or without any target.
   */
  readonly availability: number | null;
  /** The descriptor's spec.sla.availability as a ratio (0.995), if any. */
  readonly objective: number | null;
  /** The last 30 days, or since the first good publication when that is later. */
  readonly windowStart: string;
  /** The window's length in milliseconds: shorter than 30 days for a young product. */
  readonly windowMs: number;
  readonly openIncident: string | null;
}

export type WebhookFormat = 'cloudevents' | 'slack';

export interface WebhookRecord {
  readonly id: string;
  readonly url: string;
  readonly types: string[];
  readonly format: WebhookFormat;
  /** Only events about products of these domains (empty: all). */
  readonly domains: string[];
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface DeliveryRecord {
  readonly webhookId: string;
  readonly eventId: number;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly lastError: string | null;
  readonly nextAttemptAt: string;
  readonly finishedAt: string | null;
}

export interface ServerApi {
  whoami(): Promise<Principal>;
  createTeam(input: { name: string; domains: string[] }): Promise<TeamRecord>;
  addTeamMember(team: string, user: string): Promise<TeamRecord>;
  listTeams(): Promise<TeamRecord[]>;
  createToken(input: { user: string; role: Role; expiresAt?: string; label?: string }): Promise<CreatedToken>;
  listTokens(): Promise<TokenRecord[]>;
  revokeToken(id: string): Promise<TokenRecord>;
  productSla(ref: string): Promise<SlaReport>;
  listIncidents(options?: { status?: IncidentStatus; product?: string }): Promise<IncidentRecord[]>;
  getIncident(id: string): Promise<IncidentRecord>;
  acknowledgeIncident(id: string): Promise<IncidentRecord>;
  resolveIncident(id: string): Promise<IncidentRecord>;
  addWebhook(input: {
    url: string;
    types?: string[];
    format?: WebhookFormat;
    domains?: string[];
  }): Promise<WebhookRecord>;
  listWebhooks(): Promise<WebhookRecord[]>;
  removeWebhook(id: string): Promise<void>;
  listDeliveries(webhookId: string): Promise<DeliveryRecord[]>;
}
