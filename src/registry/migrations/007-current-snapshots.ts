import { sql, type Kysely, type Migration } from 'kysely';
import type { RegistryDialect } from '../registry-dialect.js';

/**
 * The registry is the commit point of a publication: `current_snapshots` holds, per product
 * and major, the snapshot readers get, written in the same transaction as the run's success,
 * its snapshot record and its watermarks. Existing registries start from the newest recorded
 * snapshot of each major (a `current.json` ahead of the registry was a half-commit).
 */
export function m007CurrentSnapshots(dialect: RegistryDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('current_snapshots')
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('major', 'integer', (c) => c.notNull())
        .addColumn('snapshot_id', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('published_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('current_snapshots_pk', ['product_id', 'major'])
        .execute();
      const majorOf = (alias: string) =>
        dialect === 'postgres'
          ? sql`split_part(${sql.ref(`${alias}.version`)}, '.', 1)::integer`
          : sql`CAST(substr(${sql.ref(`${alias}.version`)}, 1, instr(${sql.ref(`${alias}.version`)}, '.') - 1) AS INTEGER)`;
      // Snapshot ids are run ids, which sort by time: the greatest of a major is its newest.
      await sql`INSERT INTO current_snapshots (product_id, major, snapshot_id, version, run_id, rows, published_at)
        SELECT s.product_id, ${majorOf('s')}, s.id, s.version, s.run_id, s.rows, s.published_at
        FROM snapshots s
        WHERE s.id = (SELECT max(o.id) FROM snapshots o
          WHERE o.product_id = s.product_id AND ${majorOf('o')} = ${majorOf('s')})`.execute(db);
    },
  };
}
