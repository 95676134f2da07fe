/**
 * How a database source hands its rows to the engine: CSV as PostgreSQL's COPY writes it
 * (quote and escape `"`, an empty unquoted field is NULL), read with the source's column
 * types and no sniffing.
 */
import { quoteLiteral } from '../../engine/sql-text.js';

/**
 * The engine's CSV read buffer, which is also the longest row it accepts. DuckDB fills its
 * buffer before parsing it; from a pipe, with its default (16 × max_line_size = 32 MB), it
 * parsed in bursts while the writer waited, and up to 32 MB was still to parse when the source
 * was done — at 1M rows a tail of ~150 ms after the last byte. 4 MiB keeps parsing in step with
 * the arrival of rows (measured: 1M rows 0.91 → 0.71 s, 10M 6.9 → 6.1 s) and allows rows up
 * to 4 MiB (the default allows 2 MB).
 */
export const CSV_BUFFER_BYTES = 4 << 20;

/** read_csv options (after the path) for rows of these columns: [name, DuckDB type]. */
export function csvReadOptions(columns: ReadonlyArray<readonly [string, string]>): string {
  const spec = `{${columns.map(([n, t]) => `${quoteLiteral(n)}: ${quoteLiteral(t)}`).join(', ')}}`;
  return `columns = ${spec}, header = false, delim = ',', quote = '"', escape = '"', nullstr = '', allow_quoted_nulls = false, auto_detect = false, buffer_size = ${CSV_BUFFER_BYTES}`;
}
