import type { Kysely, Migration } from 'kysely';

/**
 * Every governance check of a product the platform ran (`mesh validate`, a publication, a
 * refused publication), with its outcome, the rules that refused it, and who asked with their
 * teams at that moment: what mesh health needs to see governance acting as a gatekeeper (long
 * waits from the first check to the publication, many refusals by one rule) and the platform
 * team acting as a help desk (products first published by people outside the product's domain).
 */
export function m015GovernanceAttempts(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('governance_attempts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull()) // check | publish
        .addColumn('outcome', 'text', (c) => c.notNull()) // passed | refused | published
        .addColumn('rules', 'text', (c) => c.notNull()) // JSON array of the refusing codes
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_teams', 'text', (c) => c.notNull()) // JSON array, at that moment
        .addColumn('at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('governance_attempts_product')
        .on('governance_attempts')
        .columns(['product_id', 'at'])
        .execute();
      await db.schema.createIndex('governance_attempts_at').on('governance_attempts').column('at').execute();
    },
  };
}
