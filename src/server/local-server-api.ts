/**
 * ServerApi over the registry, in-process: what the server delegates to (behind
 * AuthorizedPlatform) and what the CLI uses on this machine without a server.
 */
import { now as clockNow } from '../core/clock.js';
import { InputError, NotFoundError } from '../core/errors.js';
import {
  getOpenIncident,
  acknowledgeIncident,
  getIncident,
  listIncidents,
  resolveIncident,
} from '../registry/operations/incidents/incidents.js';
import { addTeamMember, createTeam, listTeams, userTeams } from '../registry/operations/identity/teams.js';
import { createToken, listTokens, revokeToken } from '../registry/operations/identity/tokens.js';
import { getProduct, getVersion } from '../registry/operations/products/read-products.js';
import { addWebhook, listDeliveries, listWebhooks, removeWebhook } from '../registry/operations/webhooks/webhooks.js';
import type { Registry } from '../registry/registry.js';
import { listGovernanceRefusals } from '../registry/operations/governance/governance-attempts.js';
import { NAME_PATTERN } from '../descriptor/data-product-schema.js';
import { parseProductRef, productId } from '../descriptor/product-ref.js';
import { computeSla, SLA_WINDOW_MS } from './monitor/compute-sla.js';
import { listFreshnessTargets } from '../registry/operations/versions/list-freshness-targets.js';
import { goodPublications } from './monitor/good-publications.js';
import { computeMeshHealth } from './health/compute-health.js';
import type { HealthOptions } from './health/health-records.js';
import {
  ROLES,
  type IncidentStatus,
  type Principal,
  type Role,
  type ServerApi,
  type SlaReport,
  type WebhookFormat,
  type Whoami,
} from './server-api.js';

const nameRe = new RegExp(NAME_PATTERN);
const EVENT_TYPE_RE = /^[a-z][a-z0-9-]*(\.[a-z*][a-z0-9-]*)*(\.\*)?$|^\*$/;

export class LocalServerApi implements ServerApi {
  constructor(
    readonly registry: () => Promise<Registry>,
    readonly principal: Principal,
    readonly now: () => Date = clockNow,
  ) {}

  async whoami(): Promise<Whoami> {
    return { ...this.principal, teams: await userTeams((await this.registry()).db, this.principal.user) };
  }

  async createTeam(input: { name: string; domains: string[] }) {
    if (!nameRe.test(input.name))
      throw new InputError(`invalid team name "${input.name}": lower-case letters, digits and dashes`);
    for (const d of input.domains)
      if (!nameRe.test(d)) throw new InputError(`invalid domain "${d}": lower-case letters, digits and dashes`);
    return createTeam(await this.registry(), input);
  }

  async addTeamMember(team: string, user: string) {
    if (!user.trim()) throw new InputError('a user name is required');
    return addTeamMember(await this.registry(), team, user.trim());
  }

  async listTeams() {
    return listTeams(await this.registry());
  }

  async createToken(input: { user: string; role: Role; expiresAt?: string; label?: string }) {
    if (!(ROLES as readonly string[]).includes(input.role))
      throw new InputError(`unknown role "${input.role}"; choose one of ${ROLES.join(', ')}`);
    if (!input.user?.trim()) throw new InputError('a token needs a --user');
    if (input.expiresAt !== undefined && Number.isNaN(Date.parse(input.expiresAt)))
      throw new InputError(`invalid expiry "${input.expiresAt}": an ISO time`);
    const expiresAt = input.expiresAt && new Date(input.expiresAt).toISOString();
    return createToken(await this.registry(), {
      ...input,
      user: input.user.trim(),
      expiresAt,
      createdBy: this.principal.user,
    });
  }

  async listTokens() {
    return listTokens(await this.registry());
  }

  async revokeToken(id: string) {
    return revokeToken(await this.registry(), id);
  }

  async productSla(ref: string): Promise<SlaReport> {
    const parsed = parseProductRef(ref);
    if (!parsed) throw new InputError(`"${ref}" is not a product reference; write domain/name`);
    const registry = await this.registry();
    const id = productId(parsed.domain, parsed.name);
    const [product, version] = await Promise.all([getProduct(registry, id), getVersion(registry, id)]);
    if (!product || !version) throw new NotFoundError(`no product ${id} in the catalog`);
    const now = this.now();
    const since = new Date(now.getTime() - SLA_WINDOW_MS).toISOString();
    return computeSla({
      product: id,
      descriptor: version.descriptor,
      targets: await listFreshnessTargets(registry, id),
      publications: await goodPublications(registry, id, since),
      now,
      openIncident: (await getOpenIncident(registry.db, id))?.id ?? null,
    });
  }

  async listGovernanceRefusals(options: { domain?: string } = {}) {
    return listGovernanceRefusals((await this.registry()).db, options.domain);
  }

  async meshHealth(options: HealthOptions = {}) {
    return computeMeshHealth(await this.registry(), { now: this.#nowIso(), ...options });
  }

  async domainScorecard(domain: string, options: Omit<HealthOptions, 'domain'> = {}) {
    const health = await computeMeshHealth(
      await this.registry(),
      { now: this.#nowIso(), ...options, domain },
      { onlyDomain: true },
    );
    const card = health.domains.find((d) => d.domain === domain);
    if (!card) throw new NotFoundError(`no products in domain ${domain}: nothing to score`);
    return card;
  }

  /** An injected clock (tests) is the default "now" of health; otherwise the moment of the call. */
  #nowIso(): string {
    return this.now().toISOString();
  }

  async listIncidents(options: { status?: IncidentStatus; product?: string } = {}) {
    if (options.status && !['open', 'acknowledged', 'resolved'].includes(options.status))
      throw new InputError(`unknown status "${options.status}"; choose open, acknowledged or resolved`);
    return listIncidents(await this.registry(), options);
  }

  async getIncident(id: string) {
    return getIncident((await this.registry()).db, id);
  }

  async acknowledgeIncident(id: string) {
    return acknowledgeIncident(await this.registry(), id, this.principal.user);
  }

  async resolveIncident(id: string) {
    return resolveIncident(await this.registry(), id, this.principal.user, 'resolved by hand');
  }

  async addWebhook(input: { url: string; types?: string[]; format?: WebhookFormat; domains?: string[] }) {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw new InputError(`invalid webhook URL "${input.url}"`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new InputError('a webhook URL must be http or https');
    const format = input.format ?? 'cloudevents';
    if (format !== 'cloudevents' && format !== 'slack')
      throw new InputError(`unknown format "${format}"; choose cloudevents or slack`);
    const types = (input.types ?? []).map((t) => t.trim()).filter(Boolean);
    for (const t of types)
      if (!EVENT_TYPE_RE.test(t))
        throw new InputError(`invalid event type "${t}", e.g. product.published or incident.*`);
    const domains = (input.domains ?? []).map((d) => d.trim()).filter(Boolean);
    for (const d of domains)
      if (!nameRe.test(d)) throw new InputError(`invalid domain "${d}": lower-case letters, digits and dashes`);
    return addWebhook(await this.registry(), {
      url: url.toString(),
      types,
      format,
      domains,
      createdBy: this.principal.user,
    });
  }

  async listWebhooks() {
    return (await listWebhooks(await this.registry())).map(({ cursor: _cursor, ...w }) => w);
  }

  async removeWebhook(id: string) {
    await removeWebhook(await this.registry(), id);
  }

  async listDeliveries(webhookId: string) {
    return listDeliveries(await this.registry(), webhookId);
  }
}
