/**
 * The catalog search before the full-text engines (until migration 009), kept for the search
 * bench's ratio only: a hand-written term table (`legacy_search_terms`) and a prefix range
 * scan per word. Same SQL on SQLite and PostgreSQL.
 */
import { sql } from 'kysely';
import type { DataProduct } from '../src/descriptor/data-product-schema.js';
import type { Registry } from '../src/registry/registry.js';

const SEARCH_WEIGHTS = {
  name: 10,
  domain: 5,
  tag: 6,
  title: 6,
  description: 3,
  column: 4,
  columnDescription: 2,
  owner: 3,
} as const;

function tokenize(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((t) => t.length > 0);
}

function searchTerms(product: DataProduct): Map<string, number> {
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

/** Builds the old term table for every product's latest version. */
export async function buildLegacyTerms(registry: Registry): Promise<void> {
  await sql`create table legacy_search_terms (product_id text not null, term text not null, weight integer not null,
    primary key (term, product_id))`.execute(registry.db);
  const rows = await sql<{ id: string; descriptor: string }>`select p.id, pv.descriptor from products p
    join product_versions pv on pv.product_id = p.id and pv.version = p.latest_version`.execute(registry.db);
  const terms = rows.rows.flatMap((r) =>
    [...searchTerms(JSON.parse(r.descriptor) as DataProduct)].map(([term, weight]) => ({ id: r.id, term, weight })),
  );
  await registry.db.transaction().execute(async (tx) => {
    for (let i = 0; i < terms.length; i += 5000) {
      const values = terms.slice(i, i + 5000).map((t) => sql`(${t.id}, ${t.term}, ${t.weight})`);
      await sql`insert into legacy_search_terms (product_id, term, weight) values ${sql.join(values)}`.execute(tx);
    }
  });
  if (registry.dialect === 'postgres') await sql`vacuum analyze legacy_search_terms`.execute(registry.db);
}

/** The old search: every word a prefix of a term, the best weight per word summed; top 20 with summaries. */
export async function legacySearch(registry: Registry, text: string): Promise<string[]> {
  const tokens = [...new Set(tokenize(text))].slice(0, 8);
  if (tokens.length === 0) return [];
  const bestPerProduct = (token: string) => sql`
      select product_id, max(case when term = ${token} then weight * 2 else weight end) as w
      from legacy_search_terms
      where term >= ${token} and term < ${token + '\uffff'}
      group by product_id`;
  const union = sql.join(tokens.map(bestPerProduct), sql` union all `);
  const result = await sql<{ product_id: string }>`
    select product_id, sum(w) as score from (${union}) as hits
    group by product_id having count(*) = ${tokens.length}
    order by score desc, product_id limit 20`.execute(registry.db);
  const ids = result.rows.map((r) => r.product_id);
  if (ids.length)
    await registry.db.selectFrom('products').select(['id', 'description']).where('id', 'in', ids).execute();
  return ids;
}
