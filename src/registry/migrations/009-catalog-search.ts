import { sql, type Kysely, type Migration } from 'kysely';
import type { RegistryDialect, RegistryTx } from '../registry-handle.js';
import { rebuildSearchIndex } from '../operations/products/search-index.js';

/**
 * Catalog search on the databases' own full-text engines (SQLite FTS5, PostgreSQL tsvector
 * with GIN and pg_trgm), facets, and a typo vocabulary; the index is built for the products
 * already published. The hand-written term table it replaces is dropped.
 */
export function m009CatalogSearch(dialect: RegistryDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect === 'postgres') await createPostgres(db);
      else await createSqlite(db);
      await sql`create table search_facets (
        facet text not null, value text not null, doc_id integer not null,
        primary key (facet, value, doc_id))`.execute(db);
      await sql`create index search_facets_by_doc on search_facets (doc_id, facet, value)`.execute(db);
      await rebuildSearchIndex(db as unknown as RegistryTx, dialect, { activity: false }); // 018 adds the rest
      await sql`drop table search_terms`.execute(db);
    },
  };
}

/**
 * Per product: the texts of the first three field classes (to score a match by the best
 * class it is in), and the facet values counted over a result set (domain, owner, tags, and
 * PII classes and version statuses as bits).
 */
const DOCUMENT_COLUMNS = sql.raw(
  'a text not null, b text not null, c text not null, domain text not null, owner text not null, flags integer not null',
);

async function createSqlite(db: Kysely<unknown>): Promise<void> {
  await sql`create table search_documents (doc_id integer primary key, product_id text not null unique, ${DOCUMENT_COLUMNS},
    tags text not null)`.execute(db);
  // Contentless (the text lives in product_versions), deletable, with prefix indexes for typed-ahead words.
  await sql`create virtual table search_fts using fts5(a, b, c, d, content='', contentless_delete=1,
    tokenize='unicode61 remove_diacritics 2', prefix='2 3')`.execute(db);
  await sql`create virtual table search_vocab using fts5vocab(search_fts, 'row')`.execute(db);
}

async function createPostgres(db: Kysely<unknown>): Promise<void> {
  await createExtension(db, 'pg_trgm');
  await sql`create table search_documents (doc_id serial primary key, product_id text not null unique, ${DOCUMENT_COLUMNS},
    tags text[] not null, document tsvector not null)`.execute(db);
  await sql`create index search_documents_document on search_documents using gin (document)`.execute(db);
  await sql`create table search_words (word text collate "C" primary key)`.execute(db);
  await sql`create index search_words_trgm on search_words using gin (word gin_trgm_ops)`.execute(db);
}

/** CREATE EXTENSION, unless it is already there; a role without the right gets told what to ask for. */
async function createExtension(db: Kysely<unknown>, name: string): Promise<void> {
  const present = await sql<{ n: number }>`select count(*) as n from pg_extension where extname = ${name}`.execute(db);
  if (Number(present.rows[0]?.n) > 0) return;
  try {
    await sql`create extension if not exists ${sql.raw(name)}`.execute(db);
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    throw new Error(
      `catalog search needs the PostgreSQL extension ${name}, and this role may not create it (permission denied); ` +
        `have the database owner or a superuser run "CREATE EXTENSION ${name};" in this database, then start again`,
      { cause: error },
    );
  }
}
