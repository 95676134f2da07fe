/**
 * The embedded engine: one DuckDB instance per run, backed by a file in the run's work
 * folder and capped in memory, so a 10M-row run spills to disk instead of growing the
 * process. Extensions cannot be downloaded here (and must never be tried at run time).
 * User SQL runs in it only once it is locked to the run's folder (sandbox.ts).
 */
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface Engine {
  readonly connection: DuckDBConnection;
  /** Rows of a query as plain JSON values (numbers that do not fit a double come back as strings). */
  rows(sql: string): Promise<Array<Record<string, unknown>>>;
  close(): void;
}

export interface EngineOptions {
  /** A folder for the database file and spill files; in memory when omitted. */
  readonly workDir?: string;
  readonly memoryLimit?: string;
  readonly threads?: number;
}

export async function openEngine(options: EngineOptions = {}): Promise<Engine> {
  const settings: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    memory_limit: options.memoryLimit ?? process.env.MESH_ENGINE_MEMORY ?? '256MB',
    // Insertion order is not a promise the platform makes; dropping it lets DuckDB stream parquet writes.
    preserve_insertion_order: 'false',
  };
  if (options.threads) settings.threads = String(options.threads);
  if (options.workDir) settings.temp_directory = join(options.workDir, 'spill');
  const instance = await DuckDBInstance.create(
    options.workDir ? join(options.workDir, 'engine.duckdb') : ':memory:',
    settings,
  );
  const connection = await instance.connect();
  await connection.run(`SET TimeZone = 'UTC'`);
  // The database file is scratch, deleted with the run's folder: no checkpoint when it closes.
  if (options.workDir) await connection.run('PRAGMA disable_checkpoint_on_shutdown');
  return {
    connection,
    async rows(sql) {
      const reader = await connection.runAndReadAll(sql);
      return reader.getRowObjectsJson() as Array<Record<string, unknown>>;
    },
    close() {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
