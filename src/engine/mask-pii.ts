/**
 * Masking of sample rows shown in check results: columns classified pii direct or sensitive
 * never leave the engine in clear, whoever reads the run history. The same masking as
 * `maskedSelect` (the hash keyed with MESH_MASKING_KEY), so a sample matches a masked download.
 */
import type { ColumnSpec } from '../descriptor/data-product-schema.js';
import { maskingOf } from './masked-select.js';
import { maskHash, maskingKeyFromEnv } from './masking-key.js';

export function maskedColumns(columns: readonly ColumnSpec[]): Map<string, ColumnSpec> {
  return new Map(columns.filter((c) => c.pii === 'direct' || c.pii === 'sensitive').map((c) => [c.name, c]));
}

export function maskValue(value: unknown, column: ColumnSpec, key = maskingKeyFromEnv().key): unknown {
  if (value === null || value === undefined) return value;
  const text = String(value);
  switch (maskingOf(column)) {
    case 'null':
      return null;
    case 'hash':
      return maskHash(key, text);
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
