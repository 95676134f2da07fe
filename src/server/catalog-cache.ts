/**
 * A read cache for the catalog (list pages, searches, product pages), shared by the requests
 * of one server process. Reads dominate a catalog's traffic; this keeps them off the registry.
 * List pages are slices of an in-memory copy of the products table (sorted by id), kept up to
 * date row by row, so publications do not make them cold; searches and product pages are
 * cached entries, dropped when a publication can change them.
 *
 * Correctness:
 *  - A publication through this server invalidates what it can change before the response
 *    goes out (read-your-writes): the product's pages, every list page, and every search (a
 *    publication can change any search's facet counts, totals and typo corrections).
 *  - Publications by other processes (replicas, `mesh publish` on the registry host) are seen
 *    by polling the event log every `pollMs`; they invalidate the product's pages, list pages
 *    and all searches. Other replicas' writes are therefore visible within `pollMs`.
 *  - A read that raced with an invalidation is not stored if that invalidation would have
 *    dropped it (the recent invalidations are kept, each with what it dropped); a read older
 *    than that record is not stored at all.
 *  - Invalidation looks product pages up by product instead of scanning the cache. Searches
 *    are answered by the registry's full-text index in milliseconds, so dropping them all on
 *    a publication is cheap; repeated searches between publications are still served here.
 */
import type { AccessListOptions, AccessLogOptions, AccessRequestInput, DataFormat } from '../access/access-api.js';
import type { CheckResultView } from '../access/check-samples.js';
import type { AccessScope } from '../access/principal.js';
import type { LineageGraph, LineageOptions } from '../lineage/lineage-graph-types.js';
import type { LineageIngestOutcome } from '../lineage/openlineage-ingest.js';
import type { DomainChange, NpsOptions, RatingInput, RatingListOptions } from '../platform/health/ratings-api.js';
import type { StandardName } from '../standards/standard-schema.js';
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
  RunProductRequest,
  VersionChanges,
} from '../platform/mesh-api.js';
import type { RetiredVersion } from '../registry/operations/versions/retire-expired-versions.js';
import type { ColumnProposal } from '../platform/propose-columns.js';
import type { DescriptorBundle } from '../platform/descriptor-bundle.js';
import type { EventRecord } from '../registry/operations/events/list-events.js';
import type { RunRecord } from '../registry/operations/runs/run-records.js';
import type { RunOutcome } from '../runner/run-outcome.js';
import { getProductsByIds, listProducts, type ProductSummary } from '../registry/operations/products/read-products.js';
import {
  FACETS,
  refreshHitGlances,
  type SearchOptions,
  type SearchResult,
} from '../registry/operations/products/search-products.js';
import type { Registry } from '../registry/registry.js';
import { parseProductRef, productId } from '../descriptor/product-ref.js';
import type { BackgroundService } from './background-service.js';
import type { QueryRequest } from '../query/query-service.js';

type Entry = {
  readonly kind: 'search' | 'show';
  readonly product?: string;
  readonly value: unknown;
  /** When it was read from the registry (epoch ms). */
  readonly readAt?: number;
};

/**
 * A search's SLA and stale counts move with the clock, not only with events: a cached search
 * is read again once this old.
 */
const SEARCH_MAX_AGE_MS = 60_000;

/** How many recent invalidations a racing read is checked against. */
const INVALIDATION_LOG = 256;

export class CatalogCache implements BackgroundService {
  readonly name = 'catalog cache';
  readonly #entries = new Map<string, Entry>();
  /** Keys of the entries about a product: its pages. */
  readonly #byProduct = new Map<string, Set<string>>();
  /** Keys of the cached searches. */
  readonly #searches = new Set<string>();
  /** The last invalidations: the epoch each one started and what it dropped. */
  readonly #log: Array<{ readonly epoch: number; readonly drop: (e: Entry) => boolean }> = [];
  #epoch = 0;
  #cursor = 0;
  #timer?: NodeJS.Timeout;
  /** (product@version) published through this process, so the poller does not invalidate twice. */
  readonly #local = new Set<string>();
  /** Every product summary, ordered by id as the registry orders them; undefined until first needed or after a reset. */
  #products?: ProductSummary[];
  #loadingProducts?: Promise<ProductSummary[]>;
  #tooLarge = false;

  constructor(
    readonly registry: Registry,
    readonly options: {
      pollMs?: number;
      maxEntries?: number;
      maxProducts?: number;
      /** A cached search is read again once this old (default SEARCH_MAX_AGE_MS). */
      searchMaxAgeMs?: number;
    } = {},
  ) {}

