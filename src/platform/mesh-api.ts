/**
 * The one contract every shell speaks: the CLI calls it in-process (LocalPlatform) or over
 * HTTP (a server client), and the same scenario tests run against both.
 */
import type { Diagnostic, SourceLocation } from '../core/diagnostic.js';
import type { Bump, ChangeCategory, CompatibilityMode } from '../governance/compatibility.js';
import type { RuleSelectorSpec, RuleSeverity } from '../governance/policy-set-schema.js';
import type { RetiredVersion } from '../registry/operations/versions/retire-expired-versions.js';
import type { EventRecord } from '../registry/operations/events/list-events.js';
import type { RunRecord } from '../registry/operations/runs/run-records.js';
import type { RunObserver } from '../runner/run-observer.js';
import type { RunOutcome } from '../runner/run-outcome.js';
import type { ProductSummary, VersionDetail, VersionRecord } from '../registry/operations/products/read-products.js';
import type { SearchOptions, SearchResult } from '../registry/operations/products/search-products.js';
import type { DataProduct } from '../descriptor/data-product-schema.js';
import type { StandardName } from '../standards/standard-schema.js';
import type { DescriptorBundle } from './descriptor-bundle.js';
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
} from '../access/access-api.js';
import type { CheckResultView } from '../access/check-samples.js';
import type { LineageGraph, LineageOptions } from '../lineage/lineage-graph-types.js';
import type { LineageIngestOutcome } from '../lineage/openlineage-ingest.js';
import type { ChangeImpact } from '../lineage/change-impact.js';
import type { AccessScope } from '../access/principal.js';
import type { RatingsApi } from './health/ratings-api.js';
import type { DescribeSourceRequest } from '../runner/extract/describe-source.js';
import type { ColumnProposal } from './propose-columns.js';
import type { QueryExplanation, QueryRequest, QueryResult } from '../query/query-service.js';

export interface CheckResult {
  readonly file: string;
  readonly product?: { readonly id: string; readonly version: string };
  readonly diagnostics: Diagnostic[];
}

export interface DescribeSourceInput extends DescribeSourceRequest {
  /** The domain the product will belong to: its environment grants apply. */
  readonly domain: string;
}

export interface CheckOptions {
  readonly draft?: boolean;
}

export interface PublishOutcome {
  readonly status: 'created' | 'unchanged';
  readonly product: string;
  readonly version: string;
  readonly contentHash: string;
  readonly publishedAt: string;
  /** Warnings and infos that did not block the publication. */
  readonly diagnostics: Diagnostic[];
}

export interface ProductDetail {
  readonly product: ProductSummary;
  readonly versions: VersionRecord[];
  /** The version asked for (or the latest), in full. */
  readonly version: VersionDetail;
}

