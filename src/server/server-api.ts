/**
 * What the server adds to MeshApi: identities and tokens, freshness/SLA, incidents and webhook
 * subscriptions. Like MeshApi it has a local implementation (LocalServerApi, over the
 * registry) and the HTTP client, so `mesh team|token|sla|incident|webhook` behave the same
 * against a server and on this machine.
 */
import type { Principal, Role } from '../core/principal.js';
import type { GovernanceRefusal } from '../registry/operations/governance/governance-attempts.js';
import type { CreatedToken, TeamRecord, TokenRecord } from '../registry/operations/identity/identity-records.js';
import type { IncidentRecord, IncidentStatus } from '../registry/operations/incidents/incident-record.js';
import type { DeliveryRecord, WebhookFormat, WebhookRecord } from '../registry/operations/webhooks/webhook-records.js';
import type { HealthApi } from './health/health-records.js';

// The records live below the registry operations that return them; re-exported for the shells.
export { ROLES, type Principal, type Role } from '../core/principal.js';
export type { CreatedToken, TeamRecord, TokenRecord } from '../registry/operations/identity/identity-records.js';
export type { IncidentRecord, IncidentStatus } from '../registry/operations/incidents/incident-record.js';
export type { DeliveryRecord, WebhookFormat, WebhookRecord } from '../registry/operations/webhooks/webhook-records.js';

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
  /** The last 30 UTC days, oldest first (today so far last): each one's share within target, null when not judged. */
  readonly daily: ReadonlyArray<{ readonly day: string; readonly availability: number | null }>;
}

/** The caller as the server knows them: the token's principal and the teams they belong to. */
export interface Whoami extends Principal {
  readonly teams: readonly string[];
}

/** Mesh health (scorecards, metrics, diagnosis) is built on the SLA history: see health/health-records.ts. */
export interface ServerApi extends HealthApi {
  whoami(): Promise<Whoami>;
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
  /** Product versions whose latest governance check or publication was refused (of one domain's, with `domain`). */
  listGovernanceRefusals(options?: { domain?: string }): Promise<GovernanceRefusal[]>;
}
