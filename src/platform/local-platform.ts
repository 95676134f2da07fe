/**
 * The in-process implementation of MeshApi over a registry (SQLite or PostgreSQL).
 */
import { now } from '../core/clock.js';
import { exportOdcs } from '../standards/odcs/export-odcs.js';
import { exportOdps } from '../standards/odps/export-odps.js';
import type { StandardName } from '../standards/standard-schema.js';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { hasErrors, type Diagnostic } from '../core/diagnostic.js';
import { InputError, MeshError, NotFoundError, UnavailableError } from '../core/errors.js';
import { noGovernance, type Governance } from '../governance/governance.js';
import { effectiveSeverity, GLOBAL_SCOPE, PolicyEngine, type RuleInForce } from '../governance/policy-engine.js';
import { checkVersioning } from '../governance/version-bump.js';
import { classifyChanges, compatibilityMode } from '../governance/compatibility.js';
import { applyPolicySet } from '../registry/operations/policies/apply-policy-set.js';
import { removePolicySet } from '../registry/operations/policies/remove-policy-set.js';
import { retireExpiredVersions } from '../registry/operations/versions/retire-expired-versions.js';
import { PoliciesInForce, storedSetLabel } from './policies-in-force.js';
import { listEvents } from '../registry/operations/events/list-events.js';
import { listCheckResults } from '../registry/operations/runs/list-check-results.js';
import { listRuns } from '../registry/operations/runs/list-runs.js';
import { runPipeline, type RunLockOptions } from '../runner/run-pipeline.js';
import { preflightDiagnostics } from '../runner/run-preflight.js';
import { runTenancy, tenantEnvironment } from '../runner/run-tenancy.js';
import { describeSource } from '../runner/extract/describe-source.js';
import { proposeColumns, type ColumnProposal } from './propose-columns.js';
import { resolveRunTarget, runPublishedProduct } from '../runner/run-product.js';
import type { RunOutcome } from '../runner/run-outcome.js';
import { publishVersion } from '../registry/operations/products/publish-version.js';
import { deprecateOlderMajors } from '../registry/operations/versions/deprecate-major.js';
import { inheritMajorStatus } from '../registry/operations/versions/inherit-major-status.js';
import { listVersionDescriptors } from '../registry/operations/versions/list-version-descriptors.js';
import { deprecationNoticeDays } from '../governance/version-bump.js';
import { getProduct, getVersion, listProducts, listVersions } from '../registry/operations/products/read-products.js';
import { searchProducts, type SearchOptions } from '../registry/operations/products/search-products.js';
import { openRegistry, type Registry, type RegistryTx } from '../registry/registry.js';
import type { DataProduct } from '../descriptor/data-product-schema.js';
import { parseProductRef, productId } from '../descriptor/product-ref.js';
import { checkBundle, contentHash, type CheckedBundle, type DescriptorBundle } from './descriptor-bundle.js';
import type {
  AppliedPolicySetOutcome,
  CheckResult,
  DiffResult,
  CheckOptions,
  DescribeSourceInput,
  MeshApi,
  PolicyListing,
  PolicySetInfo,
  ProductDetail,
  PublishOutcome,
  RemovedPolicySetOutcome,
  RunProductRequest,
  VersionChanges,
} from './mesh-api.js';
import { lineageEmitterFromEnv } from '../lineage/lineage-emitter.js';
import { lineageObserver } from '../lineage/lineage-observer.js';
import { configFromEnv, type MeshConfig } from '../core/mesh-config.js';
import { publishRefusal } from './publish-refusal.js';
import { recordGovernanceAttempt } from '../registry/operations/governance/governance-attempts.js';
import type { AccessListOptions, AccessLogOptions, AccessRequestInput, DataFormat } from '../access/access-api.js';
import { accessLog, decideAccess, listAccess, requestAccess, revokeAccess } from '../access/access-service.js';
import { guardCheckSamples } from '../access/check-samples.js';
import { exportData } from '../access/export-data.js';
import { productInputGate } from '../access/input-gate.js';
import { portAccessFor, syncSqlPorts } from '../access/port-access.js';
import type { AccessScope } from '../access/principal.js';
import { syncStandingGrants } from '../registry/operations/access/sync-standing-grants.js';
import { getGrant } from '../registry/operations/access/revoke-grant.js';
import { checkInputProducts } from './input-product-check.js';
import { piiFollowsData } from './pii-follows-data.js';
import type { YamlSource } from '../descriptor/yaml-source.js';
import { lineageGraph } from '../lineage/lineage-graph.js';
import type { LineageOptions } from '../lineage/lineage-graph-types.js';
import { ingestLineageEvents } from '../lineage/openlineage-ingest.js';
import { changeImpact } from '../lineage/change-impact.js';
import { recordRunOnGraph, runSourceDatasets, writeLatestLineage } from '../lineage/lineage-store.js';
import type { DomainChange } from '../registry/operations/domains/domains.js';
import { getDomain, listDomains } from '../registry/operations/domains/domains.js';
import * as ratings from './health/ratings-service.js';
import { DEVELOPMENT_MASKING_KEY } from '../engine/masking-key.js';
import {
  explainQuery,
  startQuery,
  type QueryCapacity,
  type QueryRequest,
  type QueryServiceOptions,
} from '../query/query-service.js';

