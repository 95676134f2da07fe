/**
 * A query's result as its reader pulls it: the columns first (known once the engine has bound
 * the query, so a refusal or an error in the SQL arrives before any row), then batches of rows
 * with backpressure (the engine is not read faster than the reader takes rows), then the
 * summary. The same shape in local mode and over HTTP.
 */
import type { QueryColumn, QuerySink, QuerySummary } from './run-query.js';

export interface QueryStream {
  readonly columns: readonly QueryColumn[];
  batches(): AsyncIterable<readonly unknown[][]>;
  /** Settles after the last batch: the row count, truncation and what was read. */
  readonly summary: Promise<QuerySummary>;
  /**
   * Stops the query for `reason` (the reader went away, the deadline passed): the next batch
   * the engine hands over fails with it, so the run ends and its sandbox closes even when
   * nobody reads any more.
   */
  cancel(reason: unknown): void;
}

const CAPACITY = 4;

/** Runs `run` with a sink that hands rows to the stream's reader. */
export function streamQuery(run: (sink: QuerySink) => Promise<QuerySummary>): Promise<QueryStream> {
  const queue: Array<readonly unknown[][]> = [];
  let wakeReader: (() => void) | undefined;
  let wakeWriter: (() => void) | undefined;
  let finished = false;
  let failure: unknown;
  let cancelled: { reason: unknown } | undefined;
  const cancel = (reason: unknown) => {
    cancelled ??= { reason };
    queue.length = 0;
    wakeWriter?.();
  };
  return new Promise<QueryStream>((resolve, reject) => {
    let started = false;
    const sink: QuerySink = {
      columns(columns) {
        started = true;
        resolve({ columns, batches, summary, cancel });
      },
      async rows(rows) {
        while (queue.length >= CAPACITY && !cancelled) await new Promise<void>((r) => (wakeWriter = r));
        if (cancelled) throw cancelled.reason;
        queue.push(rows);
        wakeReader?.();
      },
    };
    const summary = run(sink).finally(() => {
      finished = true;
      wakeReader?.();
    });
    summary.catch((error: unknown) => {
      failure = error;
      if (!started) reject(error);
    });
    async function* batches(): AsyncIterable<readonly unknown[][]> {
      for (;;) {
        const next = queue.shift();
        if (next) {
          wakeWriter?.();
          yield next;
          continue;
        }
        if (finished) {
          if (failure !== undefined) throw failure;
          return;
        }
        await new Promise<void>((r) => (wakeReader = r));
      }
    }
  });
}