  async start(): Promise<void> {
    const row = await this.registry.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('id').as('max'))
      .executeTakeFirst();
    this.#cursor = Number(row?.max ?? 0);
    const loop = () => {
      this.#timer = setTimeout(
        () =>
          void this.#poll()
            .catch(() => this.#clear())
            .finally(loop),
        this.options.pollMs ?? 250,
      );
      this.#timer.unref();
    };
    loop();
  }

  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    this.#clear();
  }

  async read<T>(key: string, describe: Omit<Entry, 'value'>, load: () => Promise<T>): Promise<T> {
    const hit = this.#entries.get(key);
    const maxAge = this.options.searchMaxAgeMs ?? SEARCH_MAX_AGE_MS;
    if (hit && hit.kind === 'search' && Date.now() - (hit.readAt ?? 0) > maxAge) this.#delete(key);
    else if (hit) {
      // LRU: re-insert to mark as recently used.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.value as T;
    }
    const epoch = this.#epoch;
    const value = await load();
    const entry: Entry = { ...describe, value, readAt: Date.now() };
    if (this.#survived(epoch, entry)) {
      if (this.#entries.size >= (this.options.maxEntries ?? 5_000)) this.#delete(this.#entries.keys().next().value!);
      this.#delete(key);
      this.#entries.set(key, entry);
      if (entry.kind === 'show' && entry.product) addTo(this.#byProduct, entry.product, key);
      else if (entry.kind === 'search') this.#searches.add(key);
    }
    return value;
  }

  /** Whether an entry read from the registry since `epoch` is still right: no invalidation since then would have dropped it. */
  #survived(epoch: number, entry: Entry): boolean {
    if (epoch === this.#epoch) return true;
    if (this.#log.length === 0 || this.#log[0].epoch > epoch) return false; // older than the record: unknown
    return !this.#log.some((i) => i.epoch >= epoch && i.drop(entry));
  }

  #delete(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    if (entry.kind === 'show' && entry.product) removeFrom(this.#byProduct, entry.product, key);
    this.#searches.delete(key);
  }

  /** A page of the catalog, with the registry's semantics (order by id, optional domain, limit 10,000). */
  async listPage(options: { domain?: string; limit?: number; offset?: number }): Promise<ProductSummary[]> {
    // Past this size the copy would cost more memory than it saves: read pages from the registry.
    if (this.#tooLarge) return listProducts(this.registry, options);
    const all = await this.#allProducts();
    if (this.#tooLarge) return listProducts(this.registry, options);
    const rows = options.domain ? all.filter((p) => p.domain === options.domain) : all;
    const offset = options.offset ?? 0;
    return rows.slice(offset, offset + (options.limit ?? 10_000));
  }

  async #allProducts(): Promise<ProductSummary[]> {
    if (this.#products) return this.#products;
    this.#loadingProducts ??= (async () => {
      try {
        const epoch = this.#epoch;
        const max = this.options.maxProducts ?? 200_000;
        const rows = await listProducts(this.registry, { limit: max + 1 });
        if (rows.length > max) this.#tooLarge = true;
        else if (epoch === this.#epoch) this.#products = rows;
        return rows;
      } finally {
        this.#loadingProducts = undefined; // a failed load (database down) is retried by the next read
      }
    })();
    return this.#loadingProducts;
  }

  /** Re-reads the given products' rows into the in-memory list (a new product is inserted in id order). */
  async refreshProducts(ids: readonly string[]): Promise<void> {
    if (!this.#products || ids.length === 0) return;
    const fresh = await getProductsByIds(this.registry, ids);
    const products = this.#products;
    if (!products) return;
    for (const row of fresh) {
      const at = lowerBound(products, row.id);
      if (products[at]?.id === row.id) products[at] = row;
      else if (this.registry.dialect === 'sqlite')
        products.splice(at, 0, row); // SQLite orders ids bytewise, as JS compares ASCII
      else return this.#resetProducts(); // PostgreSQL's collation may order differently: reload on next read
    }
  }

  #resetProducts(): void {
    this.#products = undefined;
    this.#loadingProducts = undefined;
  }

  /** After a publication through this server: drop the product's pages and every search. */
  published(product: string, version: string): void {
    this.#local.add(`${product}@${version}`);
    const candidates = new Set([...(this.#byProduct.get(product) ?? []), ...this.#searches]);
    this.#invalidate((e) => (e.kind === 'show' && e.product === product) || e.kind === 'search', candidates);
  }

  /** Versions of these products changed status (retired): their product pages are stale. */
  statusChanged(products: readonly string[]): void {
    if (!products.length) return;
    const candidates = new Set([...products.flatMap((p) => [...(this.#byProduct.get(p) ?? [])]), ...this.#searches]);
    this.#invalidate((e) => (e.kind === 'show' && products.includes(e.product!)) || e.kind === 'search', candidates);
  }

  /** Drops the entries `drop` selects (among `candidates`, or all), and records it for reads in flight. */
  #invalidate(drop: (e: Entry) => boolean, candidates?: Iterable<string>): void {
    this.#log.push({ epoch: this.#epoch, drop });
    if (this.#log.length > INVALIDATION_LOG) this.#log.shift();
    this.#epoch++;
    for (const key of candidates ?? [...this.#entries.keys()]) {
      const entry = this.#entries.get(key);
      if (entry && drop(entry)) this.#delete(key);
    }
  }

  #clear(): void {
    this.#invalidate(() => true);
    this.#resetProducts();
  }

  async #poll(): Promise<void> {
    const rows = await this.registry.db
      .selectFrom('events')
      .select(['id', 'type', 'subject', 'data'])
      .where('id', '>', this.#cursor)
      .orderBy('id')
      .limit(1000)
      .execute();
    if (rows.length === 0) return;
    this.#cursor = Number(rows.at(-1)!.id);
    const remote = new Set<string>();
    let ran = false;
    for (const r of rows) {
      if (r.type === 'run.succeeded') ran = true; // SLA and stale facets changed
      if (r.type === 'product.retired') remote.add(r.subject); // its lifecycle facet and page changed
      if (r.type !== 'product.published') continue;
      const { version } = JSON.parse(r.data) as { version?: string };
      if (!this.#local.delete(`${r.subject}@${version}`)) remote.add(r.subject);
    }
    if (rows.length === 1000) this.#clear();
    else if (ran && !remote.size) this.#invalidate((e) => e.kind === 'search');
    else if (remote.size) {
      this.#invalidate((e) => e.kind !== 'show' || remote.has(e.product!));
      await this.refreshProducts([...remote]);
    }
  }
}

/** MeshApi with the catalog reads served from a CatalogCache; everything else passes through. */
export class CachedCatalog implements MeshApi {
  constructor(
    readonly cache: CatalogCache,
    readonly inner: MeshApi,
  ) {}

  listProducts(options: { domain?: string; limit?: number; offset?: number } = {}): Promise<ProductSummary[]> {
    return this.cache.listPage(options);
  }

  async searchProducts(text: string, options: SearchOptions = {}): Promise<SearchResult> {
    let loaded = false;
    const result = await this.cache.read(`search|${searchKey(options)}|${text}`, { kind: 'search' }, () => {
      loaded = true;
      return this.inner.searchProducts(text, options);
    });
    // A hit's glance (stale, freshness, last run, rating) changes with time, not with publications:
    // read again for a cached result; a result just loaded carries it as of now.
    return loaded ? result : refreshHitGlances(this.cache.registry, result);
  }

  versionChanges(ref: string): Promise<VersionChanges[]> {
    return this.inner.versionChanges(ref);
  }
  exportStandard(
    ref: string,
    standard: StandardName,
    options?: { baseUrl?: string },
  ): Promise<Record<string, unknown>> {
    return this.inner.exportStandard(ref, standard, options);
  }

  showProduct(ref: string): Promise<ProductDetail> {
    const parsed = parseProductRef(ref);
    if (!parsed) return this.inner.showProduct(ref);
    return this.cache.read(`show|${ref}`, { kind: 'show', product: productId(parsed.domain, parsed.name) }, () =>
      this.inner.showProduct(ref),
    );
  }

  async publish(bundle: DescriptorBundle): Promise<PublishOutcome> {
    const outcome = await this.inner.publish(bundle);
    if (outcome.status === 'created') {
      this.cache.published(outcome.product, outcome.version);
      await this.cache.refreshProducts([outcome.product]);
    }
    return outcome;
  }

  check(bundle: DescriptorBundle, options?: CheckOptions): Promise<CheckResult> {
    return this.inner.check(bundle, options);
  }
  runProduct(ref: string, options?: RunProductRequest): Promise<RunOutcome> {
    return this.inner.runProduct(ref, options);
  }
  lineage(ref: string, options?: LineageOptions): Promise<LineageGraph> {
    return this.inner.lineage(ref, options);
  }
  ingestLineageEvents(body: unknown): Promise<LineageIngestOutcome> {
    return this.inner.ingestLineageEvents(body);
  }
  dryRun(bundle: DescriptorBundle, options?: RunProductRequest & { baseDir?: string }): Promise<RunOutcome> {
    return this.inner.dryRun(bundle, options);
  }
  describeSource(request: DescribeSourceInput): Promise<ColumnProposal> {
    return this.inner.describeSource(request);
  }
  listRuns(ref: string, options?: { limit?: number }): Promise<RunRecord[]> {
    return this.inner.listRuns(ref, options);
  }
  listCheckResults(ref: string, options?: { runs?: number; scope?: AccessScope }): Promise<CheckResultView[]> {
    return this.inner.listCheckResults(ref, options);
  }
  // Access: never cached (grants change at any time and every read is decided and logged).
  requestAccess(scope: AccessScope, input: AccessRequestInput) {
    return this.inner.requestAccess(scope, input);
  }
  decideAccess(scope: AccessScope, id: string, input: { approve: boolean; reason?: string }) {
    return this.inner.decideAccess(scope, id, input);
  }
  revokeGrant(scope: AccessScope, grantId: string) {
    return this.inner.revokeGrant(scope, grantId);
  }
  listAccess(options?: AccessListOptions) {
    return this.inner.listAccess(options);
  }
  accessLog(scope: AccessScope, options?: AccessLogOptions) {
    return this.inner.accessLog(scope, options);
  }
  exportData(scope: AccessScope, ref: string, options: { format: DataFormat }) {
    return this.inner.exportData(scope, ref, options);
  }
  // Ratings and domains: never cached (small, and a rating must show at once).
  rateProduct(scope: AccessScope, input: RatingInput) {
    return this.inner.rateProduct(scope, input);
  }
  listRatings(options?: RatingListOptions) {
    return this.inner.listRatings(options);
  }
  answerRating(scope: AccessScope, id: string, answer: string) {
    return this.inner.answerRating(scope, id, answer);
  }
  nps(options?: NpsOptions) {
    return this.inner.nps(options);
  }
  listDomains() {
    return this.inner.listDomains();
  }
  showDomain(name: string) {
    return this.inner.showDomain(name);
  }
  setDomain(scope: AccessScope, name: string, change: DomainChange) {
    return this.inner.setDomain(scope, name, change);
  }

  // Consumer queries read data, never the catalog cache.
  query(scope: AccessScope, request: QueryRequest) {
    return this.inner.query(scope, request);
  }
  explainQuery(scope: AccessScope, request: QueryRequest) {
    return this.inner.explainQuery(scope, request);
  }
  listEvents(options?: { after?: number; subject?: string; limit?: number }): Promise<EventRecord[]> {
    return this.inner.listEvents(options);
  }
  listPolicies(options?: { product?: string; domain?: string }): Promise<PolicyListing> {
    return this.inner.listPolicies(options);
  }
  applyPolicySet(
    document: { file: string; yaml: string },
    options?: { name?: string },
  ): Promise<AppliedPolicySetOutcome> {
    return this.inner.applyPolicySet(document, options);
  }
  removePolicySet(name: string): Promise<RemovedPolicySetOutcome> {
    return this.inner.removePolicySet(name);
  }
  diff(bundle: DescriptorBundle, options?: { against?: string }): Promise<DiffResult> {
    return this.inner.diff(bundle, options);
  }
  async retireExpiredVersions(options?: { now?: string }): Promise<{ retired: RetiredVersion[] }> {
    const outcome = await this.inner.retireExpiredVersions(options);
    // A retired version shows its new status at once on this server's product pages and lifecycle facets.
    this.cache.statusChanged(outcome.retired.map((r) => r.product));
    return outcome;
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** The options of a search in a fixed order (facet values sorted), for its cache key. */
function searchKey(options: SearchOptions): string {
  const facets = FACETS.map((f) => [...(options[f] ?? [])].sort());
  return JSON.stringify([options.limit ?? null, options.cursor ?? null, options.typos ?? null, facets]);
}

function addTo(index: Map<string, Set<string>>, at: string, key: string): void {
  let keys = index.get(at);
  if (!keys) index.set(at, (keys = new Set()));
  keys.add(key);
}

function removeFrom(index: Map<string, Set<string>>, at: string, key: string): void {
  const keys = index.get(at);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) index.delete(at);
}

/** First index whose id is ≥ `id` in a list sorted by id. */
function lowerBound(products: readonly ProductSummary[], id: string): number {
  let lo = 0;
  let hi = products.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (products[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