/** Ratings, NPS and domains: see health/ratings-api.ts. */
export interface MeshApi extends RatingsApi {
  /**
   * Validation and governance of one bundle, without publishing. A `draft` check (a form
   * checking as its user types) is not recorded as a governance attempt for mesh health.
   */
  check(bundle: DescriptorBundle, options?: CheckOptions): Promise<CheckResult>;
  publish(bundle: DescriptorBundle): Promise<PublishOutcome>;
  listProducts(options?: { domain?: string; limit?: number; offset?: number }): Promise<ProductSummary[]>;
  /**
   * Ranked catalog search with facet counts, filters (`domain`, `tag`, … : any of the values
   * within a facet, all facets) and cursor paging; an empty text lists every product.
   */
  searchProducts(text: string, options?: SearchOptions): Promise<SearchResult>;
  /** `ref` is domain/name, domain/name@major or domain/name@x.y.z. */
  showProduct(ref: string): Promise<ProductDetail>;
  /**
   * A published version as an open-standard document, valid against the official schema:
   * `odcs` an ODCS v3.1.0 data contract, `odps` an ODPS v1.0.0 data product (its management
   * ports carry URLs under `baseUrl`, the server's address, when given).
   */
  exportStandard(ref: string, standard: StandardName, options?: { baseUrl?: string }): Promise<Record<string, unknown>>;
  listEvents(options?: { after?: number; subject?: string; limit?: number }): Promise<EventRecord[]>;
  /** Runs the pipeline of a product's latest published version; a failed run resolves with status failed. */
  runProduct(ref: string, options?: RunProductRequest): Promise<RunOutcome>;
  /** Runs an unpublished bundle end to end without publishing or recording anything. */
  dryRun(bundle: DescriptorBundle, options?: RunProductRequest & { baseDir?: string }): Promise<RunOutcome>;
  /**
   * The columns a database source's query returns, proposed as descriptor columns (Meshwork
   * types, nullability where the database says, PII classes proposed from the names), read
   * without a row in a READ ONLY transaction; the connection is the environment variable named,
   * resolved as a run of a product of `domain` would resolve it.
   */
  describeSource(request: DescribeSourceInput): Promise<ColumnProposal>;
  /** The run history of a product, newest first. */
  listRuns(ref: string, options?: { limit?: number }): Promise<RunRecord[]>;
  /**
   * Check results of a product's recent runs, newest first. Sample rows are shown only when
   * `scope` may read the product's data (src/access); otherwise `samplesWithheld` says why.
   */
  listCheckResults(ref: string, options?: { runs?: number; scope?: AccessScope }): Promise<CheckResultView[]>;
  /** The rules in force (global, for a domain, or for one product) and where each comes from. */
  listPolicies(options?: { product?: string; domain?: string }): Promise<PolicyListing>;
  /**
   * Stores a policy set in the registry (replacing the one of the same metadata.name); in force
   * from the next check. A set with errors, alone or combined with the others, is refused
   * (InputError with the diagnostics located in `file`). `name`, when given, must match.
   */
  applyPolicySet(
    document: { file: string; yaml: string },
    options?: { name?: string },
  ): Promise<AppliedPolicySetOutcome>;
  removePolicySet(name: string): Promise<RemovedPolicySetOutcome>;
  /** The classified changes of a bundle against its published versions and the bump they need. */
  diff(bundle: DescriptorBundle, options?: { against?: string }): Promise<DiffResult>;
  /** Every published version of a product, newest first, with its changes classified against the version before it. */
  versionChanges(ref: string): Promise<VersionChanges[]>;
  /** Retires deprecated versions whose sunset has passed (`now`: an ISO time to act as of). */
  retireExpiredVersions(options?: { now?: string }): Promise<{ retired: RetiredVersion[] }>;

  // Access (src/access). Every method acting for someone takes their scope; over HTTP the
  // server replaces it by the token's principal, keeping only the `asTeam` the caller belongs to.
  /** Asks for a product (every major, or `@major`) for a team; approved at once when access.autoApprove matches. */
  requestAccess(scope: AccessScope, input: AccessRequestInput): Promise<AccessRequestOutcome>;
  /** Approves (a grant) or denies a pending request: admins and members of the owning domain. */
  decideAccess(
    scope: AccessScope,
    id: string,
    input: { approve: boolean; reason?: string },
  ): Promise<AccessDecisionOutcome>;
  /** Revokes a grant given by a request; it stops working at the next read. */
  revokeGrant(scope: AccessScope, grantId: string): Promise<GrantRecord>;
  /** Grants and requests (metadata, visible to everyone). */
  listAccess(options?: AccessListOptions): Promise<AccessListing>;
  /** The audit log of reads and refusals, newest first, as far as the scope may see it. */
  accessLog(scope: AccessScope, options?: AccessLogOptions): Promise<AccessLogRecord[]>;
  /** The current snapshot of a product's major as the scope may read it (refused: NotAllowedError), streamed. */
  exportData(scope: AccessScope, ref: string, options: { format: DataFormat }): Promise<DataExport>;

  /**
   * The lineage graph around a product (`domain/name`): its sources and upstream products,
   * its consuming products and the teams holding grants, with each product's status, paged.
   * Catalog metadata: visible to every signed-in role.
   */
  lineage(ref: string, options?: LineageOptions): Promise<LineageGraph>;
  /**
   * OpenLineage RunEvents from other tools (one, or an array of up to 1,000), validated against
   * the OpenLineage schema (InputError with the reason), joined to products by dataset
   * namespace/name in the graph.
   */
  ingestLineageEvents(body: unknown): Promise<LineageIngestOutcome>;