export interface LocalPlatformOptions {
  readonly config?: MeshConfig;
  readonly registry?: Registry;
  readonly governance?: Governance;
  /**
   * The policies in force: built-in rules, files and the sets stored in the registry. Shared by
   * a server's per-request platforms so the engine is built once. Defaults to one over
   * `governance` when that is a PolicyEngine; without it stored sets are kept but not enforced.
   */
  readonly policies?: PoliciesInForce;
  /** The key masked hashes use (MESH_MASKING_KEY); default: the environment's, else the development key. */
  readonly maskingKey?: string;
  /** A server: refuse to serve hashed columns without a real masking key. */
  readonly requireMaskingKey?: boolean;
  /** A server's concurrency limit and engine pool for consumer queries, shared by its per-request platforms. */
  readonly queryCapacity?: QueryCapacity;
}

export class LocalPlatform implements MeshApi {
  #config: MeshConfig;
  readonly governance: Governance;
  readonly policies?: PoliciesInForce;
  readonly maskingKey?: string;
  readonly requireMaskingKey: boolean;
  readonly queryCapacity?: QueryCapacity;
  #registry?: Promise<Registry>;
  readonly #ownsRegistry: boolean;

  constructor(options: LocalPlatformOptions = {}) {
    this.#config = options.config ?? configFromEnv();
    this.governance = options.governance ?? noGovernance;
    this.policies =
      options.policies ?? (this.governance instanceof PolicyEngine ? new PoliciesInForce(this.governance) : undefined);
    if (options.registry) this.#registry = Promise.resolve(options.registry);
    this.#ownsRegistry = !options.registry;
    this.maskingKey = options.maskingKey ?? (process.env.MESH_MASKING_KEY || undefined);
    this.requireMaskingKey = options.requireMaskingKey ?? false;
    this.queryCapacity = options.queryCapacity;
  }

  get config(): MeshConfig {
    return this.#config;
  }

  /**
   * From now on this platform serves many domains (`mesh serve`, `mesh worker`): environment
   * grants and data roots always apply to what it validates and runs (core/env-scope.ts).
   */
  enterServerMode(): void {
    this.#config = { ...this.#config, tenancy: { ...this.#config.tenancy, mode: 'server' } };
  }

  /** Opened on first use, so `mesh validate` of a lone file never touches the database. */
  registry(): Promise<Registry> {
    this.#registry ??= openRegistry({ url: this.config.databaseUrl, sqlitePath: this.config.sqlitePath });
    return this.#registry;
  }

