/**
 * The catalog search index, kept in the registry by the database's own full-text engine:
 * SQLite FTS5 (`search_fts`, one column per field class, a prefix index) or PostgreSQL
 * tsvector (`search_documents.document`, lexemes weighted A–D, GIN). Beside it, the facet
 * values of every product (`search_facets`) and, on PostgreSQL, the vocabulary for typo
 * suggestions (`search_words`, pg_trgm; SQLite reads FTS5's own vocabulary).
 *
 * A product is indexed as its latest version, in the transaction that publishes it, so the
 * index is never behind the catalog; `rebuildSearchIndex` recomputes it from the versions.
 */
import { sql, type RawBuilder } from 'kysely';
import { parseDuration } from '../../../descriptor/duration.js';
import type { DataProduct } from '../../../descriptor/data-product-schema.js';
import type { Registry, RegistryDialect, RegistryTx } from '../../registry-handle.js';
import { FACET_FLAGS, PII_MASK, searchDocument, searchFacets, tokenize } from './search-text.js';

export interface IndexedProduct {
  readonly productId: string;
  readonly descriptor: DataProduct;
}

const BATCH = 400;

export interface IndexOptions {
  /** The index holds none of these products yet (a rebuild): nothing to delete first. */
  readonly fresh?: boolean;
  /**
   * false: leave out what the SLA and stale facets are judged from (migration 009 builds the
   * index as it was before migration 018 added those columns). Default true.
   */
  readonly activity?: boolean;
}

/** (Re)indexes products, replacing what the index held for them. */
export async function indexProducts(
  tx: RegistryTx,
  dialect: RegistryDialect,
  products: readonly IndexedProduct[],
  options: IndexOptions = {},
): Promise<void> {
  for (let i = 0; i < products.length; i += BATCH) {
    const batch = products.slice(i, i + BATCH);
    const docIds = await upsertDocuments(tx, dialect, batch, options);
    await replaceFacets(tx, batch, docIds, options);
    if (options.activity !== false)
      await refreshSearchActivity(
        tx,
        dialect,
        batch.map((p) => p.productId),
      );
    await refreshSearchLifecycle(
      tx,
      batch.map((p) => p.productId),
    );
    if (dialect === 'postgres') await addWords(tx, batch);
  }
}

/**
 * Writes each product's row (its class texts, space-padded so a word is found by its
 * surrounding spaces; its facet values for counting) and its full-text entry; returns each
 * product's doc id.
 */
async function upsertDocuments(
  tx: RegistryTx,
  dialect: RegistryDialect,
  batch: readonly IndexedProduct[],
  options: IndexOptions,
): Promise<Map<string, number>> {
  const docs = batch.map((p) => ({
    id: p.productId,
    descriptor: p.descriptor,
    doc: searchDocument(p.descriptor),
    facets: searchFacets(p.descriptor),
  }));
  const row = ({ id, doc, facets, descriptor }: (typeof docs)[number]) => {
    const tags = dialect === 'postgres' ? facets.tag : JSON.stringify(facets.tag);
    const target = activity ? sql`, ${freshnessTargetMs(descriptor)}` : sql``;
    return sql`${id}, ${` ${doc.a} `}, ${` ${doc.b} `}, ${` ${doc.c} `}, ${facets.domain}, ${facets.owner}, ${tags}, ${piiFlags(facets.pii)}${target}`;
  };
  const activity = options.activity !== false;
  const columns = sql`product_id, a, b, c, domain, owner, tags, flags${activity ? sql`, target_ms` : sql``}`;
  const update = sql`a = excluded.a, b = excluded.b, c = excluded.c, domain = excluded.domain, owner = excluded.owner,
    tags = excluded.tags, flags = excluded.flags${activity ? sql`, target_ms = excluded.target_ms` : sql``}`;
  if (dialect === 'postgres') {
    const values = docs.map(
      (d) =>
        sql`(${row(d)}, setweight(to_tsvector('simple', ${d.doc.a}), 'A') || setweight(to_tsvector('simple', ${d.doc.b}), 'B')
          || setweight(to_tsvector('simple', ${d.doc.c}), 'C') || setweight(to_tsvector('simple', ${d.doc.d}), 'D'))`,
    );
    const rows = await sql<{ doc_id: number; product_id: string }>`
      insert into search_documents (${columns}, document) values ${sql.join(values)}
      on conflict (product_id) do update set ${update}, document = excluded.document
      returning doc_id, product_id`.execute(tx);
    return new Map(rows.rows.map((r) => [r.product_id, Number(r.doc_id)]));
  }
  const ids = docs.map((d) => d.id);
  await sql`insert into search_documents (${columns}) values ${sql.join(docs.map((d) => sql`(${row(d)})`))}
    on conflict (product_id) do update set ${update}`.execute(tx);
  const rows = await sql<{ doc_id: number; product_id: string }>`
    select doc_id, product_id from search_documents where product_id in (${sql.join(ids)})`.execute(tx);
  const docIds = new Map(rows.rows.map((r) => [r.product_id, Number(r.doc_id)]));
  if (!options.fresh) await sql`delete from search_fts where rowid in (${sql.join([...docIds.values()])})`.execute(tx);
  const values = docs.map(({ id, doc }) => sql`(${docIds.get(id)!}, ${doc.a}, ${doc.b}, ${doc.c}, ${doc.d})`);
  await sql`insert into search_fts (rowid, a, b, c, d) values ${sql.join(values)}`.execute(tx);
  return docIds;
}

