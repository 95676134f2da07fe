/**
 * Masking of sample rows shown in check results: columns classified pii direct or sensitive
 * never leave the engine in clear, whoever reads the run history.
 */
import { createHash } from 'node:crypto';
import type { ColumnSpec } from '../descriptor/data-product-schema.js';

export function maskedColumns(columns: readonly ColumnSpec[]): Map<string, ColumnSpec> {
  return new Map(columns.filter((c) => c.pii === 'direct' || c.pii === 'sensitive').map((c) => [c.name, c]));
}

export function maskValue(value: unknown, column: ColumnSpec): unknown {
  if (value === null || value === undefined) return value;
  const text = String(value);
  switch (column.masking) {
    case 'null':
      return null;
    case 'hash':
      return `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
    case 'partial':
      return text.length <= 2 ? '***' : `${text.slice(0, 1)}***${text.slice(-1)}`;
    default:
      return '***';
  }
}

export function maskRows(
  rows: ReadonlyArray<Record<string, unknown>>,
  columns: readonly ColumnSpec[],
): Array<Record<string, unknown>> {
  const masked = maskedColumns(columns);
  if (masked.size === 0) return rows.map((r) => ({ ...r }));
  return rows.map((row) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, masked.has(k) ? maskValue(v, masked.get(k)!) : v])),
  );
}
