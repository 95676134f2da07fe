/**
 * PII masking as a projection: what a reader without PII clearance reads instead of the
 * snapshot. Every read path (download, query, product inputs, the SQL and stream ports) builds
 * its relation with `maskedSelect` and lets the reader's SQL see only that, so joins, CTEs,
 * windows, aggregates and CASE over a masked column only ever see masked values.
 */
import type { ColumnSpec } from '../descriptor/data-product-schema.js';
import { maskingKeyFromEnv } from './masking-key.js';
import { quoteIdent, quoteLiteral } from './sql-text.js';

export interface MaskingOptions {
  /** True: the reader's grant clears PII, nothing is masked. */
  readonly piiCleared: boolean;
  /** The secret a `hash` is keyed with (MESH_MASKING_KEY); never stored, never logged. */
  readonly hashKey?: string;
}

/** The columns a reader without PII clearance gets masked: classified `direct` or `sensitive`. */
export function piiColumns(columns: readonly ColumnSpec[]): ColumnSpec[] {
  return columns.filter((c) => c.pii === 'direct' || c.pii === 'sensitive');
}

/** The masking a column gets; unset or `none` on a PII column is redacted, never clear. */
export function maskingOf(column: ColumnSpec): 'hash' | 'redact' | 'partial' | 'null' {
  const m = column.masking;
  return m === 'hash' || m === 'partial' || m === 'null' ? m : 'redact';
}

/** The SQL expression of one masked column (the same results as `maskValue` on text values). */
export function maskExpression(column: ColumnSpec, hashKey: string): string {
  const col = quoteIdent(column.name);
  const text = `CAST(${col} AS VARCHAR)`;
  switch (maskingOf(column)) {
    case 'null':
      return 'CAST(NULL AS VARCHAR)';
    case 'hash':
      return `CASE WHEN ${col} IS NULL THEN NULL ELSE 'sha256:' || left(sha256(${quoteLiteral(hashKey)} || ${text}), 16) END`;
    case 'partial':
      return `CASE WHEN ${col} IS NULL THEN NULL WHEN length(${text}) <= 2 THEN '***' ELSE left(${text}, 1) || '***' || right(${text}, 1) END`;
    case 'redact':
      return `CASE WHEN ${col} IS NULL THEN NULL ELSE '***' END`;
  }
}

export interface MaskedSelect {
  /** `SELECT * REPLACE (…) FROM <source>`, or `SELECT * FROM <source>` when nothing is masked. */
  readonly sql: string;
  /** The names of the masked columns, for the audit log. */
  readonly masked: string[];
  /** True when a masked column is hashed (a server refuses to serve those without a key). */
  readonly hashes: boolean;
}

/**
 * `source` is a relation in the engine (a view, or `read_parquet('…')`); columns the source has
 * but the descriptor does not classify pass through unchanged.
 */
export function maskedSelect(source: string, columns: readonly ColumnSpec[], options: MaskingOptions): MaskedSelect {
  const masked = options.piiCleared ? [] : piiColumns(columns);
  if (masked.length === 0) return { sql: `SELECT * FROM ${source}`, masked: [], hashes: false };
  const key = options.hashKey ?? maskingKeyFromEnv().key;
  const replace = masked.map((c) => `${maskExpression(c, key)} AS ${quoteIdent(c.name)}`).join(', ');
  return {
    sql: `SELECT * REPLACE (${replace}) FROM ${source}`,
    masked: masked.map((c) => c.name),
    hashes: masked.some((c) => maskingOf(c) === 'hash'),
  };
}