/** The freshness target in ms, or null when the product promises none (or an unreadable one: validation refuses those). */
function freshnessTargetMs(product: DataProduct): number | null {
  const target = product.spec.freshness?.target;
  return target ? (parseDuration(target) ?? null) : null;
}

/** An ISO time column as epoch milliseconds, in SQL. */
function epochMs(dialect: RegistryDialect, column: RawBuilder<unknown>): RawBuilder<number> {
  return dialect === 'postgres'
    ? sql<number>`cast(round(extract(epoch from cast(${column} as timestamptz)) * 1000) as bigint)`
    : sql<number>`cast(round(unixepoch(${column}, 'subsec') * 1000) as integer)`;
}

/**
 * Re-reads what the SLA and stale facets are judged from: each product's creation, last good
 * publication (its newest current snapshot) and last allowed read. Kept current between
 * rebuilds by `noteGoodPublication` and `noteRead`.
 */
export async function refreshSearchActivity(
  tx: RegistryTx,
  dialect: RegistryDialect,
  productIds: readonly string[],
): Promise<void> {
  if (productIds.length === 0) return;
  const ms = (column: string) => epochMs(dialect, sql.raw(column));
  await sql`update search_documents set
      created_ms = coalesce((select ${ms('p.created_at')} from products p where p.id = search_documents.product_id), 0),
      good_ms = (select ${ms('max(cs.published_at)')} from current_snapshots cs where cs.product_id = search_documents.product_id),
      read_ms = (select ${ms('max(al.time)')} from access_log al
        where al.product_id = search_documents.product_id and al.allowed = 1)
    where product_id in (${sql.join([...new Set(productIds)])})`.execute(tx);
}

/** A good publication of the product at `atMs` (in the transaction that makes it current). */
export async function noteGoodPublication(tx: RegistryTx, productId: string, atMs: number): Promise<void> {
  await sql`update search_documents set good_ms = ${atMs}
    where product_id = ${productId} and (good_ms is null or good_ms < ${atMs})`.execute(tx);
}

/** Reads move the product's last-read time at most once a minute (the stale facet counts in days). */
const READ_NOTE_SLACK_MS = 60_000;

/** An allowed read of the product at `atMs`. */
export async function noteRead(tx: RegistryTx, productId: string, atMs: number): Promise<void> {
  await sql`update search_documents set read_ms = ${atMs}
    where product_id = ${productId} and (read_ms is null or read_ms < ${atMs - READ_NOTE_SLACK_MS})`.execute(tx);
}

function piiFlags(classes: readonly string[]): number {
  return classes.reduce((bits, c) => bits | (FACET_FLAGS.pii[c] ?? 0), 0);
}

