/**
 * A consumer's cross-domain query, end to end: parse and vet the SQL (query-sql.ts), resolve
 * every product it names through the catalog — which asks the access decision and says how
 * each one must be masked for this reader — then run it in a sandbox that can read exactly
 * those snapshots through masked views (query-sandbox.ts), streaming rows to a sink, cut at the
 * row limit and cancelled at the deadline.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { formatDiagnostic, type Diagnostic } from '../core/diagnostic.js';
import { InputError, MeshError, NotFoundError } from '../core/errors.js';
import { analyseQuery, type TableReference } from './query-sql.js';
import { openSandbox, type Sandbox, type SandboxPool, type SandboxTable } from './query-sandbox.js';

/** A product a query names, as the catalog resolved it for this reader. */
export interface ResolvedTable {
  readonly product: string;
  readonly major: number;
  readonly snapshotId: string;
  readonly files: readonly string[];
  /** A SELECT over `parquetRelation(files)` with the reader's masking applied. */
  readonly select: string;
  readonly maskedColumns: readonly string[];
}

/** A table name as written, and the products it may mean, most specific first. */
export interface TableCandidate {
  readonly domain: string;
  readonly name: string;
  /** Absent: the product's current major. */
  readonly major?: number;
}

export interface QueryCatalog {
  /**
   * The first candidate that names a product, resolved for this reader. Throws NotFoundError
   * when none does, and NotAllowedError (naming the `mesh access request` to run) when the
   * reader holds no grant.
   */
  resolve(written: string, candidates: readonly TableCandidate[]): Promise<ResolvedTable>;
}

