import type { DataProduct } from '../../../descriptor/data-product-schema.js';

/** How much a hit in each field counts towards a product's rank. */
export const SEARCH_WEIGHTS = {
  name: 10,
  domain: 5,
  tag: 6,
  title: 6,
  description: 3,
  column: 4,
  columnDescription: 2,
  owner: 3,
} as const;

/** Lower-case words of a text: letters and digits, split on everything else. */
export function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

/** The weighted terms a product is found by: the strongest weight per term wins. */
export function searchTerms(product: DataProduct): Map<string, number> {
  const terms = new Map<string, number>();
  const add = (text: string | undefined, weight: number) => {
    if (!text) return;
    for (const token of tokenize(text)) terms.set(token, Math.max(terms.get(token) ?? 0, weight));
  };
  const m = product.metadata;
  add(m.name, SEARCH_WEIGHTS.name);
  terms.set(m.name, Math.max(terms.get(m.name) ?? 0, SEARCH_WEIGHTS.name + 2));
  add(m.domain, SEARCH_WEIGHTS.domain);
  add(m.title, SEARCH_WEIGHTS.title);
  add(m.description, SEARCH_WEIGHTS.description);
  for (const tag of m.tags ?? []) add(tag, SEARCH_WEIGHTS.tag);
  add(m.owner, SEARCH_WEIGHTS.owner);
  add(m.oncall, SEARCH_WEIGHTS.owner);
  for (const column of product.spec.schema.columns) {
    add(column.name, SEARCH_WEIGHTS.column);
    add(column.description, SEARCH_WEIGHTS.columnDescription);
  }
  return terms;
}
