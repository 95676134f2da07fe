/**
 * Where the platform keeps its state, from the environment only (secrets never come from
 * flags or files): MESH_HOME (default ./.mesh) holds the SQLite registry and the warehouse;
 * MESH_DATABASE_URL switches the registry to PostgreSQL.
 */
import { resolve } from 'node:path';
import { userInfo } from 'node:os';
import { workerLivenessFromEnv, type WorkerLiveness } from './worker-liveness.js';

export interface MeshConfig {
  readonly home: string;
  readonly databaseUrl?: string;
  readonly sqlitePath: string;
  readonly warehouseDir: string;
  readonly actor: string;
  /** MESH_WORKER_DEAD_AFTER_SECONDS / MESH_WORKER_HEARTBEAT_SECONDS (absent: the defaults). */
  readonly workerLiveness?: WorkerLiveness;
  /**
   * How far a product's descriptor reaches on this machine (core/env-scope.ts,
   * runner/file-roots.ts): `server` on `mesh serve` / `mesh worker`, where the grants and data
   * roots always apply; `local` on the user's own machine. Raw texts of MESH_ENV_GRANTS and
   * MESH_DATA_ROOTS. Absent: local, nothing configured.
   */
  readonly tenancy?: {
    readonly mode: 'local' | 'server';
    readonly envGrants?: string;
    readonly dataRoots?: string;
  };
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): MeshConfig {
  const home = resolve(cwd, env.MESH_HOME || '.mesh');
  const databaseUrl = env.MESH_DATABASE_URL || undefined;
  let actor = env.MESH_USER;
  if (!actor) {
    try {
      actor = `local:${userInfo().username}`;
    } catch {
      actor = 'local:unknown';
    }
  }
  return {
    home,
    databaseUrl,
    sqlitePath: resolve(home, 'registry.sqlite'),
    warehouseDir: resolve(home, env.MESH_WAREHOUSE || 'warehouse'),
    actor,
    workerLiveness: workerLivenessFromEnv(env),
    tenancy: { mode: 'local', envGrants: env.MESH_ENV_GRANTS, dataRoots: env.MESH_DATA_ROOTS },
  };
}
