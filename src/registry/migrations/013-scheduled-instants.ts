import type { Kysely, Migration } from 'kysely';

/**
 * The cron instant a scheduled run is for, on the run: a worker that meets a succeeded run
 * of the same product and instant (its first worker died after the commit) does not run it
 * again, and the history shows which instant each run covered.
 */
export function m013ScheduledInstants(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('pipeline_runs').addColumn('scheduled_at', 'text').execute();
      await db.schema
        .createIndex('pipeline_runs_instant')
        .on('pipeline_runs')
        .columns(['product_id', 'scheduled_at'])
        .execute();
    },
  };
}
