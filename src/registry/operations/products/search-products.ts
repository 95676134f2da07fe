import { nowMs } from '../../../core/clock.js';
import { sql, type RawBuilder } from 'kysely';
import { InputError } from '../../../core/errors.js';
import type { Registry, RegistryDialect } from '../../registry.js';
import { SLA_CODES, slaSql, staleSql, type SlaStatus } from '../health/stale-products.js';
import { hitGlances, type HitGlance } from './search-glance.js';
import { getProductsByIds, type ProductSummary } from './read-products.js';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor.js';
import { correctTerms } from './search-suggest.js';
import { CLASS_POINTS, FACET_FLAGS, SEARCH_CLASSES, formatQuery, parseQuery, type QueryTerm } from './search-text.js';

export interface SearchHit extends ProductSummary, HitGlance {
  readonly score: number;
}

export const FACETS = ['domain', 'tag', 'owner', 'pii', 'lifecycle', 'sla', 'stale'] as const;
export type FacetName = (typeof FACETS)[number];

/** What a search may be narrowed by: within a facet any of the values, across facets all. */
export type SearchFilters = { readonly [F in FacetName]?: readonly string[] };

export interface SearchOptions extends SearchFilters {
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
  /** false: no typo correction when nothing matches. */
  readonly typos?: boolean;
}

export interface FacetCount {
  readonly value: string;
  readonly count: number;
}

export interface SearchResult {
  /** The text as searched: the user's, or the corrected one when `correctedFrom` is set. */
  readonly query: string;
  /** The user's text when nothing matched it and the hits are those of the nearest known words. */
  readonly correctedFrom?: string;
  /** Products matching, in total (every page). */
  readonly total: number;
  readonly hits: SearchHit[];
  /** Counts over every matching product, per facet, most frequent first (at most 25 values each). */
  readonly facets: Record<FacetName, FacetCount[]>;
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
  /** When nothing matched: the nearest known words to try ("did you mean …"). */
  readonly suggestions: string[];
}

const ENUM_FACETS: Partial<Record<FacetName, readonly string[]>> = {
  pii: ['none', 'indirect', 'direct', 'sensitive'],
  lifecycle: ['active', 'deprecated', 'retired'],
  sla: Object.keys(SLA_CODES),
  stale: ['yes', 'no'],
};
/** Facets judged at search time from each product's activity (not kept in search_facets). */
const TIMED_FACETS: ReadonlySet<FacetName> = new Set(['sla', 'stale']);
const SLA_NAMES = Object.fromEntries(Object.entries(SLA_CODES).map(([name, code]) => [code, name])) as Record<
  number,
  SlaStatus
>;
const MAX_FACET_VALUES = 25;

/**
 * Ranked, faceted catalog search on the registry's own full-text engine. Every word and
 * phrase must match; each earns the points of the best field class it matches in (name ≫
 * tags ≫ description and columns ≫ the rest), so the score depends only on the product and
 * the query — the same on SQLite and PostgreSQL, and stable while others publish, which keeps
 * (score, id) cursors exact. Hits, facet counts and the total come from one statement.
 */
export async function searchProducts(
  registry: Registry,
  text: string,
  options: SearchOptions = {},
): Promise<SearchResult> {
  const terms = parseQuery(text);
  const request = readRequest(options);
  const first = await runSearch(registry, terms, request);
  if (first.total > 0 || terms.length === 0 || options.typos === false || request.after) return first;
  const { corrected, suggestions } = await correctTerms(registry, terms);
  if (!corrected) return { ...first, suggestions };
  const second = await runSearch(registry, corrected, request);
  if (second.total === 0) return { ...first, suggestions };
  return { ...second, correctedFrom: formatQuery(terms), suggestions };
}

interface SearchRequest {
  readonly filters: Array<{ facet: FacetName; values: readonly string[] }>;
  readonly limit: number;
  /** The moment the SLA and stale facets are judged at (epoch ms). */
  readonly at: number;
  readonly after?: { score: number; id: string };
}

