import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { RegistryDialect } from '../registry-dialect.js';
import type { RegistryTables } from '../registry-schema.js';
import { m001Foundation } from './001-foundation.js';
import { m002Pipelines } from './002-pipelines.js';
import { m004Server } from './004-server.js';
import { m005PolicySets } from './005-policy-sets.js';
import { m006MajorWatermarks } from './006-major-watermarks.js';
import { m007CurrentSnapshots } from './007-current-snapshots.js';
import { m008Access } from './008-access.js';
import { m009CatalogSearch } from './009-catalog-search.js';
import { m010LineageGraph } from './010-lineage-graph.js';
import { m011MeshHealth } from './011-mesh-health.js';
import { m012StandingGrants } from './012-standing-grants.js';
import { m013ScheduledInstants } from './013-scheduled-instants.js';
import { m015GovernanceAttempts } from './015-governance-attempts.js';
import { m018SearchActivity } from './018-search-activity.js';

/** What migrating needs of a registry (a `Registry` fits; registry.ts imports this file, so not that type). */
interface MigratableRegistry {
  readonly dialect: RegistryDialect;
  readonly db: Kysely<RegistryTables>;
}

/** Every migration, in order. New areas add a file here; applied ones are never edited. */
function allMigrations(registry: MigratableRegistry): Record<string, Migration> {
  return {
    '001-foundation': m001Foundation(registry.dialect),
    '002-pipelines': m002Pipelines(registry.dialect),
    '004-server': m004Server(registry.dialect),
    '005-policy-sets': m005PolicySets(registry.dialect),
    '006-major-watermarks': m006MajorWatermarks(registry.dialect),
    '007-current-snapshots': m007CurrentSnapshots(registry.dialect),
    '008-access': m008Access(registry.dialect),
    '009-catalog-search': m009CatalogSearch(registry.dialect),
    '010-lineage-graph': m010LineageGraph(registry.dialect),
    '011-mesh-health': m011MeshHealth(registry.dialect),
    '012-standing-grants': m012StandingGrants(),
    '013-scheduled-instants': m013ScheduledInstants(),
    '015-governance-attempts': m015GovernanceAttempts(),
    '018-search-activity': m018SearchActivity(registry.dialect),
  };
}

function migrator(registry: MigratableRegistry): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => allMigrations(registry) };
  return new Migrator({
    db: registry.db,
    provider,
    migrationTableName: 'mesh_migrations',
    migrationLockTableName: 'mesh_migrations_lock',
  });
}

export async function migrateToLatest(registry: MigratableRegistry): Promise<void> {
  const { error } = await migrator(registry).migrateToLatest();
  if (error) throw error;
}

/** Up to and including `name` (upgrade tests start from an older registry). */
export async function migrateTo(registry: MigratableRegistry, name: string): Promise<void> {
  const { error } = await migrator(registry).migrateTo(name);
  if (error) throw error;
}
