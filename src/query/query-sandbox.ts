/**
 * The engine a consumer's query runs in: a fresh in-memory DuckDB per query that can reach
 * nothing but the snapshot files it was given, through views created before it is locked.
 * The views apply the reader's masking, so the query never sees a masked column in clear;
 * then file access is cut to exactly those files, external access is turned off and the
 * configuration is locked, so no statement can widen it again. Limits: memory and threads
 * per instance, rows per result, and a deadline after which the query is interrupted.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent, quoteLiteral } from '../engine/sql-text.js';

/** One table the query may read: a view `schema.table` over snapshot files. */
export interface SandboxTable {
  readonly schema: string;
  readonly table: string;
  /** The files the view reads: the only paths the locked engine can open. */
  readonly files: readonly string[];
  /** The view's body: a SELECT over `read_parquet` of those files, with the reader's masking applied. */
  readonly select: string;
}

export interface SandboxLimits {
  readonly memoryLimit: string;
  readonly threads: number;
}

export interface Sandbox {
  readonly connection: DuckDBConnection;
  /** Stops whatever the connection is running; the pending read then fails. */
  interrupt(): void;
  close(): void;
}

export async function openSandbox(
  tables: readonly SandboxTable[],
  limits: SandboxLimits,
  pool?: SandboxPool,
): Promise<Sandbox> {
  const instance = await (pool ? pool.take(limits) : freshInstance(limits));
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  try {
    // Platform SQL only (no caller text), as one batch: each statement is a hop to a worker thread.
    await verifyLocked(connection, setupSql(tables));
  } catch (error) {
    close();
    throw error;
  }
  return { connection, interrupt: () => connection.interrupt(), close };
}

function freshInstance(limits: SandboxLimits): Promise<DuckDBInstance> {
  return DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    memory_limit: limits.memoryLimit,
    threads: String(limits.threads),
  });
}

/**
 * Engines created ahead of time, each handed to one query and never reused: creating an
 * instance is most of a small query's cost (and several times that on a busy host), so a
 * server keeps a few ready. Each is as fresh as one created on demand — nobody has run
 * anything in it — so isolation between callers is unchanged. Other limits than the pool's
 * get an engine made on the spot.
 */
export class SandboxPool {
  readonly #ready: Array<Promise<DuckDBInstance>> = [];
  #closed = false;

  constructor(
    readonly size: number,
    readonly limits: SandboxLimits,
  ) {
    this.#refill();
  }

  take(limits: SandboxLimits): Promise<DuckDBInstance> {
    const same = limits.memoryLimit === this.limits.memoryLimit && limits.threads === this.limits.threads;
    const ready = same && !this.#closed ? this.#ready.shift() : undefined;
    this.#refill();
    return ready ?? freshInstance(limits);
  }

  /** Closes the engines still waiting; those already handed out close with their query. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const waiting of this.#ready.splice(0)) (await waiting.catch(() => undefined))?.closeSync();
  }

  #refill(): void {
    while (!this.#closed && this.#ready.length < this.size) {
      const next = freshInstance(this.limits);
      next.catch(() => undefined);
      this.#ready.push(next);
    }
  }
}

function viewSql(t: SandboxTable): string {
  return `CREATE VIEW ${quoteIdent(t.schema)}.${quoteIdent(t.table)} AS ${t.select}`;
}

/** The relation a view reads its files through. */
export function parquetRelation(files: readonly string[]): string {
  return `read_parquet([${files.map((f) => quoteLiteral(f)).join(', ')}])`;
}

/**
 * The schemas and views, then the lock — irreversible for this instance: exactly the snapshot
 * files stay readable, nothing is writable, no setting changes.
 */
function setupSql(tables: readonly SandboxTable[]): string {
  const files = [...new Set(tables.flatMap((t) => t.files))];
  return [
    `SET TimeZone = 'UTC'`,
    ...[...new Set(tables.map((t) => t.schema))].map((schema) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`),
    ...tables.map(viewSql),
    ...(files.length ? [`SET allowed_paths = [${files.map((f) => quoteLiteral(f)).join(', ')}]`] : []),
    'SET enable_external_access = false',
    'SET lock_configuration = true',
  ].join(';\n');
}

/** Runs the setup; its last statement reads the lock back, so the lock is checked, never assumed. */
async function verifyLocked(connection: DuckDBConnection, setup: string): Promise<void> {
  const reader = await connection.runAndReadAll(
    `${setup};\nSELECT current_setting('lock_configuration') AND NOT current_setting('enable_external_access') AS locked`,
  );
  if (reader.getRows()[0]?.[0] !== true) throw new Error('the query sandbox did not lock');
}
