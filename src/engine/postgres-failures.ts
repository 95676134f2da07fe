/**
 * The postgres engine's failures that are not the product's SQL: the database, or a foreign
 * server it reads through, going away mid-run.
 *
 * A database that reads through foreign servers (postgres_fdw: a coordinator over shards, as in
 * Citus or Greenplum) fails when one of them is down, and PostgreSQL's error does not always
 * say which: it names the server when it cannot connect (`could not connect to server
 * "shard_1"`, host and port only in the detail), and only the remote SQL (in the error's
 * context) when a connection breaks mid-query. The servers and the remote tables of their
 * foreign tables are read once, when the engine opens (a failed transaction cannot read the
 * catalog), and a failure is mapped to an UnavailableError naming the server and its host:port.
 */
import type pg from 'pg';
import { UnavailableError } from '../core/errors.js';

export interface ForeignServer {
  readonly name: string;
  /** `host:port` from its options, as far as they say. */
  readonly address?: string;
  /** The remote tables its foreign tables read (`schema.table`, unquoted). */
  readonly remoteTables: readonly string[];
  /** The local foreign tables over them (`schema.table`). */
  readonly localTables: readonly string[];
}

interface ServerRow {
  server: string;
  server_options: string[] | null;
  schema: string | null;
  table: string | null;
  table_options: string[] | null;
}

/** The database's foreign servers (none in a database without foreign tables; none when the catalog cannot be read). */
export async function readForeignServers(client: pg.Client): Promise<ForeignServer[]> {
  let rows: ServerRow[];
  try {
    rows = (
      await client.query<ServerRow>(`SELECT s.srvname AS server, s.srvoptions AS server_options,
          n.nspname AS schema, c.relname AS table, ft.ftoptions AS table_options
        FROM pg_foreign_server s
        LEFT JOIN pg_foreign_table ft ON ft.ftserver = s.oid
        LEFT JOIN pg_class c ON c.oid = ft.ftrelid
        LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
        ORDER BY 1, 3, 4`)
    ).rows;
  } catch {
    return [];
  }
  const servers = new Map<string, { address?: string; remoteTables: string[]; localTables: string[] }>();
  for (const row of rows) {
    const server = servers.get(row.server) ?? {
      address: addressOf(options(row.server_options)),
      remoteTables: [],
      localTables: [],
    };
    servers.set(row.server, server);
    if (row.schema === null || row.table === null) continue;
    const table = options(row.table_options);
    server.remoteTables.push(`${table.schema_name ?? row.schema}.${table.table_name ?? row.table}`);
    server.localTables.push(`${row.schema}.${row.table}`);
  }
  return [...servers].map(([name, s]) => ({ name, ...s }));
}

function options(list: string[] | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list ?? []) {
    const eq = item.indexOf('=');
    if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

function addressOf(o: Record<string, string>): string | undefined {
  const host = o.host ?? o.hostaddr;
  if (!host && !o.port) return undefined;
  return `${host ?? 'localhost'}:${o.port ?? '5432'}`;
}

/**
 * `error` as an UnavailableError when it is the engine's database or one of its foreign servers
 * gone (see below); undefined for an error of the SQL itself.
 */
export function postgresFailure(
  error: unknown,
  servers: readonly ForeignServer[],
  client: { host: string; port: number },
  what = 'the postgres engine',
): UnavailableError | undefined {
  return foreignServerFailure(error, servers, what) ?? connectionLost(error, client, what);
}

/** The engine's own connection closed under it (the database restarted or shut down). */
function connectionLost(
  error: unknown,
  client: { host: string; port: number },
  what: string,
): UnavailableError | undefined {
  const e = error as { message?: string; code?: string; where?: string };
  const message = e.message ?? '';
  const lost = /^Connection terminated/.test(message) || (isConnectionFailure(e.code) && !e.where);
  if (!lost) return undefined;
  return new UnavailableError(
    `${what}: the connection to PostgreSQL at ${client.host}:${client.port} was lost mid-run: ${reasonLines(message).join('; ')}`,
    { cause: error, details: { hint: 'did the database restart? the run left nothing published; run it again' } },
  );
}

/**
 * `error` as an UnavailableError naming the foreign server it came from, when it is one that
 * could not be reached or broke off (a connection failure or an administrator's shutdown);
 * undefined for any other error, or when no single server can be told.
 */
export function foreignServerFailure(
  error: unknown,
  servers: readonly ForeignServer[],
  what = 'the postgres engine',
): UnavailableError | undefined {
  if (servers.length === 0) return undefined;
  const e = error as { message?: string; detail?: string; where?: string; code?: string };
  const message = e.message ?? '';
  const named = /could not connect to server "((?:[^"]|"")+)"/.exec(message)?.[1]?.replace(/""/g, '"');
  if (named) {
    const server = servers.find((s) => s.name === named);
    const reason = /failed: (.*)$/m.exec(e.detail ?? '')?.[1];
    return unavailable(
      what,
      server ?? { name: named, remoteTables: [], localTables: [] },
      'cannot be reached',
      [message, reason],
      error,
    );
  }
  const remoteSql = /remote SQL command: (.*)$/m.exec(e.where ?? '')?.[1];
  if (!remoteSql || !isConnectionFailure(e.code)) return undefined;
  const server = serverReading(remoteSql, servers);
  return server ? unavailable(what, server, 'broke off mid-query', reasonLines(message), error) : undefined;
}

/** Connection exceptions (08…) and the server's shutdown of a session (57P01–57P03). */
function isConnectionFailure(code: string | undefined): boolean {
  return code !== undefined && (code.startsWith('08') || /^57P0[123]$/.test(code));
}

/** The one server whose remote tables the remote SQL reads (`FROM public.sales_shard_1 …`). */
function serverReading(remoteSql: string, servers: readonly ForeignServer[]): ForeignServer | undefined {
  const tables = [...remoteSql.matchAll(/\b(?:FROM|JOIN)\s+((?:"(?:[^"]|"")+"|\w+)\.(?:"(?:[^"]|"")+"|\w+))/gi)].map(
    (m) => m[1].replace(/"((?:[^"]|"")+)"/g, (_, name: string) => name.replace(/""/g, '"')),
  );
  const matching = servers.filter((s) => tables.some((t) => s.remoteTables.includes(t)));
  return matching.length === 1 ? matching[0] : undefined;
}

/** The lines of a libpq message that say what happened (not the remote context or the advice). */
function reasonLines(message: string): string[] {
  return message
    .split('\n')
    .filter((line) => line.trim() && !/^\s|^(CONTEXT|PL\/pgSQL|HINT|DETAIL):?/.test(line))
    .map((line) => line.replace(/^(FATAL|ERROR):\s+/, ''));
}

function unavailable(
  what: string,
  server: ForeignServer,
  how: string,
  reasons: ReadonlyArray<string | undefined>,
  cause: unknown,
): UnavailableError {
  const at = server.address ? ` at ${server.address}` : '';
  const said = reasons.filter(Boolean).join('; ');
  const tables = server.localTables.length ? `, which holds ${server.localTables.join(', ')}` : '';
  return new UnavailableError(`${what}: foreign server "${server.name}"${at} ${how}: ${said}`, {
    cause,
    details: { server: server.name, address: server.address, hint: `is the server up${tables}?` },
  });
}
