/**
 * The sandbox user SQL runs in. A product owner's transform and `sql` checks run in an engine
 * that, once its inputs are staged, can touch only the run's own folder: no warehouse (other
 * products' snapshots, for reading or writing), no host file, no ATTACH elsewhere, no
 * extension, no setting (`lock_configuration`). Another product is read as an input staged
 * before the lock: a copy of its snapshot file in the run's folder. The platform's own SQL
 * that must read the warehouse after that (publishing) runs in an engine of its own.
 */
import { constants, copyFileSync, mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine, type Engine } from './duckdb-engine.js';
import { quoteLiteral } from './sql-text.js';

/** Irreversible for this instance: from here on it reads and writes only under `runDir`, and no setting changes. */
export async function lockToRunFolder(engine: Engine, runDir: string): Promise<void> {
  await lockToDirectories(engine, [runDir]);
}

/** Irreversible for this instance: reads and writes only under `dirs`, and no setting changes. */
export async function lockToDirectories(engine: Engine, dirs: readonly string[]): Promise<void> {
  const list = dirs.map((d) => quoteLiteral(`${realpathSync(d).replace(/\/$/, '')}/`)).join(', ');
  await engine.connection.run(`SET allowed_directories = [${list}]`);
  await engine.connection.run('SET enable_external_access = false');
  await engine.connection.run('SET lock_configuration = true');
}

/**
 * A copy of a snapshot file (immutable in the warehouse) in `dir`, named after `name`: a
 * reflink where the file system offers one, else a kernel-side copy.
 */
export function stageSnapshotCopy(file: string, dir: string, name: string): string {
  const target = stagedInputPath(dir, name);
  copyFileSync(file, target, constants.COPYFILE_FICLONE);
  return target;
}

/** Where an input named `name` is staged in `dir` (the folder is created). */
export function stagedInputPath(dir: string, name: string): string {
  const inputs = join(dir, 'inputs');
  mkdirSync(inputs, { recursive: true });
  return join(inputs, `${name.replace(/[^A-Za-z0-9_-]/g, '_')}.parquet`);
}

/**
 * The engine the quality checks run in: only the candidate snapshot (a view `snapshot` over a
 * file in the run's folder), with insertion order kept so sample rows are the first failing
 * rows in the snapshot's order, and locked like the transform's before any check's SQL runs.
 */
export async function openAuditEngine(runDir: string, candidate: string): Promise<Engine> {
  const workDir = join(runDir, 'audit');
  mkdirSync(workDir, { recursive: true });
  const engine = await openEngine({ workDir });
  try {
    await engine.connection.run('SET preserve_insertion_order = true');
    await engine.connection.run(`CREATE VIEW snapshot AS SELECT * FROM read_parquet(${quoteLiteral(candidate)})`);
    await lockToRunFolder(engine, runDir);
    return engine;
  } catch (error) {
    engine.close();
    throw error;
  }
}

/** The platform's engine for publishing (reads the warehouse to diff and load ports); never runs user SQL. */
export async function openPlatformEngine(runDir: string): Promise<Engine> {
  const workDir = join(runDir, 'platform');
  mkdirSync(workDir, { recursive: true });
  return openEngine({ workDir });
}
