/**
 * MeshApi and ServerApi over HTTP: what the CLI uses with --server / MESH_SERVER. Errors come
 * back as `{ error: { kind, message, details } }` and are rebuilt into the same typed errors
 * LocalPlatform throws, so every command behaves (and exits) the same in both modes.
 */
import type { StandardName } from '../../standards/standard-schema.js';
import { errorFromKind, UnavailableError } from '../../core/errors.js';
import type { ColumnProposal } from '../../platform/propose-columns.js';
import type { DescriptorBundle } from '../../platform/descriptor-bundle.js';
import { parse } from 'yaml';
import type {
  AppliedPolicySetOutcome,
  CheckOptions,
  CheckResult,
  DescribeSourceInput,
  DiffResult,
  MeshApi,
  PolicyListing,
  ProductDetail,
  PublishOutcome,
  RemovedPolicySetOutcome,
  VersionChanges,
} from '../../platform/mesh-api.js';
import type { RetiredVersion } from '../../registry/operations/versions/retire-expired-versions.js';
import type { EventRecord } from '../../registry/operations/events/list-events.js';
import type { RunRecord } from '../../registry/operations/runs/run-records.js';
import type { RunOutcome } from '../../runner/run-outcome.js';
import type { ProductSummary } from '../../registry/operations/products/read-products.js';
import { FACETS, type SearchOptions, type SearchResult } from '../../registry/operations/products/search-products.js';
import type {
  CreatedToken,
  DeliveryRecord,
  IncidentRecord,
  IncidentStatus,
  Role,
  ServerApi,
  SlaReport,
  TeamRecord,
  TokenRecord,
  WebhookFormat,
  WebhookRecord,
  Whoami,
} from '../server-api.js';
import { fromCloudEvent, type CloudEvent } from '../webhooks/cloud-event.js';
import type { DomainScorecard, HealthOptions, MeshHealth } from '../health/health-records.js';
import type { GovernanceRefusal } from '../../registry/operations/governance/governance-attempts.js';
import type {
  AccessDecisionOutcome,
  AccessListing,
  AccessListOptions,
  AccessLogOptions,
  AccessLogRecord,
  AccessRequestInput,
  AccessRequestOutcome,
  DataExport,
  DataFormat,
  GrantRecord,
} from '../../access/access-api.js';
import type { CheckResultView } from '../../access/check-samples.js';
import type { AccessScope } from '../../access/principal.js';
import type { LineageGraph, LineageOptions } from '../../lineage/lineage-graph-types.js';
import type { LineageIngestOutcome } from '../../lineage/openlineage-ingest.js';
import type {
  DomainChange,
  DomainRecord,
  NpsOptions,
  NpsReport,
  RatingInput,
  RatingListOptions,
  RatingRecord,
  SavedRating,
} from '../../platform/health/ratings-api.js';
import type { QueryExplanation, QueryRequest, QueryResult } from '../../query/query-service.js';
import { queryOverHttp } from './http-query.js';

export interface HttpPlatformOptions {
  readonly baseUrl: string;
  readonly token?: string;
  /** Retries of idempotent reads on 503 or a refused connection (the server or its database restarting). */
  readonly retries?: number;
  readonly fetch?: typeof fetch;
}

type Query = Record<string, string | number | readonly string[] | undefined>;

export class HttpPlatform implements MeshApi, ServerApi {
  readonly #base: string;
  readonly #token?: string;
  readonly #retries: number;
  readonly #fetch: typeof fetch;

  constructor(options: HttpPlatformOptions) {
    this.#base = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
    this.#retries = options.retries ?? 2;
    this.#fetch = options.fetch ?? fetch;
  }