export interface QueryLimits {
  readonly rows: number;
  readonly timeoutMs: number;
  readonly memoryLimit: string;
  readonly threads: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { rows: 10_000, timeoutMs: 30_000, memoryLimit: '512MB', threads: 1 };
export const MAX_QUERY_ROWS = 1_000_000;
export const MAX_QUERY_TIMEOUT_MS = 300_000;

export interface QueryColumn {
  readonly name: string;
  readonly type: string;
}

export interface QuerySink {
  columns(columns: readonly QueryColumn[]): void | Promise<void>;
  rows(rows: readonly unknown[][]): void | Promise<void>;
}

export interface QueryPlan {
  readonly tables: ReadonlyArray<ResolvedTable & { readonly as: string }>;
}

export interface QuerySummary extends QueryPlan {
  readonly columns: readonly QueryColumn[];
  readonly rows: number;
  /** True when the result had more rows than the limit: only the first `rows` were sent. */
  readonly truncated: boolean;
  readonly elapsedMs: number;
}

/** Vets the SQL and resolves what it reads, without running it (`mesh query --explain`). */
export async function planQuery(sql: string, catalog: QueryCatalog, file = 'query'): Promise<QueryPlan> {
  const analysis = await parse(sql, file);
  refuseOnErrors(analysis.diagnostics);
  const seen = new Map<string, ResolvedTable & { readonly as: string }>();
  for (const ref of analysis.references) {
    const key = `${ref.schema.toLowerCase()}.${ref.name.toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.set(key, { ...(await catalog.resolve(written(ref), candidatesFor(ref))), as: key });
  }
  return { tables: [...seen.values()] };
}

export async function runQuery(
  sql: string,
  catalog: QueryCatalog,
  sink: QuerySink,
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
): Promise<QuerySummary> {
  const started = performance.now();
  const plan = await planQuery(sql, catalog);
  return runPlanned(plan, sql, sink, { limits, started });
}

export interface RunOptions {
  readonly limits?: QueryLimits;
  /** When the query started (its parse and decisions count in elapsedMs). */
  readonly started?: number;
  /** Engines made ahead of time (a server's). */
  readonly pool?: SandboxPool;
}

/** Runs a query already vetted and resolved by `planQuery` (so a shell can audit a refusal before anything runs). */
export async function runPlanned(
  plan: QueryPlan,
  sql: string,
  sink: QuerySink,
  options: RunOptions = {},
): Promise<QuerySummary> {
  const limits = options.limits ?? DEFAULT_QUERY_LIMITS;
  const started = options.started ?? performance.now();
  const sandbox = await openSandbox(plan.tables.map(sandboxTable), limits, options.pool);
  const deadline = setTimeout(() => sandbox.interrupt(), limits.timeoutMs);
  try {
    const result = await streamInto(sandbox, sql, sink, limits.rows);
    return { ...plan, ...result, elapsedMs: performance.now() - started };
  } catch (error) {
    throw queryFailure(error, limits);
  } finally {
    clearTimeout(deadline);
    // Closing is synchronous (a few ms): after the summary has gone out, not before it.
    setImmediate(() => sandbox.close());
  }
}

async function streamInto(sandbox: Sandbox, sql: string, sink: QuerySink, limit: number) {
  const result = await sandbox.connection.stream(sql);
  const names = result.deduplicatedColumnNames();
  const columns = result.columnTypes().map((type, i) => ({ name: names[i], type: type.toString() }));
  await sink.columns(columns);
  let rows = 0;
  const integers = columns.map((c) => /^(U?(BIG|HUGE)INT)$/.test(c.type));
  for await (const json of result.yieldRowsJson()) {
    const batch = integers.some(Boolean)
      ? json.map((row) => row.map((v, i) => (integers[i] ? wholeNumber(v) : v)))
      : json;
    const room = limit - rows;
    if (batch.length > room) {
      if (room > 0) await sink.rows(batch.slice(0, room));
      sandbox.interrupt();
      return { columns, rows: limit, truncated: true };
    }
    await sink.rows(batch);
    rows += batch.length;
  }
  return { columns, rows, truncated: false };
}

/** A 64-bit integer as a JSON number where it fits exactly, as a string where it does not. */
function wholeNumber(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
}

function sandboxTable(t: ResolvedTable & { as: string }): SandboxTable {
  const [schema, table] = t.as.split('.');
  return { schema, table, files: t.files, select: t.select };
}

/** `sales.orders_daily` or `sales."orders-daily"` → sales/orders-daily; `…_v2` → major 2 of it. */
export function candidatesFor(ref: TableReference): TableCandidate[] {
  if (ref.catalog !== '' || ref.schema === '')
    throw new InputError(
      `"${written(ref)}" is not a data product: name products as domain.product (or domain.product_v<major>)`,
    );
  const domain = ref.schema.toLowerCase();
  const name = ref.name.toLowerCase().replace(/_/g, '-');
  const candidates: TableCandidate[] = [{ domain, name }];
  const versioned = /^(.+)-v(\d+)$/.exec(name);
  if (versioned) candidates.push({ domain, name: versioned[1], major: Number(versioned[2]) });
  return candidates;
}

function written(ref: TableReference): string {
  return [ref.catalog, ref.schema, ref.name].filter(Boolean).join('.');
}

function refuseOnErrors(diagnostics: readonly Diagnostic[]): void {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return;
  throw new InputError(errors.map((d) => formatDiagnostic(d)).join('\n'), { details: { diagnostics: errors } });
}

/** Engine errors become a user's message; an interrupt is the deadline (the row cut returns before). */
function queryFailure(error: unknown, limits: QueryLimits): MeshError {
  if (error instanceof MeshError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (/interrupt/i.test(message)) return timeLimitError(limits);
  if (/out of memory|memory limit/i.test(message))
    return new InputError(
      `the query needs more than its memory limit of ${limits.memoryLimit}; aggregate or filter more, or select fewer columns`,
    );
  if (/Catalog Error: Table with name/i.test(message)) return new NotFoundError(cleanEngineMessage(message));
  return new InputError(`the query failed: ${cleanEngineMessage(message)}`);
}

/** What a caller sees when the query (engine time and delivery together) outlived its time limit. */
export function timeLimitError(limits: Pick<QueryLimits, 'timeoutMs'>): InputError {
  return new InputError(
    `the query ran past its time limit of ${limits.timeoutMs / 1000} s and was cancelled; narrow it or raise --timeout`,
  );
}

/** DuckDB's message without its "Did you mean … system table" hints about the sandbox's own catalog. */
function cleanEngineMessage(message: string): string {
  return message.replace(/\n+LINE \d+:[\s\S]*$/, '').trim();
}

let parserConnection: Promise<DuckDBConnection> | undefined;
let parsing: Promise<unknown> = Promise.resolve();

/** Parses one query at a time on the shared parser connection (a connection runs one statement at once). */
function parse(sql: string, file: string): ReturnType<typeof analyseQuery> {
  const next = parsing.then(async () => analyseQuery(await parser(), sql, file));
  parsing = next.catch(() => undefined);
  return next;
}

/** One locked engine per process that only parses: it reads no data and can reach nothing. */
async function parser(): Promise<DuckDBConnection> {
  parserConnection ??= (async () => {
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      enable_external_access: 'false',
      threads: '1',
      memory_limit: '64MB',
    });
    const connection = await instance.connect();
    await connection.run('SET lock_configuration = true');
    return connection;
  })();
  return parserConnection;
}
