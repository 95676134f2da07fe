/**
 * Access control as a wrapper around the platform (as Backstage's AuthorizedEntitiesCatalog):
 * every route talks to this object, which checks the caller and then delegates, so no
 * handler can forget a check. Roles (the README's table says the same):
 *   admin       everything
 *   governance  read everything; manages policy sets (governance's own routes)
 *   member      read everything; publish, run, and act on incidents, in their teams' domains only
 *   consumer    read the catalog, SLAs, events, incidents, and the trust signals of a product:
 *               its run history and check results. Nothing else: not teams, policies,
 *               checking or diffing descriptors, and belonging to a team gives a consumer no more.
 * Data (downloads, check samples) is not a role's right: every read asks the access decision
 * (src/access) with the caller's scope, built here from the token — never from the client.
 */
import type { StandardName } from '../../standards/standard-schema.js';
import { InputError, NotAllowedError } from '../../core/errors.js';
import { writtenProducts } from '../../lineage/openlineage-ingest.js';
import type { DescriptorBundle } from '../../platform/descriptor-bundle.js';
import { parseYamlText } from '../../descriptor/yaml-source.js';
import type { CheckOptions, DescribeSourceInput, MeshApi, RunProductRequest } from '../../platform/mesh-api.js';
import type { SearchOptions } from '../../registry/operations/products/search-products.js';
import type { IncidentStatus, Principal, Role, ServerApi, WebhookFormat } from '../server-api.js';
import type { HealthOptions } from '../health/health-records.js';
import type { AccessListOptions, AccessLogOptions, AccessRequestInput, DataFormat } from '../../access/access-api.js';
import type { AccessScope } from '../../access/principal.js';
import type { LineageOptions } from '../../lineage/lineage-graph-types.js';
import type { DomainChange, NpsOptions, RatingInput, RatingListOptions } from '../../platform/health/ratings-api.js';
import type { QueryRequest } from '../../query/query-service.js';

/** Every role but consumer. */
const INSIDERS: readonly Role[] = ['admin', 'governance', 'member'];

export class AuthorizedPlatform implements MeshApi, ServerApi {
  constructor(
    readonly principal: Principal,
    readonly mesh: MeshApi,
    readonly server: ServerApi,
  ) {}

