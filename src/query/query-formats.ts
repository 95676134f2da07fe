/**
 * How a query's rows are written out: NDJSON (a columns line with names and engine types, one
 * array per row, a summary line — or an error line when the query failed midway) and CSV (a
 * header of names, the rows, and a last `# summary {…}` line; a field that starts with `#` is
 * quoted, so that line is never a row).
 */
import type { QueryColumn, QuerySummary } from './run-query.js';

export const QUERY_FORMATS = ['table', 'json', 'ndjson', 'csv'] as const;
export type QueryFormat = (typeof QUERY_FORMATS)[number];

export function ndjsonColumns(columns: readonly QueryColumn[]): string {
  return `${JSON.stringify({ columns })}\n`;
}

export function ndjsonRows(rows: readonly unknown[][]): string {
  return rows.map((row) => JSON.stringify(row)).join('\n') + (rows.length ? '\n' : '');
}

export function ndjsonSummary(summary: QuerySummary): string {
  return `${JSON.stringify({ summary: publicSummary(summary) })}\n`;
}

/** The summary without the snapshot file paths (where the warehouse lives is the platform's business). */
export function publicSummary(summary: QuerySummary) {
  return {
    rows: summary.rows,
    truncated: summary.truncated,
    elapsedMs: Math.round(summary.elapsedMs),
    tables: summary.tables.map((t) => ({
      as: t.as,
      product: t.product,
      major: t.major,
      snapshotId: t.snapshotId,
      maskedColumns: t.maskedColumns,
    })),
  };
}

export function csvHeader(columns: readonly QueryColumn[]): string {
  return `${columns.map((c) => csvField(c.name)).join(',')}\n`;
}

export function csvRows(rows: readonly unknown[][]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\n') + (rows.length ? '\n' : '');
}

/** The last CSV line: the summary (rows, truncated, what was read) as JSON after `# summary `. */
export function csvSummary(summary: object): string {
  return `# summary ${JSON.stringify(summary)}\n`;
}

/** An NDJSON line for a failure after the columns were sent (the status line is already gone). */
export function ndjsonError(error: { kind: string; message: string; details?: unknown }): string {
  return `${JSON.stringify({ error })}\n`;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\n\r]|^#/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
