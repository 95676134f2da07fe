/**
 * The registry: metadata, immutable versions and the event log, behind one Kysely handle
 * that is either SQLite (embedded default, a file under $MESH_HOME) or PostgreSQL
 * (MESH_DATABASE_URL=postgres://…). Operations in `operations/` are written once against
 * this handle; the conformance suite runs them on both.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { nowIso as clockNowIso } from '../core/clock.js';
import { UnavailableError } from '../core/errors.js';
import { migrateToLatest } from './migrations/migrate.js';
import { SqliteImmediateDialect } from './sqlite-immediate-dialect.js';
import type { RegistryTables } from './registry-schema.js';

export type { Registry, RegistryDb, RegistryDialect, RegistryTx } from './registry-handle.js';
import type { Registry, RegistryTx } from './registry-handle.js';

export interface OpenRegistryOptions {
  /** A postgres:// URL or a SQLite file path. */
  readonly url?: string;
  readonly sqlitePath?: string;
  readonly migrate?: boolean;
  readonly poolSize?: number;
  /**
   * Deadline of one registry statement (default 5 s): PostgreSQL's statement_timeout, and on
   * the client a frozen connection (no answer, not closed) is cut after it; SQLite's busy
   * timeout. A stalled registry then fails a request (HTTP 503) instead of hanging it.
   */
  readonly statementTimeoutMs?: number;
}

export const DEFAULT_STATEMENT_TIMEOUT_MS = 5_000;
/** How long to wait for a new PostgreSQL connection, or for a free one in a full pool. */
const CONNECT_TIMEOUT_MS = 3_000;

export async function openRegistry(options: OpenRegistryOptions): Promise<Registry> {
  const url = options.url;
  const timeoutMs = options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  let registry: Registry;
  if (url && /^postgres(ql)?:\/\//.test(url)) {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      statement_timeout: timeoutMs,
    });
    pool.on('error', () => {
      /* an idle client lost its connection (server restart): the pool replaces it on next use */
    });
    pool.on('connect', (client) => {
      // A checked-out client whose connection dies also emits 'error' after failing its query;
      // without a listener that would crash the process instead of failing one request.
      client.on('error', () => undefined);
      cutWhenFrozen(client, timeoutMs);
    });
    const db = new Kysely<RegistryTables>({ dialect: new PostgresDialect({ pool }) });
    registry = { dialect: 'postgres', db, description: redactUrl(url), close: () => db.destroy() };
  } else {
    const file = options.sqlitePath ?? url ?? ':memory:';
    if (file !== ':memory:') {
      try {
        mkdirSync(dirname(file), { recursive: true });
      } catch (error) {
        throw new UnavailableError(
          `cannot create the registry folder ${dirname(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          {
            cause: error,
            details: { hint: 'set MESH_HOME to a folder you can write to' },
          },
        );
      }
    }
    let database: BetterSqlite3.Database;
    try {
      database = new BetterSqlite3(file, { timeout: timeoutMs });
    } catch (error) {
      throw new UnavailableError(`cannot open the registry file ${file}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    // The default 2 MB page cache holds a 10,000-product search index, not a 100,000-product one.
    database.pragma('cache_size = -65536');
    database.pragma('temp_store = MEMORY');
    const db = new Kysely<RegistryTables>({
      dialect: new SqliteImmediateDialect({ database: withStatementCache(database) }),
    });
    registry = { dialect: 'sqlite', db, description: file, close: () => db.destroy() };
  }
  if (options.migrate !== false) {
    try {
      await migrateToLatest(registry);
    } catch (error) {
      await registry.close().catch(() => undefined);
      throw new UnavailableError(
        `cannot prepare the registry at ${registry.description}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  return registry;
}

/**
 * A statement that gets no answer within the deadline (plus a second for the server's own
 * statement_timeout to answer first) is on a frozen connection: the socket is destroyed, so
 * the statement fails as "connection terminated" (HTTP 503) and the pool drops the client
 * instead of handing out a connection that will never answer. (pg's own query_timeout fails
 * the query but keeps the stuck connection in the pool.)
 */
function cutWhenFrozen(client: pg.PoolClient, timeoutMs: number): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const socket = (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (!(result instanceof Promise)) return result;
    const timer = setTimeout(() => socket.destroy(), timeoutMs + 1_000);
    return result.finally(() => clearTimeout(timer));
  };
}

/** Answers when the registry does, or fails after `ms` (readiness probes: a stalled registry is not ready). */
export async function pingRegistry(registry: Registry, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UnavailableError(`the registry did not answer within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([sql`select 1`.execute(registry.db), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `fn` in a write transaction. On SQLite every transaction takes the write lock up front
 * (see SqliteImmediateDialect), so writers in other processes queue instead of failing.
 */
export async function writeTransaction<T>(registry: Registry, fn: (tx: RegistryTx) => Promise<T>): Promise<T> {
  return registry.db.transaction().execute(fn);
}

/** True when a database error is a unique-constraint violation, on either dialect. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:\/\/([^:/@]*):[^@]*@/, '://$1:***@');
  }
}

/** The recorded time (see src/core/clock.ts: a simulated clock in scope, else the real time). */
export function nowIso(): string {
  return clockNowIso();
}

/**
 * Kysely prepares every query anew; on a busy server that is a sixth of the CPU. Statements
 * are reused by SQL text instead (safe: better-sqlite3 runs them synchronously, one at a time).
 */
function withStatementCache(database: BetterSqlite3.Database, max = 500): BetterSqlite3.Database {
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, key, receiver) {
      if (key !== 'prepare') return Reflect.get(target, key, receiver);
      return (source: string) => {
        let statement = cache.get(source);
        if (!statement) {
          statement = prepare(source);
          if (cache.size >= max) cache.delete(cache.keys().next().value!);
          cache.set(source, statement);
        }
        return statement;
      };
    },
  });
}
