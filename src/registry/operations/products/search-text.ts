/**
 * The text side of catalog search, shared by both registries: how a product becomes the
 * weighted text the database's full-text engine indexes, and how a user's query becomes a
 * list of words and phrases. Both sides go through the same `tokenize`, so SQLite FTS5 and
 * PostgreSQL tsvector see exactly the same words (no engine-specific parsing of e-mails,
 * hyphens or accents), and no user text ever reaches an engine's query syntax.
 */
import { InputError } from '../../../core/errors.js';
import type { DataProduct } from '../../../descriptor/data-product-schema.js';

/**
 * Field classes, strongest first. A word counts with the best class it occurs in; PostgreSQL
 * labels lexemes A–D with them, SQLite keeps one FTS5 column per class.
 */
export const SEARCH_CLASSES = ['a', 'b', 'c', 'd'] as const;
export type SearchClass = (typeof SEARCH_CLASSES)[number];

/** Points a query word earns by the best class it matches in: name/title ≫ tags/domain ≫ description/columns ≫ the rest. */
export const CLASS_POINTS: Record<SearchClass, number> = { a: 8, b: 4, c: 2, d: 1 };

/**
 * The facets with few values, counted from one integer per product: a bit per PII class
 * present and per version status present.
 */
export const FACET_FLAGS: Record<'pii' | 'lifecycle', Record<string, number>> = {
  pii: { indirect: 1, direct: 2, sensitive: 4 },
  lifecycle: { active: 8, deprecated: 16, retired: 32 },
};
export const PII_MASK = 7;

/** The longest query accepted, in characters. */
export const MAX_QUERY_LENGTH = 1000;
/** The most words and phrases in one query. */
export const MAX_QUERY_TERMS = 16;

/** Lower-case words without diacritics: letters and digits, split on everything else. */
export function tokenize(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0 && t.length <= 100);
}

/** A product's indexed text, one space-separated word list per class. */
export type SearchDocument = Record<SearchClass, string>;

export function searchDocument(product: DataProduct): SearchDocument {
  const m = product.metadata;
  const columns = product.spec.schema.columns;
  const words = (...texts: Array<string | undefined | null>) => texts.flatMap((t) => (t ? tokenize(t) : [])).join(' ');
  return {
    a: words(m.name, m.title),
    b: words(...(m.tags ?? []), m.domain),
    c: words(m.description, ...columns.map((c) => c.name)),
    d: words(...columns.map((c) => c.description), m.owner, m.oncall),
  };
}

/** The facet values of a product (lifecycle comes from its latest version's status). */
export interface SearchFacetValues {
  readonly domain: string;
  readonly owner: string;
  readonly tag: readonly string[];
  readonly pii: readonly string[];
}

export function searchFacets(product: DataProduct): SearchFacetValues {
  const pii = new Set(product.spec.schema.columns.map((c) => c.pii).filter((p): p is NonNullable<typeof p> => !!p));
  return {
    domain: product.metadata.domain,
    owner: product.metadata.owner,
    tag: [...new Set(product.metadata.tags ?? [])],
    pii: [...pii].filter((p) => p !== 'none'),
  };
}

/** One part of a query: a word (a prefix when `prefix`) or a quoted phrase of words. */
export interface QueryTerm {
  readonly words: readonly string[];
  readonly prefix: boolean;
}

/**
 * Parses what a user typed: bare words, and "quoted phrases" (an unclosed quote runs to the
 * end). Every character that is not a letter or digit only separates words, so engine syntax
 * (`* ( ) : ^ NEAR AND OR NOT -`, SQL quotes) is searched as the words around it. The last
 * bare word is a prefix (the user may still be typing it) unless the query ends in a space.
 */
export function parseQuery(text: string): QueryTerm[] {
  if (text.length > MAX_QUERY_LENGTH)
    throw new InputError(
      `the search text is ${text.length} characters long; at most ${MAX_QUERY_LENGTH} are searched`,
      {
        details: { hint: 'search for a few distinctive words' },
      },
    );
  const terms: QueryTerm[] = [];
  const parts = text.split('"');
  parts.forEach((part, i) => {
    const words = tokenize(part);
    if (words.length === 0) return;
    if (i % 2 === 1) terms.push({ words, prefix: false });
    else for (const w of words) terms.push({ words: [w], prefix: false });
  });
  const last = terms.at(-1);
  const endsOpen = parts.length % 2 === 1 && /[\p{L}\p{N}]$/u.test(text);
  if (last && last.words.length === 1 && endsOpen && last.words[0].length >= 2)
    terms[terms.length - 1] = { words: last.words, prefix: true };
  const unique = dedupe(terms);
  if (unique.length > MAX_QUERY_TERMS)
    throw new InputError(`the search has ${unique.length} words and phrases; at most ${MAX_QUERY_TERMS} are searched`, {
      details: { hint: 'search for a few distinctive words' },
    });
  if (unique.length === 0 && /\S/.test(text) && !/[\p{L}\p{N}]/u.test(text))
    throw new InputError(`"${text.slice(0, 40)}" has no letters or digits to search for`, {
      details: { hint: 'search for words; an empty search lists every product (with --domain, --tag, … to filter)' },
    });
  return unique;
}

function dedupe(terms: QueryTerm[]): QueryTerm[] {
  const seen = new Set<string>();
  return terms.filter((t) => {
    const key = `${t.words.join(' ')}${t.prefix ? '*' : ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The query as the user could type it again (after corrections). */
export function formatQuery(terms: readonly QueryTerm[]): string {
  return terms.map((t) => (t.words.length > 1 ? `"${t.words.join(' ')}"` : t.words[0])).join(' ');
}