  #require(roles: readonly Role[], action: string): void {
    if (!roles.includes(this.principal.role))
      throw new NotAllowedError(`${this.principal.user} (${this.principal.role}) may not ${action}`, {
        details: { hint: `needs the role ${roles.join(' or ')}` },
      });
  }

  #requireDomain(domain: string, action: string): void {
    if (this.principal.role === 'admin') return;
    this.#require(['member'], action);
    if (!this.principal.domains.includes(domain)) {
      throw new NotAllowedError(
        `${this.principal.user} may not ${action} in domain ${domain}: not a member of a team of that domain`,
        {
          details: {
            hint: this.principal.domains.length
              ? `your domains: ${this.principal.domains.join(', ')}`
              : 'ask an admin to add you to a team of this domain (mesh team add-member)',
          },
        },
      );
    }
  }

  /** A bundle's declared domain; one that declares none can only come from a role that may write somewhere. */
  #requireBundleDomain(domain: string | undefined, action: string): void {
    if (domain !== undefined) this.#requireDomain(domain, action);
    else this.#require(['admin', 'member'], action);
  }

  // Reading the catalog and a product's trust signals: every role.
  listProducts(options?: { domain?: string; limit?: number; offset?: number }) {
    return this.mesh.listProducts(options);
  }
  searchProducts(text: string, options?: SearchOptions) {
    return this.mesh.searchProducts(text, options);
  }
  showProduct(ref: string) {
    return this.mesh.showProduct(ref);
  }
  versionChanges(ref: string) {
    return this.mesh.versionChanges(ref);
  }
  exportStandard(ref: string, standard: StandardName, options?: { baseUrl?: string }) {
    return this.mesh.exportStandard(ref, standard, options);
  }
  listEvents(options?: { after?: number; subject?: string; limit?: number }) {
    return this.mesh.listEvents(options);
  }
  /** Lineage is catalog metadata: every signed-in role. */
  lineage(ref: string, options?: LineageOptions) {
    return this.mesh.lineage(ref, options);
  }
  /** Other tools' lineage events: writers (admins and members, e.g. a scheduler's token). */
  async ingestLineageEvents(body: unknown) {
    this.#require(['admin', 'member'], 'send lineage events');
    // A member speaks for their own domains' products only: an event that is, or writes, another
    // domain's product would put edges into that product's lineage.
    for (const product of writtenProducts(body))
      this.#requireDomain(product.split('/')[0], `send lineage events that write ${product}`);
    return this.mesh.ingestLineageEvents(body);
  }
  listRuns(ref: string, options?: { limit?: number }) {
    return this.mesh.listRuns(ref, options);
  }
  listCheckResults(ref: string, options?: { runs?: number; scope?: AccessScope }) {
    return this.mesh.listCheckResults(ref, { runs: options?.runs, scope: this.#scope(options?.scope) });
  }

  /** The caller's scope from the token; of what the client sent only the team it reads as is kept (and checked). */
  #scope(given?: AccessScope): AccessScope {
    return { principal: { user: this.principal.user, role: this.principal.role }, asTeam: given?.asTeam };
  }

  // Access: anyone may ask and list; deciding and revoking is for admins and the owning domain's members.
  requestAccess(scope: AccessScope, input: AccessRequestInput) {
    return this.mesh.requestAccess(this.#scope(scope), input);
  }
  async decideAccess(scope: AccessScope, id: string, input: { approve: boolean; reason?: string }) {
    this.#require(['admin', 'member'], input.approve ? 'approve access' : 'deny access');
    return this.mesh.decideAccess(this.#scope(scope), id, input);
  }
  async revokeGrant(scope: AccessScope, grantId: string) {
    this.#require(['admin', 'member'], 'revoke access');
    return this.mesh.revokeGrant(this.#scope(scope), grantId);
  }
  listAccess(options?: AccessListOptions) {
    return this.mesh.listAccess(options);
  }
  accessLog(scope: AccessScope, options?: AccessLogOptions) {
    return this.mesh.accessLog(this.#scope(scope), options);
  }
  exportData(scope: AccessScope, ref: string, options: { format: DataFormat }) {
    return this.mesh.exportData(this.#scope(scope), ref, options);
  }
  // Ratings: any role rates for a team it belongs to (the platform checks team and consumption); owners answer.
  rateProduct(scope: AccessScope, input: RatingInput) {
    return this.mesh.rateProduct(this.#scope(scope), input);
  }
  listRatings(options?: RatingListOptions) {
    return this.mesh.listRatings(options);
  }
  async answerRating(scope: AccessScope, id: string, answer: string) {
    this.#require(['admin', 'member'], 'answer ratings');
    return this.mesh.answerRating(this.#scope(scope), id, answer);
  }
  nps(options?: NpsOptions) {
    return this.mesh.nps(options);
  }
  listDomains() {
    return this.mesh.listDomains();
  }
  showDomain(name: string) {
    return this.mesh.showDomain(name);
  }
  async setDomain(scope: AccessScope, name: string, change: DomainChange) {
    this.#require(['admin'], 'set domains');
    return this.mesh.setDomain(this.#scope(scope), name, change);
  }

  // Consumer queries: every role; what a query reads is decided per product with the token's scope.
  query(scope: AccessScope, request: QueryRequest) {
    return this.mesh.query(this.#scope(scope), request);
  }
  explainQuery(scope: AccessScope, request: QueryRequest) {
    return this.mesh.explainQuery(this.#scope(scope), request);
  }
  whoami() {
    return this.server.whoami();
  }
  productSla(ref: string) {
    return this.server.productSla(ref);
  }
  // Mesh health: figures of the whole mesh, readable by every role (like SLAs and incidents).
  meshHealth(options?: HealthOptions) {
    return this.server.meshHealth(options);
  }
  domainScorecard(domain: string, options?: Omit<HealthOptions, 'domain'>) {
    return this.server.domainScorecard(domain, options);
  }
  listIncidents(options?: { status?: IncidentStatus; product?: string }) {
    return this.server.listIncidents(options);
  }
  getIncident(id: string) {
    return this.server.getIncident(id);
  }

  // The platform's inside (teams, policies) and authoring (checking, diffing descriptors): every role but consumer.
  async check(bundle: DescriptorBundle, options?: CheckOptions) {
    this.#require(INSIDERS, 'check descriptors');
    return this.mesh.check(bundle, options);
  }
  async diff(bundle: DescriptorBundle, options?: { against?: string }) {
    this.#require(INSIDERS, 'diff descriptors');
    return this.mesh.diff(bundle, options);
  }
  async listPolicies(options?: { product?: string; domain?: string }) {
    this.#require(INSIDERS, 'list policies');
    return this.mesh.listPolicies(options);
  }
  async listGovernanceRefusals(options?: { domain?: string }) {
    this.#require(INSIDERS, 'list governance refusals');
    return this.server.listGovernanceRefusals(options);
  }
  async listTeams() {
    this.#require(INSIDERS, 'list teams');
    return this.server.listTeams();
  }

  /**
   * Publishing: admins anywhere, members only into their own domains. The domain is read from
   * the bundle's YAML (one light read: the full check runs once, in the platform); a bundle whose
   * domain cannot be read is refused by the platform anyway.
   */
  async publish(bundle: DescriptorBundle) {
    this.#requireBundleDomain(declared(bundle).domain, 'publish');
    return this.mesh.publish(bundle);
  }

  /** Running: admins anywhere, members in their own domains (a run reads sources with the platform's credentials). */
  async runProduct(ref: string, options?: RunProductRequest) {
    this.#requireDomain(ref.split('/')[0], 'run products');
    return this.mesh.runProduct(ref, { ...options, trigger: 'api' });
  }

  /**
   * A dry run executes the caller's SQL on the server, so it is a member's right in their own
   * domain, and never with file inputs: those would read the server's files, not the caller's.
   */
  async dryRun(bundle: DescriptorBundle, options?: RunProductRequest & { baseDir?: string }) {
    const { domain, readsFiles } = declared(bundle);
    this.#requireBundleDomain(domain, 'run products');
    if (readsFiles) {
      throw new InputError("a dry run on the server cannot read file inputs (they would be the server's files)", {
        details: { hint: 'run `mesh run --path <dir>` without --server: dry runs read your local files' },
      });
    }
    return this.mesh.dryRun(bundle, { trigger: 'api', observer: options?.observer });
  }

  /**
   * Describing a source connects to it with the platform's credentials, as a run does: a
   * member's right in their own domain (whose environment grants then apply), never a consumer's.
   */
  async describeSource(request: DescribeSourceInput) {
    this.#requireDomain(request.domain, 'describe sources');
    return this.mesh.describeSource(request);
  }

  async acknowledgeIncident(id: string) {
    const incident = await this.server.getIncident(id);
    this.#requireDomain(incident.product.split('/')[0], 'acknowledge incidents');
    return this.server.acknowledgeIncident(id);
  }
  async resolveIncident(id: string) {
    const incident = await this.server.getIncident(id);
    this.#requireDomain(incident.product.split('/')[0], 'resolve incidents');
    return this.server.resolveIncident(id);
  }

  // Policy sets and the version lifecycle: the governance role's own business (and admins').
  async applyPolicySet(document: { file: string; yaml: string }, options?: { name?: string }) {
    this.#require(['admin', 'governance'], 'apply policy sets');
    return this.mesh.applyPolicySet(document, options);
  }
  async removePolicySet(name: string) {
    this.#require(['admin', 'governance'], 'remove policy sets');
    return this.mesh.removePolicySet(name);
  }
  async retireExpiredVersions(options?: { now?: string }) {
    this.#require(['admin', 'governance'], 'retire versions');
    return this.mesh.retireExpiredVersions(options);
  }

  // Identities and subscriptions: admins only.
  async createTeam(input: { name: string; domains: string[] }) {
    this.#require(['admin'], 'create teams');
    return this.server.createTeam(input);
  }
  async addTeamMember(team: string, user: string) {
    this.#require(['admin'], 'change team membership');
    return this.server.addTeamMember(team, user);
  }
  async createToken(input: { user: string; role: Role; expiresAt?: string; label?: string }) {
    this.#require(['admin'], 'create tokens');
    return this.server.createToken(input);
  }
  async listTokens() {
    this.#require(['admin'], 'list tokens');
    return this.server.listTokens();
  }
  async revokeToken(id: string) {
    this.#require(['admin'], 'revoke tokens');
    return this.server.revokeToken(id);
  }
  async addWebhook(input: { url: string; types?: string[]; format?: WebhookFormat; domains?: string[] }) {
    this.#require(['admin'], 'add webhooks');
    return this.server.addWebhook(input);
  }
  async listWebhooks() {
    this.#require(['admin'], 'list webhooks');
    return this.server.listWebhooks();
  }
  async removeWebhook(id: string) {
    this.#require(['admin'], 'remove webhooks');
    return this.server.removeWebhook(id);
  }
  async listDeliveries(webhookId: string) {
    this.#require(['admin'], 'list webhook deliveries');
    return this.server.listDeliveries(webhookId);
  }

  async close(): Promise<void> {
    /* per-request view: the shared platform is closed by the server */
  }
}

/**
 * What authorization needs from a bundle before the platform checks it in full: the declared
 * domain and whether it reads files. One parse, with the descriptor reader's limits; a bundle
 * it cannot read declares nothing (the platform then refuses it with located diagnostics).
 */
function declared(bundle: DescriptorBundle): { domain?: string; readsFiles: boolean } {
  const value = parseYamlText(bundle.file, bundle.yaml).value as
    { metadata?: { domain?: unknown }; spec?: { inputs?: Array<{ source?: { type?: unknown } }> } } | null | undefined;
  const domain = value?.metadata?.domain;
  const inputs = value?.spec?.inputs;
  return {
    domain: typeof domain === 'string' ? domain : undefined,
    readsFiles: Array.isArray(inputs) && inputs.some((i) => i?.source?.type === 'file'),
  };
}
