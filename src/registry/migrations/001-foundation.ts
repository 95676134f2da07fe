import { sql, type Kysely, type Migration } from 'kysely';
import type { RegistryDialect } from '../registry-dialect.js';

export function m001Foundation(dialect: RegistryDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('domains')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('teams')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('products')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('owner', 'text', (c) => c.notNull())
        .addColumn('oncall', 'text')
        .addColumn('description', 'text')
        .addColumn('latest_version', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('products_domain').on('products').column('domain').execute();
      await db.schema
        .createTable('product_versions')
        .addColumn('product_id', 'text', (c) => c.notNull().references('products.id'))
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('major', 'integer', (c) => c.notNull())
        .addColumn('minor', 'integer', (c) => c.notNull())
        .addColumn('patch', 'integer', (c) => c.notNull())
        .addColumn('descriptor', 'text', (c) => c.notNull())
        .addColumn('source_yaml', 'text', (c) => c.notNull())
        .addColumn('transform_sql', 'text')
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('published_by', 'text', (c) => c.notNull())
        .addColumn('published_at', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('sunset_at', 'text')
        .addPrimaryKeyConstraint('product_versions_pk', ['product_id', 'version'])
        .execute();
      // Byte-wise collation on PostgreSQL so prefix ranges (term >= 'ord' AND term < 'ord\uffff') use the index.
      await db.schema
        .createTable('search_terms')
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('term', dialect === 'postgres' ? sql`text collate "C"` : 'text', (c) => c.notNull())
        .addColumn('weight', 'real', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('search_terms_term')
        .on('search_terms')
        .columns(['term', 'product_id', 'weight'])
        .execute();
      await db.schema.createIndex('search_terms_product').on('search_terms').column('product_id').execute();
      if (dialect === 'postgres') {
        // Search reads the term index only (index-only scans); that needs a fresh visibility map,
        // so vacuum this churned table early rather than at the default 20% of changes.
        await sql`alter table search_terms set (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_insert_scale_factor = 0.02, autovacuum_analyze_scale_factor = 0.02)`.execute(
          db,
        );
      }
      await db.schema
        .createTable('events')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('actor', 'text')
        .addColumn('time', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('events_subject').on('events').columns(['subject', 'id']).execute();
    },
  };
}
