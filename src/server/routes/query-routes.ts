import type { Hono } from 'hono';
import { InputError } from '../../core/errors.js';
import { csvHeader, csvRows, csvSummary, ndjsonColumns, ndjsonError, ndjsonRows } from '../../query/query-formats.js';
import type { QueryRequest, QueryResult } from '../../query/query-service.js';
import type { AppEnv } from '../app-env.js';
import { errorBody, toMeshError } from '../http-errors.js';
import { callerScope } from './access-routes.js';
import { optionalString, readJsonObject, requiredString } from './read-body.js';

const STREAM_FORMATS = ['ndjson', 'csv'] as const;
type StreamFormat = (typeof STREAM_FORMATS)[number];

const CONTENT_TYPES: Record<StreamFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

/**
 * Consumer queries. The body is `{sql, limit?, timeoutMs?, file?, as?, format?}`; the caller's
 * scope comes from the token (`as` only narrows it to one of their teams). A refusal, a bad
 * request or "busy, retry" (503 with Retry-After) is an ordinary error answer; once the
 * columns are known the answer is 200 and streams: NDJSON `{"columns":[{name,type}]}`, one
 * array per row, then `{"summary":{…}}` (or `{"error":{…}}` when the query fails midway); CSV
 * a header, the rows and a last `# summary {…}` line, the types in `x-mesh-column-types`.
 */
export function queryRoutes(app: Hono<AppEnv>): void {
  app.post('/v1/query', async (c) => {
    const body = await readJsonObject(c);
    const format = streamFormat(optionalString(body, 'format'));
    const result = await c.var.api.query(callerScope(c, optionalString(body, 'as')), queryRequest(body));
    return new Response(resultBody(result, format), {
      status: 200,
      headers: {
        'content-type': CONTENT_TYPES[format],
        'cache-control': 'no-store',
        'x-mesh-column-types': asciiJson(result.columns.map((col) => col.type)),
      },
    });
  });
  app.post('/v1/query/explain', async (c) => {
    const body = await readJsonObject(c);
    return c.json(await c.var.api.explainQuery(callerScope(c, optionalString(body, 'as')), queryRequest(body)));
  });
}

function queryRequest(body: Record<string, unknown>): QueryRequest {
  return {
    sql: requiredString(body, 'sql'),
    limit: optionalNumber(body, 'limit'),
    timeoutMs: optionalNumber(body, 'timeoutMs'),
    file: optionalString(body, 'file'),
  };
}

function optionalNumber(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new InputError(`"${key}" must be a number`);
  return v;
}

function streamFormat(text: string | undefined): StreamFormat {
  const format = text || 'ndjson';
  if (!(STREAM_FORMATS as readonly string[]).includes(format))
    throw new InputError(`unknown format "${format}"; choose ${STREAM_FORMATS.join(' or ')}`);
  return format as StreamFormat;
}

/** Pulled by the socket: a batch is read from the engine only when the client has taken the previous one. */
function resultBody(result: QueryResult, format: StreamFormat): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const batches = result.batches()[Symbol.asyncIterator]();
  let done = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(format === 'csv' ? csvHeader(result.columns) : ndjsonColumns(result.columns)));
    },
    async pull(controller) {
      if (done) return;
      let text: string;
      try {
        const next = await batches.next();
        if (!next.done) {
          controller.enqueue(encoder.encode(format === 'csv' ? csvRows(next.value) : ndjsonRows(next.value)));
          return;
        }
        const summary = await result.summary;
        text = format === 'csv' ? csvSummary(summary) : `${JSON.stringify({ summary })}\n`;
      } catch (error) {
        const failure = errorBody(toMeshError(error)).error;
        text = format === 'csv' ? `# error ${JSON.stringify(failure)}\n` : ndjsonError(failure);
      }
      done = true;
      controller.enqueue(encoder.encode(text));
      controller.close();
    },
    cancel() {
      result.cancel();
    },
  });
}

/** JSON that fits an HTTP header (non-ASCII as \u escapes). */
function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
