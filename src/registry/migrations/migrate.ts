import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Registry } from '../registry.js';
import { m001Foundation } from './001-foundation.js';
import { m002Pipelines } from './002-pipelines.js';
import { m004Server } from './004-server.js';
import { m005PolicySets } from './005-policy-sets.js';

/** Every migration, in order. New areas add a file here; applied ones are never edited. */
function allMigrations(registry: Registry): Record<string, Migration> {
  return {
    '001-foundation': m001Foundation(registry.dialect),
    '002-pipelines': m002Pipelines(registry.dialect),
    '004-server': m004Server(registry.dialect),
    '005-policy-sets': m005PolicySets(registry.dialect),
  };
}

export async function migrateToLatest(registry: Registry): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => allMigrations(registry) };
  const migrator = new Migrator({ db: registry.db, provider, migrationTableName: 'mesh_migrations', migrationLockTableName: 'mesh_migrations_lock' });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
