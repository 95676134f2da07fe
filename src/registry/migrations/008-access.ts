import type { Kysely, Migration } from 'kysely';
import type { RegistryDialect } from '../registry-dialect.js';

/** Access control: requests, grants (standing and by request) and the audit log of every read. */
export function m008Access(dialect: RegistryDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('grants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('major', 'integer')
        .addColumn('grantee_kind', 'text', (c) => c.notNull())
        .addColumn('grantee', 'text', (c) => c.notNull())
        .addColumn('pii', 'integer', (c) => c.notNull())
        .addColumn('origin', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('granted_by', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_by', 'text')
        // Set once the expiry sweep has announced the grant's end (access.expired, once).
        .addColumn('expiry_noted', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      // The decision's one lookup: a product's grants for the reader's teams, domains and user.
      await db.schema
        .createIndex('grants_reader')
        .on('grants')
        .columns(['product_id', 'grantee_kind', 'grantee'])
        .execute();
      await db.schema.createIndex('grants_expiry').on('grants').columns(['expiry_noted', 'expires_at']).execute();
      await db.schema
        .createTable('access_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('major', 'integer')
        .addColumn('team', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('pii', 'integer', (c) => c.notNull())
        .addColumn('expires', 'text')
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'text')
        .addColumn('reason', 'text')
        .addColumn('grant_id', 'text')
        .execute();
      await db.schema.createIndex('access_requests_status').on('access_requests').columns(['status', 'id']).execute();
      await db.schema.createIndex('access_requests_product').on('access_requests').column('product_id').execute();
      await db.schema
        .createTable('access_log')
        .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
          dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
        )
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text', (c) => c.notNull())
        .addColumn('team', 'text')
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('major', 'integer')
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('allowed', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('masked_columns', 'text', (c) => c.notNull())
        .addColumn('rows', 'bigint')
        .addColumn('duration_ms', 'real')
        .execute();
      await db.schema.createIndex('access_log_product').on('access_log').columns(['product_id', 'id']).execute();
      await db.schema.createIndex('access_log_time').on('access_log').column('time').execute();
    },
  };
}