  // Consumer queries (src/query): SQL across the products the scope may read, masked as the
  // decision says; every read and refusal is in the access log.
  /** Runs one read-only SELECT: columns first, then rows (cut at the limit, said so), then the outcome. */
  query(scope: AccessScope, request: QueryRequest): Promise<QueryResult>;
  /** Which snapshots (product, major, snapshot id) and masked columns a query would read, without running it. */
  explainQuery(scope: AccessScope, request: QueryRequest): Promise<QueryExplanation>;

  close(): Promise<void>;
}

export interface PolicyRuleListing {
  readonly id: string;
  readonly kind: 'built-in' | 'cel';
  readonly severity: RuleSeverity;
  /** What it is today: an error-level rule before its enforceFrom date only warns. */
  readonly effectiveSeverity: string;
  readonly enforceFrom: string | null;
  readonly params: Readonly<Record<string, unknown>>;
  readonly selector: RuleSelectorSpec | null;
  readonly expression: string | null;
  readonly message: string;
  readonly rationale: string | null;
  readonly source: string;
  readonly sourceFile: string | null;
  readonly scope: string;
  readonly configuredBy: readonly string[];
}

export interface PolicySetInfo {
  readonly name: string;
  readonly scope: string;
  readonly owner: string;
  /** A file where the platform runs, or the registry (applied with `mesh policy apply`). */
  readonly origin: 'file' | 'registry';
  readonly file: string;
  readonly rules: number;
  readonly updatedBy: string | null;
  readonly updatedAt: string | null;
}

export interface PolicyListing {
  /** `global`, a domain, or a product id. */
  readonly scope: string;
  readonly policyFolder: string | null;
  readonly sets: PolicySetInfo[];
  readonly rules: PolicyRuleListing[];
  /** Problems in the policy sets themselves (those rules are not applied). */
  readonly diagnostics: Diagnostic[];
}

export interface AppliedPolicySetOutcome {
  readonly status: 'created' | 'updated' | 'unchanged';
  readonly name: string;
  readonly scope: string;
  readonly rules: number;
  readonly contentHash: string;
  readonly updatedBy: string;
  readonly updatedAt: string;
  /** Warnings about the set that did not prevent storing it. */
  readonly diagnostics: Diagnostic[];
}

export interface RemovedPolicySetOutcome {
  readonly name: string;
  readonly scope: string;
  readonly removed: true;
}

export interface DiffChange {
  readonly category: ChangeCategory;
  readonly subject: string;
  readonly breaking: boolean;
  readonly bump: Exclude<Bump, 'none'>;
  readonly reason: string;
  readonly location?: SourceLocation;
}

export interface DiffResult {
  readonly ok: boolean;
  readonly product: string;
  readonly version: string;
  /** False when nothing of the product is published: nothing to compare with. */
  readonly published: boolean;
  readonly against: string | null;
  readonly mode: CompatibilityMode | null;
  readonly changes: DiffChange[];
  readonly required: Bump;
  readonly suggested: string | null;
  readonly newMajor: boolean;
  readonly diagnostics: Diagnostic[];
  /** With a breaking change: the consuming products and grant-holding teams of the major compared with. */
  readonly impact?: ChangeImpact;
}

export interface VersionChanges {
  readonly version: string;
  readonly status: string;
  /** The version compared with; null for the first. */
  readonly previous: string | null;
  /** The compatibility mode the version declared, under which its changes were classified. */
  readonly mode: CompatibilityMode;
  readonly changes: ReadonlyArray<Omit<DiffChange, 'location'>>;
}

export interface RunProductRequest {
  readonly trigger?: 'manual' | 'schedule' | 'api';
  /** Progress and lifecycle callbacks (in-process only; a remote client ignores them). */
  readonly observer?: RunObserver;
}

export type { AccessScope, CheckResultView, DataExport, DataProduct, LineageGraph, LineageOptions, RunOutcome };
export type { QueryExplanation, QueryRequest, QueryResult };