  async check(bundle: DescriptorBundle, options: CheckOptions = {}): Promise<CheckResult> {
    const result = await this.checkLoaded(checkBundle(bundle));
    // A check on a machine without a registry stays without one (validate has no side effects there);
    // a draft's keystrokes are not attempts (they would read as refusals to mesh health's gatekeeper).
    if (this.#registryExists() && !options.draft) await this.#recordAttempt(result, 'check');
    return result;
  }

  /** Records a governance check of a product for mesh health (gatekeeping, who publishes for whom). */
  async #recordAttempt(result: CheckResult, kind: 'check' | 'publish', published = false): Promise<void> {
    if (!result.product) return;
    const refusing = result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
    await recordGovernanceAttempt(await this.registry(), {
      product: result.product.id,
      domain: result.product.id.split('/')[0],
      version: result.product.version,
      kind,
      outcome: published ? 'published' : refusing.length ? 'refused' : 'passed',
      rules: [...new Set(refusing)].sort(),
      actor: this.config.actor,
    });
  }

  /** Governance over an already parsed bundle (the CLI parses files itself to keep their paths). */
  async checkLoaded(checked: CheckedBundle): Promise<CheckResult> {
    const diagnostics = [...checked.diagnostics];
    const product = checked.product;
    if (product) diagnostics.push(...(await this.#preflight(checked)));
    if (product && !hasErrors(diagnostics)) {
      const governance = await this.#governanceInForce();
      const versions =
        governance === noGovernance
          ? undefined
          : await this.#publishedVersions(productId(product.metadata.domain, product.metadata.name));
      const previous = versions?.[0]?.descriptor;
      diagnostics.push(...(await this.#inputProductDiagnostics(product, checked.source, checked.bundle.transformSql)));
      diagnostics.push(
        ...(await governance.check({ product, source: checked.source, previous, versions, now: now() })),
      );
    }
    return {
      file: checked.bundle.file,
      product: product && {
        id: productId(product.metadata.domain, product.metadata.name),
        version: product.metadata.version,
      },
      diagnostics,
    };
  }

  /** What this platform's tenancy rules refuse before a run: entitlements, one-SELECT SQL, data roots. */
  #preflight(checked: CheckedBundle, baseDir?: string): Promise<Diagnostic[]> {
    return preflightDiagnostics({
      product: checked.product!,
      source: checked.source,
      transformSql: checked.bundle.transformSql,
      config: this.config,
      baseDir: baseDir ?? resolve(dirname(checked.bundle.file)),
    });
  }

  /** Versions to compare with; a SQLite registry that does not exist yet holds none, so validate does not create it. */
  async #publishedVersions(id: string) {
    if (!this.#registryExists()) return [];
    return listVersionDescriptors(await this.registry(), id);
  }

  /** Inputs naming products that are not published; without a registry there is nothing to look them up in. */
  async #inputProductDiagnostics(
    product: DataProduct,
    source: YamlSource,
    transformSql: string | null | undefined,
  ): Promise<Diagnostic[]> {
    if (!product.spec.inputs.some((i) => i.product) || !this.#registryExists()) return [];
    const registry = await this.registry();
    return [
      ...(await checkInputProducts(registry, product, source)),
      ...(await piiFollowsData(registry, product, transformSql, source)),
    ];
  }

  #registryExists(): boolean {
    return Boolean(this.#registry || this.config.databaseUrl || existsSync(this.config.sqlitePath));
  }

  async #governanceInForce(): Promise<Governance> {
    if (!this.policies) return this.governance;
    if (!this.#registryExists()) return this.policies.filesOnly();
    return this.policies.engine(await this.registry());
  }

  async #engineInForce(): Promise<PolicyEngine> {
    const governance = await this.#governanceInForce();
    // A platform without policies (noGovernance) still answers with the built-in rules it would apply once configured.
    return governance instanceof PolicyEngine ? governance : new PolicyEngine();
  }

  async listPolicies(options: { product?: string; domain?: string } = {}): Promise<PolicyListing> {
    if (options.product && options.domain) throw new InputError('give a product or a domain, not both');
    const engine = await this.#engineInForce();
    const at = now();
    let rules: RuleInForce[];
    let scope = GLOBAL_SCOPE;
    if (options.product) {
      const ref = parseProductRef(options.product);
      if (!ref || ref.version || ref.major !== undefined)
        throw new InputError(`"${options.product}" is not a product reference; write domain/name`);
      scope = productId(ref.domain, ref.name);
      // Tags decide tag selectors; a product not yet published is judged by its domain alone.
      const published = this.#registryExists() ? await getVersion(await this.registry(), scope) : undefined;
      rules = engine.rulesForProduct({
        metadata: { domain: ref.domain, tags: published?.descriptor.metadata.tags ?? [] },
      });
    } else if (options.domain) {
      rules = engine.rulesFor(options.domain).filter((r) => r.enabled);
      scope = options.domain;
    } else {
      rules = engine.globalRules().filter((r) => r.enabled);
    }
    const stored = new Map((this.policies?.stored() ?? []).map((s) => [storedSetLabel(s.name), s]));
    const sets: PolicySetInfo[] = engine.load.sets.map((s) => {
      const fromRegistry = stored.get(s.file);
      return {
        name: s.name,
        scope: s.scope,
        owner: s.owner,
        origin: fromRegistry ? 'registry' : 'file',
        file: s.file,
        rules: s.rules.length,
        updatedBy: fromRegistry?.updatedBy ?? null,
        updatedAt: fromRegistry?.updatedAt ?? null,
      };
    });
    return {
      scope,
      policyFolder: engine.load.folder ?? null,
      sets,
      rules: rules.map((r) => ({
        id: r.id,
        kind: r.kind,
        severity: r.severity,
        effectiveSeverity: effectiveSeverity(r, at).severity,
        enforceFrom: r.enforceFrom ?? null,
        params: r.params,
        selector: r.selector ?? null,
        expression: r.expression ?? null,
        message: r.message ?? r.title,
        rationale: r.rationale ?? null,
        source: r.source,
        sourceFile: r.sourceFile ?? null,
        scope: r.scope,
        configuredBy: r.configuredBy,
      })),
      diagnostics: engine.loadDiagnostics,
    };
  }

  async applyPolicySet(
    document: { file: string; yaml: string },
    options: { name?: string } = {},
  ): Promise<AppliedPolicySetOutcome> {
    const registry = await this.registry();
    const policies = this.policies ?? new PoliciesInForce();
    const { set, warnings } = await policies.vet(registry, document, options.name);
    const applied = await applyPolicySet(registry, {
      name: set.name,
      scope: set.scope,
      yaml: document.yaml,
      updatedBy: this.config.actor,
    });
    // In force for the very next check through this platform (and every one sharing `policies`).
    this.policies?.invalidate();
    return {
      status: applied.status,
      name: set.name,
      scope: set.scope,
      rules: set.rules.length,
      contentHash: applied.set.contentHash,
      updatedBy: applied.set.updatedBy,
      updatedAt: applied.set.updatedAt,
      diagnostics: warnings,
    };
  }

  async removePolicySet(name: string): Promise<RemovedPolicySetOutcome> {
    const removed = await removePolicySet(await this.registry(), name, this.config.actor);
    this.policies?.invalidate();
    return { name: removed.name, scope: removed.scope, removed: true };
  }

  async diff(bundle: DescriptorBundle, options: { against?: string } = {}): Promise<DiffResult> {
    const checked = checkBundle(bundle);
    if (!checked.product || hasErrors(checked.diagnostics)) {
      throw new InputError(`${bundle.file} has errors; fix them first (mesh validate shows them)`, {
        details: { diagnostics: checked.diagnostics },
      });
    }
    const product = checked.product;
    const id = productId(product.metadata.domain, product.metadata.name);
    const versions = await this.#publishedVersions(id);
    const base = { product: id, version: product.metadata.version, newMajor: false };
    if (versions.length === 0)
      return {
        ...base,
        ok: true,
        published: false,
        against: null,
        mode: null,
        changes: [],
        required: 'none',
        suggested: null,
        diagnostics: [],
      };
    const result = checkVersioning({
      product,
      source: checked.source,
      versions,
      now: now(),
      against: options.against,
    });
    return {
      ...base,
      ok: !hasErrors(result.diagnostics),
      published: true,
      against: result.base?.version ?? null,
      mode: result.mode,
      changes: result.changes.map((c) => ({
        category: c.category,
        subject: c.subject,
        breaking: c.breaking,
        bump: c.bump,
        reason: c.reason,
        location: checked.source.locate(c.path),
      })),
      required: result.required,
      suggested: result.suggested ?? null,
      newMajor: result.newMajor,
      diagnostics: result.diagnostics,
      ...(result.changes.some((c) => c.breaking) && result.base
        ? { impact: await changeImpact(await this.registry(), id, Number(result.base.version.split('.')[0])) }
        : {}),
    };
  }

  async retireExpiredVersions(options: { now?: string } = {}) {
    const at = options.now ? new Date(options.now) : now();
    if (Number.isNaN(at.getTime()))
      throw new InputError(`"${options.now}" is not an ISO time, e.g. 2027-01-01T00:00:00Z`);
    return { retired: await retireExpiredVersions(await this.registry(), at, this.config.actor) };
  }

  async publish(bundle: DescriptorBundle): Promise<PublishOutcome> {
    const checked = checkBundle(bundle);
    const result = await this.checkLoaded(checked);
    if (!checked.product || hasErrors(result.diagnostics)) {
      const refusal = publishRefusal(bundle.file, result.product, result.diagnostics);
      await this.#recordAttempt(result, 'publish');
      throw await this.#withImpact(refusal, result);
    }
    const registry = await this.registry();
    // A new major deprecates the older ones and tells their consumers; a fix published into an
    // already deprecated major inherits its status and sunset. Both commit with the version.
    const major = Number(checked.product.metadata.version.split('.')[0]);
    const noticeMs = deprecationNoticeDays(checked.product) * 86_400_000;
    const published = await publishVersion(
      registry,
      {
        descriptor: checked.product,
        sourceYaml: bundle.yaml,
        transformSql: checked.bundle.transformSql,
        contentHash: contentHash(checked.product, checked.bundle.transformSql),
        publishedBy: this.config.actor,
      },
      async (tx, created) => {
        const sunsetAt = new Date(Date.parse(created.publishedAt) + noticeMs).toISOString();
        await deprecateOlderMajors(tx, {
          productId: created.product,
          newMajor: major,
          replacement: created.version,
          sunsetAt,
          actor: this.config.actor,
        });
        await inheritMajorStatus(tx, { productId: created.product, version: created.version });
        await this.#syncStandingGrants(tx, created.product, major, checked.product!);
        await writeLatestLineage(tx, created, checked.product!);
      },
    );
    await this.#recordAttempt(result, 'publish', true);
    return { ...published, diagnostics: result.diagnostics };
  }

  /** A publication refused for a breaking change names who it would break (in the error's details). */
  async #withImpact<E extends { details?: unknown }>(refusal: E, result: CheckResult): Promise<E> {
    const breaking = result.diagnostics.some((d) => d.code === 'breaking-change' && d.severity === 'error');
    if (!breaking || !result.product || !refusal.details || typeof refusal.details !== 'object') return refusal;
    const major = Number(result.product.version.split('.')[0]);
    Object.assign(refusal.details, { impact: await changeImpact(await this.registry(), result.product.id, major) });
    return refusal;
  }

  async listProducts(options: { domain?: string } = {}) {
    return listProducts(await this.registry(), options);
  }

  async searchProducts(text: string, options: SearchOptions = {}) {
    return searchProducts(await this.registry(), text, options);
  }

  async versionChanges(ref: string): Promise<VersionChanges[]> {
    const registry = await this.registry();
    const versions = await listVersionDescriptors(registry, await this.existingProductId(registry, ref));
    return versions.map((v, i) => {
      const previous = versions[i + 1]; // newest first
      const mode = compatibilityMode(v.descriptor);
      const changes = previous ? classifyChanges(previous.descriptor, v.descriptor, mode) : [];
      return {
        version: v.version,
        status: v.status,
        previous: previous?.version ?? null,
        mode,
        changes: changes.map(({ category, subject, breaking, bump, reason }) => ({
          category,
          subject,
          breaking,
          bump,
          reason,
        })),
      };
    });
  }

  async exportStandard(
    ref: string,
    standard: StandardName,
    options: { baseUrl?: string } = {},
  ): Promise<Record<string, unknown>> {
    const { version } = await this.showProduct(ref);
    if (standard === 'odcs')
      return exportOdcs({ descriptor: version.descriptor, transformSql: version.transformSql, status: version.status });
    const registry = await this.registry();
    const inputVersions = new Map<string, string>();
    for (const input of version.descriptor.spec.inputs) {
      const upstream = input.product ? parseProductRef(input.product) : undefined;
      if (!upstream || !input.product) continue;
      const found = await getVersion(registry, productId(upstream.domain, upstream.name), { major: upstream.major });
      if (found) inputVersions.set(input.product, found.version);
    }
    return exportOdps({
      descriptor: version.descriptor,
      status: version.status,
      inputVersions,
      baseUrl: options.baseUrl,
    });
  }

  async showProduct(ref: string): Promise<ProductDetail> {
    const parsed = parseProductRef(ref);
    if (!parsed)
      throw new InputError(
        `"${ref}" is not a product reference; write domain/name, domain/name@major or domain/name@x.y.z`,
      );
    const registry = await this.registry();
    const id = productId(parsed.domain, parsed.name);
    const product = await getProduct(registry, id);
    if (!product)
      throw new NotFoundError(`no product ${id} in the catalog`, {
        details: { hint: 'mesh catalog search <text> finds products' },
      });
    const version = await getVersion(registry, id, { version: parsed.version, major: parsed.major });
    if (!version) throw new NotFoundError(`${id} has no version ${parsed.version ?? `@${parsed.major}`}`);
    return { product, versions: await listVersions(registry, id), version };
  }

  async listEvents(options: { after?: number; subject?: string; limit?: number } = {}) {
    return listEvents(await this.registry(), options);
  }

  /** Runs `domain/name` (its latest version) or `domain/name@major` (an older major, until its sunset). */
  async runProduct(
    ref: string,
    options: RunProductRequest & RunLockOptions & { baseDir?: string; env?: NodeJS.ProcessEnv } = {},
  ): Promise<RunOutcome> {
    const parsed = parseProductRef(ref);
    if (!parsed || parsed.version)
      throw new InputError(`"${ref}" is not a product to run; write domain/name or domain/name@major`);
    const id = productId(parsed.domain, parsed.name);
    const registry = await this.registry();
    const target = await resolveRunTarget(registry, id, { major: parsed.major });
    // Every run of a published product emits OpenLineage events when an endpoint or file is configured.
    const env = options.env ?? process.env;
    const emit = lineageEmitterFromEnv(env);
    // Source inputs named the OpenLineage way (host:port, database.schema.table), resolved for this run.
    const sources = runSourceDatasets(this.config, target.version.descriptor, env, options.baseDir ?? process.cwd());
    const lineage = emit
      ? lineageObserver(emit, target.version.descriptor, target.version.transformSql, options.observer, sources)
      : undefined;
    try {
      const outcome = await runPublishedProduct(registry, this.config, id, {
        ...options,
        target,
        observer: lineage ?? options.observer,
        trigger: options.trigger ?? 'manual',
        inputGate: this.#inputGate(registry),
        portAccess: portAccessFor(registry, this.maskingKey, this.#serverMode),
        maskedCopyKey: this.#maskedCopyKey(),
      });
      await recordRunOnGraph(registry, outcome, sources);
      return outcome;
    } finally {
      await lineage?.flush();
    }
  }

  async dryRun(
    bundle: DescriptorBundle,
    options: RunProductRequest & { baseDir?: string; env?: NodeJS.ProcessEnv } = {},
  ): Promise<RunOutcome> {
    const checked = checkBundle(bundle);
    const diagnostics = [
      ...checked.diagnostics,
      ...(checked.product ? await this.#preflight(checked, options.baseDir) : []),
    ];
    if (!checked.product || hasErrors(diagnostics)) {
      throw new InputError(`${bundle.file} has errors; fix them before running (mesh validate shows them)`, {
        details: { diagnostics },
      });
    }
    const product = checked.product;
    const registry = await this.registry();
    return runPipeline(
      {
        productId: productId(product.metadata.domain, product.metadata.name),
        version: product.metadata.version,
        major: Number(product.metadata.version.split('.')[0]) || 0,
        product,
        transformSql: checked.bundle.transformSql,
        baseDir: options.baseDir ?? process.cwd(),
      },
      {
        config: this.config,
        // Records nothing; product inputs resolve their current snapshot through it.
        registry,
        dryRun: true,
        trigger: options.trigger ?? 'manual',
        observer: options.observer,
        env: options.env,
        // A dry run reads product inputs as a run of this product would: same decision, masking and log.
        inputGate: this.#inputGate(registry),
      },
    );
  }

  /**
   * The source is described with the environment a run of a product of `request.domain` would
   * have (its grants), and anything it resolved is scrubbed from the refusal, whatever a driver
   * echoed.
   */
  async describeSource(
    request: DescribeSourceInput,
    options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
  ): Promise<ColumnProposal> {
    const tenancy = runTenancy(this.config, request.domain);
    try {
      const columns = await describeSource(request, tenantEnvironment(options.env ?? process.env, tenancy), {
        timeoutMs: options.timeoutMs,
      });
      return proposeColumns(columns, request.type);
    } catch (error) {
      if (!(error instanceof MeshError)) throw error;
      const scrubbed = tenancy.resolved.scrub(error.message);
      if (scrubbed === error.message) throw error;
      throw new MeshError(error.kind, scrubbed, { details: error.details });
    }
  }

  /** A server refuses what a development key would hash; this machine uses it (masking-key.ts). */
  get #serverMode(): boolean {
    return this.requireMaskingKey || this.config.tenancy?.mode === 'server';
  }

  #inputGate(registry: Registry) {
    return productInputGate(registry, { hashKey: this.maskingKey, requireHashKey: this.#serverMode });
  }

  /** The key a run writes the masked copy with: none on a server without MESH_MASKING_KEY (readers refuse hashes there). */
  #maskedCopyKey(): string | undefined {
    return this.maskingKey ?? (this.#serverMode ? undefined : DEVELOPMENT_MASKING_KEY);
  }

  async listRuns(ref: string, options: { limit?: number } = {}) {
    const registry = await this.registry();
    return listRuns(registry, await this.existingProductId(registry, ref), options);
  }

  async listCheckResults(ref: string, options: { runs?: number; scope?: AccessScope } = {}) {
    const registry = await this.registry();
    const results = await listCheckResults(registry, await this.existingProductId(registry, ref), options);
    return guardCheckSamples(registry, options.scope, ref, results);
  }

  /** The standing grants of a major follow its latest version's spec.access (an older patch changes nothing). */
  async #syncStandingGrants(tx: RegistryTx, product: string, major: number, descriptor: DataProduct) {
    const latest = await tx
      .selectFrom('product_versions')
      .select('version')
      .where('product_id', '=', product)
      .where('major', '=', major)
      .orderBy('minor', 'desc')
      .orderBy('patch', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (latest?.version !== descriptor.metadata.version) return;
    await syncStandingGrants(tx, { product, major, descriptor, by: this.config.actor });
  }

  async requestAccess(scope: AccessScope, input: AccessRequestInput) {
    return requestAccess(await this.registry(), scope, input);
  }

  async decideAccess(scope: AccessScope, id: string, input: { approve: boolean; reason?: string }) {
    const decided = await decideAccess(await this.registry(), scope, id, input);
    if (decided.grant) await this.#followSqlPorts(decided.grant, 'granted');
    return decided;
  }

  async revokeGrant(scope: AccessScope, grantId: string) {
    const revoked = await revokeAccess(await this.registry(), scope, grantId);
    await this.#followSqlPorts(revoked, 'revoked');
    return revoked;
  }

  /** An expired grant (announced by the monitor's sweep): the SQL ports revoke it in the database too. */
  async followExpiredGrant(grantId: string): Promise<void> {
    await this.#followSqlPorts(await getGrant((await this.registry()).db, grantId), 'expired');
  }

  /** The PostgreSQL ports' own permissions follow a grant change at once (GRANT / REVOKE in the database). */
  async #followSqlPorts(grant: { id: string; product: string; major: number | null }, done: string): Promise<void> {
    try {
      await syncSqlPorts(await this.registry(), this.config, grant, {
        hashKey: this.maskingKey,
        requireHashKey: this.#serverMode,
      });
    } catch (error) {
      throw new UnavailableError(
        `grant ${grant.id} is ${done} (reads through Meshwork follow it now), but a SQL port of ${grant.product} was not updated: ${(error as Error).message}`,
        {
          details: {
            hint: 'the next publication of the product brings the database in step; or retry when it is reachable',
          },
        },
      );
    }
  }

  async listAccess(options: AccessListOptions = {}) {
    return listAccess(await this.registry(), options);
  }

  async accessLog(scope: AccessScope, options: AccessLogOptions = {}) {
    return accessLog(await this.registry(), scope, options);
  }

  async exportData(scope: AccessScope, ref: string, options: { format: DataFormat }) {
    return exportData(await this.registry(), scope, ref, {
      warehouseDir: this.config.warehouseDir,
      format: options.format,
      hashKey: this.maskingKey,
      requireHashKey: this.requireMaskingKey,
    });
  }

  async lineage(ref: string, options: LineageOptions = {}) {
    return lineageGraph(await this.registry(), ref, options);
  }

  async ingestLineageEvents(body: unknown) {
    return ingestLineageEvents(await this.registry(), body);
  }

  // Ratings, NPS and domains (health/ratings-service.ts holds the rules).
  async rateProduct(scope: AccessScope, input: ratings.RatingInput) {
    return ratings.rateProduct(await this.registry(), scope, input);
  }
  async listRatings(options: ratings.RatingListOptions = {}) {
    return ratings.listProductRatings(await this.registry(), options);
  }
  async answerRating(scope: AccessScope, id: string, answer: string) {
    return ratings.answerProductRating(await this.registry(), scope, id, answer);
  }
  async nps(options: ratings.NpsOptions = {}) {
    return ratings.npsReport(await this.registry(), options);
  }
  async listDomains() {
    return listDomains((await this.registry()).db);
  }
  async showDomain(name: string) {
    return getDomain((await this.registry()).db, name);
  }
  async setDomain(scope: AccessScope, name: string, change: DomainChange) {
    return ratings.changeDomain(await this.registry(), scope, name, change);
  }

  // Consumer queries (src/query/query-service.ts): the scope decides; the gate bounds a server's queries.
  async query(scope: AccessScope, request: QueryRequest) {
    return startQuery(await this.registry(), scope, request, this.#queryOptions());
  }

  async explainQuery(scope: AccessScope, request: QueryRequest) {
    return explainQuery(await this.registry(), scope, request, this.#queryOptions());
  }

  #queryOptions(): QueryServiceOptions {
    return {
      warehouseDir: this.config.warehouseDir,
      hashKey: this.maskingKey ?? DEVELOPMENT_MASKING_KEY,
      requireHashKey: this.requireMaskingKey && !this.maskingKey,
      capacity: this.queryCapacity,
    };
  }

  private async existingProductId(registry: Registry, ref: string): Promise<string> {
    const id = this.productIdOf(ref);
    if (!(await getProduct(registry, id)))
      throw new NotFoundError(`no product ${id} in the catalog`, {
        details: { hint: 'mesh catalog search <text> finds products' },
      });
    return id;
  }

  private productIdOf(ref: string): string {
    const parsed = parseProductRef(ref);
    if (!parsed || parsed.version || parsed.major !== undefined)
      throw new InputError(`"${ref}" is not a product; write domain/name`);
    return productId(parsed.domain, parsed.name);
  }

  async previousVersion(id: string) {
    const registry = await this.registry();
    return (await getVersion(registry, id))?.descriptor;
  }

  async close(): Promise<void> {
    if (this.#registry && this.#ownsRegistry) await (await this.#registry).close();
    this.#registry = undefined;
  }
}