function readRequest(options: SearchOptions): SearchRequest {
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    throw new InputError(`limit must be a whole number from 1 to 200, not ${limit}`);
  const filters: SearchRequest['filters'] = [];
  for (const facet of FACETS) {
    const values = [...new Set(options[facet] ?? [])].filter((v) => v !== '');
    if (values.length === 0) continue;
    if (values.length > 20) throw new InputError(`at most 20 ${facet} values in one search, not ${values.length}`);
    const allowed = ENUM_FACETS[facet];
    for (const v of values) {
      if (v.length > 200) throw new InputError(`a ${facet} value is at most 200 characters long`);
      if (allowed && !allowed.includes(v))
        throw new InputError(`"${v.slice(0, 40)}" is not a ${facet} value; use one of ${allowed.join(', ')}`);
    }
    filters.push({ facet, values });
  }
  return { filters, limit, at: nowMs(), after: options.cursor ? decodeSearchCursor(options.cursor) : undefined };
}

type Row = {
  part: number;
  k: string | null;
  v: string | null;
  f: number | null;
  t: string | readonly string[] | null;
  s: number | null;
  n: number | string;
};

async function runSearch(registry: Registry, terms: readonly QueryTerm[], request: SearchRequest) {
  const matching = matchingSet(registry.dialect, terms, request);
  const after = request.after
    ? sql`where score < ${request.after.score} or (score = ${request.after.score} and product_id > ${request.after.id})`
    : sql``;
  const noTags = registry.dialect === 'postgres' ? sql`cast(null as text[])` : sql`cast(null as text)`;
  // Two passes over the matching set: the page, and the (domain, owner, flags, tag set, SLA
  // and stale) combinations, which every facet's counts are sums of (a tag set is grouped as
  // one value, so no pass unnests each product's tags).
  const result = await sql<Row>`
    with m as materialized (${matching})
    select 0 as part, product_id as k, cast(null as text) as v, 0 as f, ${noTags} as t, 0 as s, score as n from (
      select product_id, score from m ${after} order by score desc, product_id limit ${request.limit + 1}) page
    union all select 2, domain, owner, flags, tags, sla * 2 + st, count(*) from m group by domain, owner, flags, tags, sla, st`.execute(
    registry.db,
  );
  return assemble(registry, terms, request, result.rows);
}

/** The products matching the words and the filters, each with its score. */
function matchingSet(
  dialect: RegistryDialect,
  terms: readonly QueryTerm[],
  request: SearchRequest,
): RawBuilder<unknown> {
  // Further restrictions (e.g. what the caller may see) go here, as more conditions on d.doc_id.
  const restrictions = request.filters.map(({ facet, values }) =>
    TIMED_FACETS.has(facet)
      ? timedRestriction(facet, values, request.at)
      : sql`d.doc_id in (select doc_id from search_facets where facet = ${facet} and value in (${sql.join(values)}))`,
  );
  const where = (conditions: RawBuilder<unknown>[]) =>
    conditions.length ? sql`where ${sql.join(conditions, sql` and `)}` : sql``;
  const columns = sql`d.product_id, d.domain, d.owner, d.tags, d.flags, ${slaSql(request.at)} as sla, ${staleSql(request.at)} as st`;
  if (terms.length === 0) return sql`select ${columns}, 0 as score from search_documents d ${where(restrictions)}`;
  const score = sql.join(
    terms.map((t) => termPoints(dialect, t)),
    sql` + `,
  );
  if (dialect === 'postgres')
    return sql`select ${columns}, ${score} as score from search_documents d
      ${where([sql`d.document @@ to_tsquery('simple', ${pgQuery(terms)})`, ...restrictions])}`;
  return sql`select ${columns}, ${score} as score
    from search_fts join search_documents d on d.doc_id = search_fts.rowid
    ${where([sql`search_fts match ${ftsQuery(terms)}`, ...restrictions])}`;
}

/** A filter on a facet judged now: the SLA status codes or the stale flag. */
function timedRestriction(facet: FacetName, values: readonly string[], at: number): RawBuilder<unknown> {
  if (facet === 'stale') {
    const codes = values.map((v) => sql.lit(v === 'yes' ? 1 : 0));
    return sql`${staleSql(at)} in (${sql.join(codes)})`;
  }
  const codes = values.map((v) => sql.lit(SLA_CODES[v as SlaStatus]));
  return sql`${slaSql(at)} in (${sql.join(codes)})`;
}

/**
 * The points one term earns: those of the best class it occurs in (it matched somewhere: the
 * weakest otherwise). A class's words are stored space-padded, so " word " finds a word,
 * " pre" a prefix and " two words " a phrase — the same test on both databases.
 */
