/**
 * A consumer query as a platform serves it, the same in-process and behind `POST /v1/query`:
 * the request's limits (bounded), a slot of the query gate held for the whole life of the
 * result (released when its last row is read, it fails or it is cancelled), the access catalog
 * (decision and masking per product), and the audit: one row per product read — with the
 * outcome when the query failed or was cancelled — and, for SQL refused before it named a
 * product it may read, one row saying why. Nothing here returns snapshot paths or view SQL
 * (the view's text holds the masking key).
 */
import { InputError, MeshError, NotAllowedError } from '../core/errors.js';
import { recordAccess } from '../registry/operations/access/record-access.js';
import type { AccessScope } from '../access/principal.js';
import { resolveReader } from '../access/resolve-reader.js';
import type { Registry } from '../registry/registry.js';
import { accessQueryCatalog, type AccessCatalog, type AccessCatalogOptions } from './access-catalog.js';
import { QueryGate, type QueryGateOptions } from './query-gate.js';
import { SandboxPool } from './query-sandbox.js';
import { publicSummary } from './query-formats.js';
import { streamQuery } from './query-stream.js';
import {
  DEFAULT_QUERY_LIMITS,
  MAX_QUERY_ROWS,
  MAX_QUERY_TIMEOUT_MS,
  planQuery,
  runPlanned,
  timeLimitError,
  type QueryColumn,
  type QueryLimits,
  type QueryPlan,
} from './run-query.js';

export interface QueryRequest {
  readonly sql: string;
  /** The most rows returned (default 10,000, at most 1,000,000); a longer result is cut and says so. */
  readonly limit?: number;
  /** Cancelled past this (default 30 s, at most 300 s): engine time and delivery together. */
  readonly timeoutMs?: number;
  /** Where the SQL comes from, for `file:line:col` in refusals (default `query`). */
  readonly file?: string;
}

/** A product a query reads, as callers may see it. */
export interface QueryTable {
  /** The name the query used, `domain.product` or `domain.product_v<major>`. */
  readonly as: string;
  readonly product: string;
  readonly major: number;
  readonly snapshotId: string;
  readonly maskedColumns: readonly string[];
}

export interface QueryExplanation {
  readonly tables: QueryTable[];
}

export interface QueryOutcome extends QueryExplanation {
  readonly rows: number;
  /** True when the result had more rows than the limit: only the first `rows` were sent. */
  readonly truncated: boolean;
  readonly limit: number;
  readonly elapsedMs: number;
}

/** A running query: the columns (name and engine type) first, then rows in batches, then the outcome. */
export interface QueryResult {
  readonly columns: readonly QueryColumn[];
  batches(): AsyncIterable<readonly unknown[][]>;
  /** Settles after the last batch (rejects with the failure when the query failed midway). */
  readonly summary: Promise<QueryOutcome>;
  /** Stops the query (the reader went away); its slot and engine are freed. */
  cancel(): void;
}

/** A server's shared means for queries: the concurrency limit and engines made ahead of time. */
export interface QueryCapacity {
  readonly gate: QueryGate;
  readonly pool: SandboxPool;
  close(): Promise<void>;
}

/** A pool as deep as the queries that may run at once, so a burst finds its engines ready. */
export function queryCapacity(gate: QueryGateOptions): QueryCapacity {
  const pool = new SandboxPool(gate.running, DEFAULT_QUERY_LIMITS);
  return { gate: new QueryGate(gate), pool, close: () => pool.close() };
}

export interface QueryServiceOptions extends AccessCatalogOptions {
  /** A server's concurrency limit and engine pool; none in-process. */
  readonly capacity?: QueryCapacity;
  readonly memoryLimit?: string;
}

