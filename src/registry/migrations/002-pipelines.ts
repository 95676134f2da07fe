import type { Kysely, Migration } from 'kysely';
import type { RegistryDialect } from '../registry-dialect.js';

/**
 * Pipeline runs: the run history (steps and inputs as JSON text), check results, the
 * watermark of each incremental input, one lock row per product (a lease, so a killed run
 * cannot block forever) and the published snapshots.
 */
export function m002Pipelines(_dialect: RegistryDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('pipeline_runs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('snapshot_id', 'text')
        .addColumn('rows_out', 'integer')
        .addColumn('steps', 'text', (c) => c.notNull())
        .addColumn('inputs', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('actor', 'text')
        .execute();
      await db.schema
        .createIndex('pipeline_runs_product')
        .on('pipeline_runs')
        .columns(['product_id', 'started_at'])
        .execute();
      await db.schema
        .createTable('check_results')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('observed', 'text')
        .addColumn('threshold', 'text')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('samples', 'text')
        .addColumn('time', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('check_results_pk', ['run_id', 'position'])
        .execute();
      await db.schema
        .createIndex('check_results_product')
        .on('check_results')
        .columns(['product_id', 'time'])
        .execute();
      await db.schema
        .createTable('watermarks')
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('input_name', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('watermarks_pk', ['product_id', 'input_name'])
        .execute();
      await db.schema
        .createTable('run_locks')
        .addColumn('product_id', 'text', (c) => c.primaryKey())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('acquired_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('snapshots')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('ports', 'text', (c) => c.notNull())
        .addColumn('published_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('snapshots_product')
        .on('snapshots')
        .columns(['product_id', 'published_at'])
        .execute();
    },
  };
}