  async #request<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
    const url = new URL(this.#base + path);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      if (Array.isArray(v)) for (const item of v as readonly string[]) url.searchParams.append(k, item);
      else if (v !== undefined && v !== '') url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const attempts = method === 'GET' ? this.#retries + 1 : 1;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.#fetch(url, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
        });
      } catch (error) {
        if (attempt < attempts) {
          await sleep(200 * attempt);
          continue;
        }
        throw new UnavailableError(`cannot reach the Meshwork server at ${this.#base}: ${(error as Error).message}`, {
          cause: error,
          details: { hint: 'is `mesh serve` running there? check --server / MESH_SERVER' },
        });
      }
      if (response.status === 503 && attempt < attempts) {
        await response.body?.cancel();
        await sleep(200 * attempt);
        continue;
      }
      if (response.status === 204) return undefined as T;
      const text = await response.text();
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        throw errorFromKind(
          response.status >= 500 ? 'unavailable' : 'internal',
          `the server at ${this.#base} answered ${response.status} with a body that is not JSON`,
        );
      }
      if (!response.ok) {
        const error = (body as { error?: { kind?: string; message?: string; details?: unknown } } | undefined)?.error;
        throw errorFromKind(
          error?.kind ?? (response.status >= 500 ? 'unavailable' : 'internal'),
          error?.message ?? `HTTP ${response.status}`,
          error?.details,
        );
      }
      return body as T;
    }
  }

  check(bundle: DescriptorBundle, options: CheckOptions = {}): Promise<CheckResult> {
    return this.#request('POST', '/v1/check', { body: bundle, query: { draft: options.draft ? 'true' : undefined } });
  }
  publish(bundle: DescriptorBundle): Promise<PublishOutcome> {
    return this.#request('POST', '/v1/products', { body: bundle });
  }
  listProducts(options: { domain?: string; limit?: number; offset?: number } = {}): Promise<ProductSummary[]> {
    return this.#request('GET', '/v1/products', { query: options });
  }
  searchProducts(text: string, options: SearchOptions = {}): Promise<SearchResult> {
    const query: Query = { q: text, limit: options.limit, cursor: options.cursor };
    if (options.typos === false) query.typos = 'false';
    for (const facet of FACETS) if (options[facet]?.length) query[facet] = options[facet];
    return this.#request('GET', '/v1/catalog/search', { query });
  }
  showProduct(ref: string): Promise<ProductDetail> {
    return this.#request('GET', productPath(ref));
  }
  /** The server fills the management ports' URLs with its own address. */
  versionChanges(ref: string): Promise<VersionChanges[]> {
    return this.#request('GET', `${productPath(ref)}/changes`);
  }
  exportStandard(ref: string, standard: StandardName): Promise<Record<string, unknown>> {
    return this.#request('GET', `${productPath(ref)}/${standard}`);
  }
  async listEvents(options: { after?: number; subject?: string; limit?: number } = {}): Promise<EventRecord[]> {
    const events = await this.#request<CloudEvent[]>('GET', '/v1/events', { query: options });
    return events.map(fromCloudEvent);
  }

  runProduct(ref: string): Promise<RunOutcome> {
    // The server records the trigger as `api`; progress callbacks stay in-process.
    return this.#request('POST', `${productPath(ref)}/runs`, { body: {} });
  }
  dryRun(bundle: DescriptorBundle): Promise<RunOutcome> {
    return this.#request('POST', '/v1/dry-runs', { body: bundle });
  }
  describeSource(request: DescribeSourceInput): Promise<ColumnProposal> {
    return this.#request('POST', '/v1/sources/describe', { body: request });
  }
  listRuns(ref: string, options: { limit?: number } = {}): Promise<RunRecord[]> {
    return this.#request('GET', `${productPath(ref)}/runs`, { query: options });
  }
  listCheckResults(ref: string, options: { runs?: number; scope?: AccessScope } = {}): Promise<CheckResultView[]> {
    return this.#request('GET', `${productPath(ref)}/checks`, {
      query: { runs: options.runs, as: options.scope?.asTeam },
    });
  }

  // Access: the server takes the principal from the token; only the team read as travels.
  requestAccess(scope: AccessScope, input: AccessRequestInput): Promise<AccessRequestOutcome> {
    return this.#request('POST', '/v1/access/requests', { body: { ...input, as: scope.asTeam } });
  }
  decideAccess(
    scope: AccessScope,
    id: string,
    input: { approve: boolean; reason?: string },
  ): Promise<AccessDecisionOutcome> {
    const verb = input.approve ? 'approve' : 'deny';
    return this.#request('POST', `/v1/access/requests/${encodeURIComponent(id)}/${verb}`, {
      body: { reason: input.reason, as: scope.asTeam },
    });
  }
  revokeGrant(scope: AccessScope, grantId: string): Promise<GrantRecord> {
    return this.#request('DELETE', `/v1/access/grants/${encodeURIComponent(grantId)}`, {
      query: { as: scope.asTeam },
    });
  }
  listAccess(options: AccessListOptions = {}): Promise<AccessListing> {
    return this.#request('GET', '/v1/access', {
      query: { product: options.product, team: options.team, pending: options.pending ? 'true' : undefined },
    });
  }
  accessLog(scope: AccessScope, options: AccessLogOptions = {}): Promise<AccessLogRecord[]> {
    return this.#request('GET', '/v1/access/log', { query: { ...options, as: scope.asTeam } });
  }

  listGovernanceRefusals(options: { domain?: string } = {}): Promise<GovernanceRefusal[]> {
    return this.#request('GET', '/v1/governance/refusals', { query: options });
  }
  meshHealth(options: HealthOptions = {}): Promise<MeshHealth> {
    return this.#request('GET', '/v1/health/mesh', { query: healthQuery(options) });
  }
  domainScorecard(domain: string, options: Omit<HealthOptions, 'domain'> = {}): Promise<DomainScorecard> {
    return this.#request('GET', `/v1/health/domains/${encodeURIComponent(domain)}`, { query: healthQuery(options) });
  }

  // Ratings and domains.
  rateProduct(scope: AccessScope, input: RatingInput): Promise<SavedRating> {
    const { product, ...body } = input;
    return this.#request('POST', `${productPath(product)}/ratings`, { body: { ...body, as: scope.asTeam } });
  }
  listRatings(options: RatingListOptions = {}): Promise<RatingRecord[]> {
    const { product, ...query } = options;
    return product
      ? this.#request('GET', `${productPath(product)}/ratings`, { query })
      : this.#request('GET', '/v1/ratings', { query });
  }
  answerRating(scope: AccessScope, id: string, answer: string): Promise<RatingRecord> {
    return this.#request('POST', `/v1/ratings/${encodeURIComponent(id)}/answer`, {
      body: { answer, as: scope.asTeam },
    });
  }
  nps(options: NpsOptions = {}): Promise<NpsReport> {
    return this.#request('GET', '/v1/nps', { query: { ...options } });
  }
  listDomains(): Promise<DomainRecord[]> {
    return this.#request('GET', '/v1/domains');
  }
  showDomain(name: string): Promise<DomainRecord> {
    return this.#request('GET', `/v1/domains/${encodeURIComponent(name)}`);
  }
  setDomain(scope: AccessScope, name: string, change: DomainChange): Promise<DomainRecord> {
    return this.#request('PUT', `/v1/domains/${encodeURIComponent(name)}`, { body: { ...change, as: scope.asTeam } });
  }

  /** The data streams through: the body is handed over unread, the metadata comes in headers. */
  async exportData(scope: AccessScope, ref: string, options: { format: DataFormat }): Promise<DataExport> {
    const url = new URL(`${this.#base}${productPath(ref)}/data`);
    url.searchParams.set('format', options.format);
    if (scope.asTeam) url.searchParams.set('as', scope.asTeam);
    const headers: Record<string, string> = {};
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    let response: Response;
    try {
      response = await this.#fetch(url, { headers });
    } catch (error) {
      throw new UnavailableError(`cannot reach the Meshwork server at ${this.#base}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    if (!response.ok || !response.body) {
      const body = (await response.json().catch(() => undefined)) as
        { error?: { kind?: string; message?: string; details?: unknown } } | undefined;
      throw errorFromKind(
        body?.error?.kind ?? (response.status >= 500 ? 'unavailable' : 'internal'),
        body?.error?.message ?? `HTTP ${response.status}`,
        body?.error?.details,
      );
    }
    const h = (name: string) => response.headers.get(name) ?? '';
    return {
      product: h('x-mesh-product'),
      major: Number(h('x-mesh-major')),
      snapshotId: h('x-mesh-snapshot'),
      format: options.format,
      rows: Number(h('x-mesh-rows')),
      maskedColumns: h('x-mesh-masked-columns') ? h('x-mesh-masked-columns').split(',') : [],
      piiCleared: h('x-mesh-pii-cleared') === 'true',
      contentType: h('content-type'),
      body: response.body,
    };
  }

  lineage(ref: string, options: LineageOptions = {}): Promise<LineageGraph> {
    return this.#request('GET', '/v1/lineage', {
      query: {
        product: ref,
        direction: options.direction,
        depth: options.depth,
        columns: options.columns ? 'true' : undefined,
        limit: options.limit,
        cursor: options.cursor,
      },
    });
  }

  ingestLineageEvents(body: unknown): Promise<LineageIngestOutcome> {
    return this.#request('POST', '/v1/lineage/events', { body });
  }

  // Consumer queries: the result streams as NDJSON and is handed over batch by batch as it arrives.
  query(scope: AccessScope, request: QueryRequest): Promise<QueryResult> {
    return queryOverHttp(
      { base: this.#base, token: this.#token, fetch: this.#fetch },
      { ...request, as: scope.asTeam },
    );
  }
  explainQuery(scope: AccessScope, request: QueryRequest): Promise<QueryExplanation> {
    return this.#request('POST', '/v1/query/explain', { body: { ...request, as: scope.asTeam } });
  }

  listPolicies(options: { product?: string; domain?: string } = {}): Promise<PolicyListing> {
    return this.#request('GET', '/v1/policies', { query: options });
  }
  applyPolicySet(
    document: { file: string; yaml: string },
    options: { name?: string } = {},
  ): Promise<AppliedPolicySetOutcome> {
    // The URL names the set; a document whose name cannot be read here still goes, and the server explains what is wrong with it.
    const name = options.name ?? declaredName(document.yaml) ?? '-';
    return this.#request('PUT', `/v1/policy-sets/${encodeURIComponent(name)}`, {
      body: { file: document.file, yaml: document.yaml },
    });
  }
  removePolicySet(name: string): Promise<RemovedPolicySetOutcome> {
    return this.#request('DELETE', `/v1/policy-sets/${encodeURIComponent(name)}`);
  }
  diff(bundle: DescriptorBundle, options: { against?: string } = {}): Promise<DiffResult> {
    return this.#request('POST', '/v1/diff', { body: { ...bundle, against: options.against } });
  }
  retireExpiredVersions(options: { now?: string } = {}): Promise<{ retired: RetiredVersion[] }> {
    return this.#request('POST', '/v1/versions/retire-expired', { body: { now: options.now } });
  }

  whoami(): Promise<Whoami> {
    return this.#request('GET', '/v1/whoami');
  }
  createTeam(input: { name: string; domains: string[] }): Promise<TeamRecord> {
    return this.#request('POST', '/v1/teams', { body: input });
  }
  addTeamMember(team: string, user: string): Promise<TeamRecord> {
    return this.#request('POST', `/v1/teams/${encodeURIComponent(team)}/members`, { body: { user } });
  }
  listTeams(): Promise<TeamRecord[]> {
    return this.#request('GET', '/v1/teams');
  }
  createToken(input: { user: string; role: Role; expiresAt?: string; label?: string }): Promise<CreatedToken> {
    return this.#request('POST', '/v1/tokens', { body: input });
  }
  listTokens(): Promise<TokenRecord[]> {
    return this.#request('GET', '/v1/tokens');
  }
  revokeToken(id: string): Promise<TokenRecord> {
    return this.#request('DELETE', `/v1/tokens/${encodeURIComponent(id)}`);
  }
  productSla(ref: string): Promise<SlaReport> {
    return this.#request('GET', `${productPath(ref)}/sla`);
  }
  listIncidents(options: { status?: IncidentStatus; product?: string } = {}): Promise<IncidentRecord[]> {
    return this.#request('GET', '/v1/incidents', { query: options });
  }
  getIncident(id: string): Promise<IncidentRecord> {
    return this.#request('GET', `/v1/incidents/${encodeURIComponent(id)}`);
  }
  acknowledgeIncident(id: string): Promise<IncidentRecord> {
    return this.#request('POST', `/v1/incidents/${encodeURIComponent(id)}/ack`);
  }
  resolveIncident(id: string): Promise<IncidentRecord> {
    return this.#request('POST', `/v1/incidents/${encodeURIComponent(id)}/resolve`);
  }
  addWebhook(input: {
    url: string;
    types?: string[];
    format?: WebhookFormat;
    domains?: string[];
  }): Promise<WebhookRecord> {
    return this.#request('POST', '/v1/webhooks', { body: input });
  }
  listWebhooks(): Promise<WebhookRecord[]> {
    return this.#request('GET', '/v1/webhooks');
  }
  async removeWebhook(id: string): Promise<void> {
    await this.#request('DELETE', `/v1/webhooks/${encodeURIComponent(id)}`);
  }
  listDeliveries(webhookId: string): Promise<DeliveryRecord[]> {
    return this.#request('GET', `/v1/webhooks/${encodeURIComponent(webhookId)}/deliveries`);
  }

  async close(): Promise<void> {
    /* fetch keeps no state worth closing */
  }
}

/** domain/name[@version] → /v1/products/domain/name[@version]; a reference without a slash still reaches the server, which explains the mistake. */
function healthQuery(options: HealthOptions): Query {
  const { thresholds, ...rest } = options;
  return { ...rest, thresholds: thresholds && JSON.stringify(thresholds) };
}

function productPath(ref: string): string {
  const slash = ref.indexOf('/');
  const [domain, name] = slash === -1 ? [ref, '-'] : [ref.slice(0, slash), ref.slice(slash + 1)];
  return `/v1/products/${encodeURIComponent(domain)}/${encodeURIComponent(name)}`;
}

function declaredName(yaml: string): string | undefined {
  try {
    const name = (parse(yaml, { maxAliasCount: 100 }) as { metadata?: { name?: unknown } } | null)?.metadata?.name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
