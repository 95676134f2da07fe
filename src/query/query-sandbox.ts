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

export async function openSandbox(tables: readonly SandboxTable[], limits: SandboxLimits): Promise<Sandbox> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    memory_limit: limits.memoryLimit,
    threads: String(limits.threads),
  });
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  try {
    await connection.run(`SET TimeZone = 'UTC'`);
    for (const schema of new Set(tables.map((t) => t.schema)))
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
    for (const t of tables) await connection.run(viewSql(t));
    await lock(connection, tables);
  } catch (error) {
    close();
    throw error;
  }
  return { connection, interrupt: () => connection.interrupt(), close };
}

function viewSql(t: SandboxTable): string {
  return `CREATE VIEW ${quoteIdent(t.schema)}.${quoteIdent(t.table)} AS ${t.select}`;
}

/** The relation a view reads its files through. */
export function parquetRelation(files: readonly string[]): string {
  return `read_parquet([${files.map((f) => quoteLiteral(f)).join(', ')}])`;
}

/** Irreversible for this instance: exactly the snapshot files stay readable, nothing is writable. */
async function lock(connection: DuckDBConnection, tables: readonly SandboxTable[]): Promise<void> {
  const files = [...new Set(tables.flatMap((t) => t.files))];
  if (files.length) await connection.run(`SET allowed_paths = [${files.map((f) => quoteLiteral(f)).join(', ')}]`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}
