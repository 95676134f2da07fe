import { sql, type Kysely, type Migration } from 'kysely';
import type { RegistryDialect } from '../registry-dialect.js';

/**
 * Watermarks per major: a deprecated major keeps running beside its successor until its
 * sunset, and each reads its sources from where its own last publication left off. Existing
 * watermarks move to the major of the run that wrote them.
 */
export function m006MajorWatermarks(dialect: RegistryDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('watermarks_by_major')
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('major', 'integer', (c) => c.notNull())
        .addColumn('input_name', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('watermarks_by_major_pk', ['product_id', 'major', 'input_name'])
        .execute();
      const majorOf =
        dialect === 'postgres'
          ? sql`split_part(r.version, '.', 1)::integer`
          : sql`CAST(substr(r.version, 1, instr(r.version, '.') - 1) AS INTEGER)`;
      await sql`INSERT INTO watermarks_by_major (product_id, major, input_name, value, run_id, updated_at)
        SELECT w.product_id, ${majorOf}, w.input_name, w.value, w.run_id, w.updated_at
        FROM watermarks w JOIN pipeline_runs r ON r.id = w.run_id`.execute(db);
      await db.schema.dropTable('watermarks').execute();
    },
  };
}