/** The request's limits, refused (InputError) when out of range. */
export function queryLimits(request: QueryRequest, options: { memoryLimit?: string } = {}): QueryLimits {
  const rows = request.limit ?? DEFAULT_QUERY_LIMITS.rows;
  const timeoutMs = request.timeoutMs ?? DEFAULT_QUERY_LIMITS.timeoutMs;
  if (!Number.isInteger(rows) || rows < 1 || rows > MAX_QUERY_ROWS)
    throw new InputError(`the row limit must be a whole number from 1 to ${MAX_QUERY_ROWS.toLocaleString('en')}`);
  if (!Number.isFinite(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_QUERY_TIMEOUT_MS)
    throw new InputError(`the time limit must be more than 0 and at most ${MAX_QUERY_TIMEOUT_MS / 1000} s`);
  return {
    ...DEFAULT_QUERY_LIMITS,
    rows,
    timeoutMs,
    memoryLimit: options.memoryLimit ?? DEFAULT_QUERY_LIMITS.memoryLimit,
  };
}

/** What a query would read (snapshots, masks), vetted and decided, without running it. */
export async function explainQuery(
  registry: Registry,
  scope: AccessScope,
  request: QueryRequest,
  options: QueryServiceOptions,
): Promise<QueryExplanation> {
  const catalog = accessQueryCatalog(registry, scope, options);
  const plan = await planAudited(registry, scope, request, catalog);
  return { tables: plan.tables.map(publicTable) };
}

export async function startQuery(
  registry: Registry,
  scope: AccessScope,
  request: QueryRequest,
  options: QueryServiceOptions,
): Promise<QueryResult> {
  const limits = queryLimits(request, options);
  const release = (await options.capacity?.gate.acquire()) ?? (() => undefined);
  try {
    const started = performance.now();
    const catalog = accessQueryCatalog(registry, scope, options);
    const plan = await planAudited(registry, scope, request, catalog);
    const stream = await streamQuery(async (sink) => {
      try {
        const summary = await runPlanned(plan, request.sql, sink, { limits, started, pool: options.capacity?.pool });
        await catalog.logReads({ rows: summary.rows, durationMs: summary.elapsedMs });
        return summary;
      } catch (error) {
        await catalog.logReads({ rows: 0, durationMs: performance.now() - started, failure: messageOf(error) });
        throw error;
      }
    });
    // The engine's deadline cannot reach a run waiting on a reader who stopped reading: this can.
    const deadline = setTimeout(() => stream.cancel(timeLimitError(limits)), limits.timeoutMs);
    const summary = stream.summary.then((s) => ({ ...publicSummary(s), limit: limits.rows }));
    void summary.then(
      () => settle(),
      () => settle(),
    );
    function settle() {
      clearTimeout(deadline);
      release();
    }
    return {
      columns: stream.columns,
      batches: () => stream.batches(),
      summary,
      cancel: () => stream.cancel(new InputError('the query was cancelled: its reader went away')),
    };
  } catch (error) {
    release();
    throw error;
  }
}

/** Vets and resolves; SQL refused before any product decision is logged here (the catalog logs its own refusals). */
async function planAudited(
  registry: Registry,
  scope: AccessScope,
  request: QueryRequest,
  catalog: AccessCatalog,
): Promise<QueryPlan> {
  // `--as` a team the caller is not in is refused first, so no audit row names a team unchecked.
  await resolveReader(registry.db, scope);
  try {
    return await planQuery(request.sql, catalog, request.file);
  } catch (error) {
    if (error instanceof MeshError && !(error instanceof NotAllowedError) && error.kind !== 'unavailable')
      await recordAccess(registry, {
        user: scope.principal.user,
        team: scope.asTeam ?? null,
        product: '-',
        major: null,
        path: 'query',
        allowed: false,
        reason: `query refused: ${refusalReason(error)}`,
        grantId: null,
        maskedColumns: [],
        rows: null,
        durationMs: null,
      });
    throw error;
  }
}

/** The codes and places of a refusal (never the query text: it may hold values). */
function refusalReason(error: MeshError): string {
  const diagnostics = (error.details as { diagnostics?: Array<{ code: string; message: string; location?: unknown }> })
    ?.diagnostics;
  if (diagnostics?.length) return diagnostics.map((d) => `${d.code}: ${d.message}`).join('; ');
  return error.message;
}

function messageOf(error: unknown): string {
  return error instanceof MeshError ? error.message : 'the query failed';
}

function publicTable(t: QueryTable): QueryTable {
  return { as: t.as, product: t.product, major: t.major, snapshotId: t.snapshotId, maskedColumns: t.maskedColumns };
}
