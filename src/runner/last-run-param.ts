/**
 * `:last_run` in a source query. It is never pasted into the SQL: the query is rewritten to
 * read a session variable, which is set with a bound parameter before the query runs (COPY
 * cannot take bind parameters, and COPY is the fast path). Positions in the rewritten text
 * map back to the user's text, so error positions point at what they wrote.
 */
const LAST_RUN = /(?<![:\w]):last_run\b/g;

export const EPOCH_WATERMARK = '1970-01-01 00:00:00';

export interface RewrittenQuery {
  readonly text: string;
  readonly usesLastRun: boolean;
  /** Maps a 0-based offset in `text` back to the original query. */
  readonly originalOffset: (offset: number) => number;
}

export function rewriteLastRun(query: string, replacement: string): RewrittenQuery {
  const shifts: Array<{ at: number; delta: number }> = [];
  let usesLastRun = false;
  let delta = 0;
  const text = query.replace(LAST_RUN, (match, offset: number) => {
    usesLastRun = true;
    const end = offset + delta + replacement.length;
    delta += replacement.length - match.length;
    shifts.push({ at: end, delta });
    return replacement;
  });
  return {
    text,
    usesLastRun,
    originalOffset(offset) {
      let d = 0;
      for (const s of shifts) if (offset >= s.at) d = s.delta;
      return offset - d;
    },
  };
}

/** 1-based line and column of a 0-based offset. */

export { lineCol } from '../engine/sql-text.js';
