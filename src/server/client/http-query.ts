/**
 * `POST /v1/query` from the client's side: the error answer (refusal, bad request, busy) is
 * rebuilt into the typed error LocalPlatform throws; a 200 is read line by line — the columns
 * first, then row arrays handed over as they arrive, then the summary, or an error line when
 * the query failed midway — so a result is never held whole in memory.
 */
import { errorFromKind, UnavailableError } from '../../core/errors.js';
import type { QueryColumn } from '../../query/run-query.js';
import type { QueryOutcome, QueryRequest, QueryResult } from '../../query/query-service.js';

export interface QueryEndpoint {
  readonly base: string;
  readonly token?: string;
  readonly fetch: typeof fetch;
}

/** One NDJSON line: a row array, or an object with columns, summary or error. */
type Line = unknown[] | { columns?: QueryColumn[]; summary?: QueryOutcome; error?: ErrorShape };
interface ErrorShape {
  kind?: string;
  message?: string;
  details?: unknown;
}

export async function queryOverHttp(
  endpoint: QueryEndpoint,
  body: QueryRequest & { as?: string },
): Promise<QueryResult> {
  const abort = new AbortController();
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/x-ndjson' };
  if (endpoint.token) headers.authorization = `Bearer ${endpoint.token}`;
  let response: Response;
  try {
    response = await endpoint.fetch(`${endpoint.base}/v1/query`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ ...body, format: 'ndjson' }),
      signal: abort.signal,
    });
  } catch (error) {
    throw new UnavailableError(`cannot reach the Meshwork server at ${endpoint.base}: ${(error as Error).message}`, {
      cause: error,
      details: { hint: 'is `mesh serve` running there? check --server / MESH_SERVER' },
    });
  }
  if (!response.ok || !response.body) throw await errorAnswer(response);
  const lines = readLines(response.body);
  const first = await lines.next();
  const head = first.done ? undefined : first.value[0];
  const columns = head === undefined || Array.isArray(head) ? undefined : head.columns;
  if (!columns) throw errorFromKind('internal', 'the server answered the query without its columns');
  let settle!: { resolve: (s: QueryOutcome) => void; reject: (e: unknown) => void };
  const summary = new Promise<QueryOutcome>((resolve, reject) => (settle = { resolve, reject }));
  summary.catch(() => undefined);
  /** Rows are handed over as each network chunk arrives, so a slow result still shows its first rows early. */
  async function* batches(): AsyncIterable<readonly unknown[][]> {
    for await (const chunk of lines) {
      const rows = chunk.filter((line): line is unknown[] => Array.isArray(line));
      if (rows.length) yield rows;
      const end = chunk.find((line) => !Array.isArray(line));
      if (!end || Array.isArray(end)) continue;
      if (end.summary) return settle.resolve(end.summary);
      const failure = end.error ?? { message: 'the result ended early' };
      const error = errorFromKind(failure.kind ?? 'internal', failure.message ?? 'the query failed', failure.details);
      settle.reject(error);
      throw error;
    }
    const error = new UnavailableError('the server closed the result before its summary');
    settle.reject(error);
    throw error;
  }
  return {
    columns,
    batches,
    summary,
    cancel: () => abort.abort(),
  };
}

async function errorAnswer(response: Response): Promise<Error> {
  const body = (await response.json().catch(() => undefined)) as { error?: ErrorShape } | undefined;
  return errorFromKind(
    body?.error?.kind ?? (response.status >= 500 ? 'unavailable' : 'internal'),
    body?.error?.message ?? `HTTP ${response.status}`,
    body?.error?.details,
  );
}

/**
 * The NDJSON body as parsed lines, one array per network chunk (a partial line waits for the
 * rest of it); the columns line comes alone first.
 */
async function* readLines(body: ReadableStream<Uint8Array>): AsyncGenerator<Line[]> {
  const decoder = new TextDecoder();
  let pending = '';
  let first = true;
  for await (const chunk of body) {
    pending += decoder.decode(chunk, { stream: true });
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    const lines = parts.filter(Boolean).map((part) => JSON.parse(part) as Line);
    if (first && lines.length) {
      first = false;
      yield [lines[0]];
      lines.shift();
    }
    if (lines.length) yield lines;
  }
  pending += decoder.decode();
  if (pending) yield [JSON.parse(pending) as Line];
}
