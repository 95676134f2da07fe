import type { Kysely, Migration } from 'kysely';
import type { RegistryDialect } from '../registry-dialect.js';
import { rebuildLineage } from '../operations/lineage/write-lineage.js';
import type { RegistryTx } from '../registry-handle.js';

/**
 * The lineage graph: nodes (products, their declared and resolved sources, datasets and jobs
 * from OpenLineage events) and the edges data flows along, each edge owned by the product or
 * job whose publication, run or event wrote it, so it is replaced in step. The products
 * already published get their declared edges.
 */
export function m010LineageGraph(dialect: RegistryDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('lineage_nodes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('namespace', 'text')
        .addColumn('name', 'text')
        .addColumn('external', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('freshness_target', 'text')
        .addColumn('last_run_id', 'text')
        .addColumn('last_run_status', 'text')
        .addColumn('last_run_at', 'text')
        .addColumn('last_good_at', 'text')
        .addColumn('failing_checks', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('lineage_edges')
        .addColumn('from_id', 'text', (c) => c.notNull())
        .addColumn('to_id', 'text', (c) => c.notNull())
        // The product (or external job) whose publication, run or event wrote the edge.
        .addColumn('owner', 'text', (c) => c.notNull())
        // publish | run | event
        .addColumn('origin', 'text', (c) => c.notNull())
        // The descriptor input the edge stands for ('' when none), so a run replaces exactly its inputs.
        .addColumn('input_name', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('lineage_edges_pk', ['owner', 'origin', 'input_name', 'from_id', 'to_id'])
        .execute();
      // One index per walking direction: downstream reads by from_id, upstream by to_id.
      await db.schema.createIndex('lineage_edges_from').on('lineage_edges').columns(['from_id', 'to_id']).execute();
      await db.schema.createIndex('lineage_edges_to').on('lineage_edges').columns(['to_id', 'from_id']).execute();
      await rebuildLineage(db as unknown as RegistryTx, dialect);
    },
  };
}