async function replaceFacets(
  tx: RegistryTx,
  batch: readonly IndexedProduct[],
  docIds: Map<string, number>,
  options: IndexOptions,
) {
  if (!options.fresh)
    await sql`delete from search_facets where doc_id in (${sql.join([...docIds.values()])})`.execute(tx);
  const rows: Array<{ facet: string; value: string; doc_id: number }> = [];
  for (const p of batch) {
    const docId = docIds.get(p.productId)!;
    const f = searchFacets(p.descriptor);
    rows.push({ facet: 'domain', value: f.domain, doc_id: docId });
    rows.push({ facet: 'owner', value: f.owner, doc_id: docId });
    for (const tag of f.tag) rows.push({ facet: 'tag', value: tag, doc_id: docId });
    for (const pii of f.pii) rows.push({ facet: 'pii', value: pii, doc_id: docId });
  }
  for (let i = 0; i < rows.length; i += 1000)
    await tx
      .insertInto('search_facets')
      .values(rows.slice(i, i + 1000))
      .execute();
}

/** PostgreSQL: the words typo suggestions are drawn from (sorted, so concurrent publishers lock in one order). */
async function addWords(tx: RegistryTx, batch: readonly IndexedProduct[]): Promise<void> {
  const words = new Set<string>();
  for (const p of batch) {
    const doc = searchDocument(p.descriptor);
    for (const text of Object.values(doc)) for (const w of tokenize(text)) if (w.length >= 3) words.add(w);
  }
  const sorted = [...words].sort();
  for (let i = 0; i < sorted.length; i += 1000)
    await tx
      .insertInto('search_words')
      .values(sorted.slice(i, i + 1000).map((word) => ({ word })))
      .onConflict((oc) => oc.column('word').doNothing())
      .execute();
}

/**
 * Re-reads the lifecycle facet of these products: the statuses of their versions (a product
 * with an active 2.x and a deprecated 1.x counts as both active and deprecated).
 */
export async function refreshSearchLifecycle(tx: RegistryTx, productIds: readonly string[]): Promise<void> {
  const ids = [...new Set(productIds)];
  if (ids.length === 0) return;
  await sql`delete from search_facets where facet = 'lifecycle'
    and doc_id in (select doc_id from search_documents where product_id in (${sql.join(ids)}))`.execute(tx);
  await sql`insert into search_facets (facet, value, doc_id)
    select distinct 'lifecycle', pv.status, d.doc_id from product_versions pv
    join search_documents d on d.product_id = pv.product_id
    where pv.product_id in (${sql.join(ids)})`.execute(tx);
  const bit = sql.join(
    Object.entries(FACET_FLAGS.lifecycle).map(([status, b]) => sql`when ${status} then ${sql.lit(b)}`),
    sql` `,
  );
  await sql`update search_documents set flags = (flags & ${sql.lit(PII_MASK)}) | coalesce((
      select sum(distinct case pv.status ${bit} else 0 end) from product_versions pv
      where pv.product_id = search_documents.product_id), 0)
    where product_id in (${sql.join(ids)})`.execute(tx);
}

/**
 * Rebuilds the whole index from the latest version of every product (recovery: `mesh admin
 * reindex`; also the migration that introduced it). Runs in one transaction: searches see
 * the old index until the new one is complete.
 */
export async function rebuildSearchIndex(
  db: RegistryTx,
  dialect: RegistryDialect,
  options: Pick<IndexOptions, 'activity'> = {},
): Promise<{ products: number; ms: number }> {
  const started = performance.now();
  const run = async (tx: RegistryTx) => {
    await sql`delete from search_facets`.execute(tx);
    await sql`delete from search_documents`.execute(tx);
    if (dialect === 'sqlite') await sql`delete from search_fts`.execute(tx);
    else await sql`delete from search_words`.execute(tx);
    let after = '';
    let count = 0;
    for (;;) {
      const rows = await sql<{ id: string; descriptor: string }>`
        select p.id, pv.descriptor from products p
        join product_versions pv on pv.product_id = p.id and pv.version = p.latest_version
        where p.id > ${after} order by p.id limit ${2000}`.execute(tx);
      if (rows.rows.length === 0) break;
      after = rows.rows.at(-1)!.id;
      count += rows.rows.length;
      await indexProducts(
        tx,
        dialect,
        rows.rows.map((r) => ({
          productId: r.id,
          descriptor: JSON.parse(r.descriptor) as DataProduct,
        })),
        { ...options, fresh: true },
      );
    }
    return count;
  };
  const products = db.isTransaction ? await run(db) : await db.transaction().execute(run);
  return { products, ms: performance.now() - started };
}

/** `rebuildSearchIndex` on an open registry. */
export function reindexRegistry(registry: Registry): Promise<{ products: number; ms: number }> {
  return rebuildSearchIndex(registry.db, registry.dialect);
}