function termPoints(dialect: RegistryDialect, term: QueryTerm): RawBuilder<unknown> {
  const classes = SEARCH_CLASSES.slice(0, -1);
  const weakest = CLASS_POINTS[SEARCH_CLASSES.at(-1)!];
  const needle = ` ${term.words.join(' ')}${term.prefix ? '' : ' '}`;
  const find = dialect === 'postgres' ? sql.raw('strpos') : sql.raw('instr');
  const whens = classes.map((c) => sql`when ${find}(d.${sql.raw(c)}, ${needle}) > 0 then ${sql.lit(CLASS_POINTS[c])}`);
  return sql`(case ${sql.join(whens, sql` `)} else ${sql.lit(weakest)} end)`;
}

/** FTS5 query text: every word quoted (so no word is ever syntax), phrases as one string, the prefix starred. */
function ftsTerm(term: QueryTerm): string {
  return `"${term.words.join(' ')}"${term.prefix ? '*' : ''}`;
}
function ftsQuery(terms: readonly QueryTerm[]): string {
  return terms.map(ftsTerm).join(' ');
}

/** tsquery text: quoted lexemes, phrases with <->, the prefix as :*. */
function pgTerm(term: QueryTerm): string {
  const lexemes = term.words.map((w, i) => `'${w}'${term.prefix && i === term.words.length - 1 ? ':*' : ''}`);
  return lexemes.length > 1 ? `(${lexemes.join(' <-> ')})` : lexemes[0];
}
function pgQuery(terms: readonly QueryTerm[]): string {
  return terms.map(pgTerm).join(' & ');
}

async function assemble(
  registry: Registry,
  terms: readonly QueryTerm[],
  request: SearchRequest,
  rows: readonly Row[],
): Promise<SearchResult> {
  const page = rows
    .filter((r) => r.part === 0)
    .map((r) => ({ id: r.k!, score: Number(r.n) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const more = page.length > request.limit;
  if (more) page.length = request.limit;
  const summaries = new Map(
    (
      await getProductsByIds(
        registry,
        page.map((p) => p.id),
      )
    ).map((s) => [s.id, s]),
  );
  const glances = await hitGlances(
    registry,
    page.map((p) => p.id),
    request.at,
  );
  const hits = page
    .filter((p) => summaries.has(p.id) && glances.has(p.id))
    .map((p) => ({ ...summaries.get(p.id)!, score: p.score, ...glances.get(p.id)! }));
  const facets = Object.fromEntries(FACETS.map((f) => [f, [] as FacetCount[]])) as Record<FacetName, FacetCount[]>;
  const counts = Object.fromEntries(FACETS.map((f) => [f, new Map<string, number>()])) as Record<
    FacetName,
    Map<string, number>
  >;
  const add = (facet: FacetName, value: string, n: number) =>
    counts[facet].set(value, (counts[facet].get(value) ?? 0) + n);
  let total = 0;
  for (const r of rows) {
    const n = Number(r.n);
    if (r.part !== 2) continue;
    for (const tag of typeof r.t === 'string' ? (JSON.parse(r.t) as string[]) : (r.t ?? [])) add('tag', tag, n);
    total += n;
    add('domain', r.k!, n);
    add('owner', r.v!, n);
    const state = Number(r.s);
    add('sla', SLA_NAMES[state >> 1], n);
    add('stale', state & 1 ? 'yes' : 'no', n);
    for (const facet of ['pii', 'lifecycle'] as const)
      for (const [value, bit] of Object.entries(FACET_FLAGS[facet])) if (Number(r.f) & bit) add(facet, value, n);
  }
  for (const f of FACETS) for (const [value, count] of counts[f]) facets[f].push({ value, count });
  for (const f of FACETS) {
    facets[f].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
    facets[f].length = Math.min(facets[f].length, MAX_FACET_VALUES);
  }
  const last = page.at(-1);
  return {
    query: formatQuery(terms),
    total,
    hits,
    facets,
    nextCursor: more && last ? encodeSearchCursor(last.score, last.id) : null,
    suggestions: [],
  };
}

/** The result with each hit's glance (stale, freshness, last run, rating) read now: a cached result keeps its hits, not their state. */
export async function refreshHitGlances(registry: Registry, result: SearchResult): Promise<SearchResult> {
  const glances = await hitGlances(
    registry,
    result.hits.map((h) => h.id),
  );
  return { ...result, hits: result.hits.map((h) => ({ ...h, ...glances.get(h.id) })) };
}
