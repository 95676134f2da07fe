import type { Kysely, Migration } from 'kysely';
import type { RegistryDialect } from '../registry-dialect.js';

/**
 * Mesh health: consumer ratings (one per product, team and quarter; a new one replaces it) and
 * domains as first-class records (an owning team, a core flag, a description).
 */
export function m011MeshHealth(_dialect: RegistryDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // One column per statement: SQLite adds columns one at a time.
      await db.schema.alterTable('domains').addColumn('owner_team', 'text').execute();
      await db.schema
        .alterTable('domains')
        .addColumn('core', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('domains').addColumn('description', 'text').execute();
      await db.schema.alterTable('domains').addColumn('updated_by', 'text').execute();
      await db.schema.alterTable('domains').addColumn('updated_at', 'text').execute();
      await db.schema
        .createTable('ratings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('team', 'text', (c) => c.notNull())
        // 2026-Q4, of rated_at in UTC
        .addColumn('quarter', 'text', (c) => c.notNull())
        .addColumn('score', 'integer', (c) => c.notNull())
        .addColumn('comment', 'text')
        .addColumn('rated_by', 'text', (c) => c.notNull())
        .addColumn('rated_at', 'text', (c) => c.notNull())
        .addColumn('answer', 'text')
        .addColumn('answered_by', 'text')
        .addColumn('answered_at', 'text')
        .execute();
      // At most one rating per team, product and quarter, across replicas.
      await db.schema
        .createIndex('ratings_once')
        .on('ratings')
        .columns(['product_id', 'team', 'quarter'])
        .unique()
        .execute();
      await db.schema.createIndex('ratings_quarter').on('ratings').columns(['quarter', 'domain']).execute();
    },
  };
}
