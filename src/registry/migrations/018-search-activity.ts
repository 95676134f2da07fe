import type { Kysely, Migration } from 'kysely';
import type { RegistryDialect, RegistryTx } from '../registry-handle.js';
import { rebuildSearchIndex } from '../operations/products/search-index.js';

/**
 * What the catalog's time-dependent facets are judged from, per indexed product, in epoch
 * milliseconds: when it was created, its freshness target, its last good publication and its
 * last allowed read. The SLA status (freshness target met or breached now) and the stale flag
 * are computed from them at search time, in the statement that counts the other facets.
 */
export function m018SearchActivity(dialect: RegistryDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const ms = dialect === 'postgres' ? 'bigint' : 'integer';
      await db.schema
        .alterTable('search_documents')
        .addColumn('created_ms', ms, (c) => c.notNull().defaultTo(0))
        .execute();
      for (const column of ['target_ms', 'good_ms', 'read_ms'])
        await db.schema.alterTable('search_documents').addColumn(column, ms).execute();
      await rebuildSearchIndex(db as unknown as RegistryTx, dialect);
    },
  };
}
