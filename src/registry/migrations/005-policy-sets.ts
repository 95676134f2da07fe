import type { Kysely, Migration } from 'kysely';
import type { RegistryDialect } from '../registry-dialect.js';

/** Policy sets managed through the API (the governance role), beside the ones read from files. */
export function m005PolicySets(_dialect: RegistryDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('policy_sets')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('yaml', 'text', (c) => c.notNull())
        .addColumn('content_hash', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      // Every server asks "did the policy sets change?" by the newest policy-set.* event id:
      // with this index that is one index lookup, not a scan of the whole log.
      await db.schema.createIndex('events_type').on('events').columns(['type', 'id']).execute();
    },
  };
}
