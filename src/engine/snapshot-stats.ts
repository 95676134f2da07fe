/**
 * What a snapshot's parquet footer already knows about each column: its null count and, for
 * whole numbers and decimals, its exact minimum and maximum. The audit answers a check from
 * these when they settle it (no nulls, every value inside a range), so a clean snapshot is
 * not scanned for what its writer counted while writing it; anything they cannot settle is
 * left to the scan.
 */
import type { ColumnSpec } from '../descriptor/data-product-schema.js';
import type { Engine } from './duckdb-engine.js';
import { duckdbType, quoteLiteral } from './sql-text.js';

export interface ColumnStats {
  /** Nulls in the column, when every row group recorded them. */
  readonly nulls: number | null;
  /**
   * Smallest and largest value, when known exactly and representable as a JavaScript number
   * without rounding (null, null for a column with no values at all); absent otherwise.
   */
  readonly range?: { readonly min: number | null; readonly max: number | null };
}

const WHOLE_NUMBERS = new Set([
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
]);
/** Decimals up to this precision convert to a double and back without changing. */
const EXACT_DECIMAL_DIGITS = 15;

/** Whether min/max statistics of a column of this declared type compare exactly as numbers. */
function hasExactNumericRange(declared: string): boolean {
  const type = duckdbType(declared);
  if (WHOLE_NUMBERS.has(type)) return true;
  const decimal = /^DECIMAL\((\d+),\s*\d+\)$/.exec(type);
  return decimal !== null && Number(decimal[1]) <= EXACT_DECIMAL_DIGITS;
}

function safe(value: unknown): number | null | undefined {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) && Math.abs(n) < 2 ** 53 ? n : undefined;
}

/**
 * Statistics of the declared columns of one parquet file, read from its footer. Never fails a
 * run: a footer it cannot read gives no statistics, and every check is then scanned.
 */
export async function readSnapshotStats(
  engine: Engine,
  file: string,
  columns: readonly ColumnSpec[],
): Promise<Map<string, ColumnStats>> {
  const rows = await engine
    .rows(
      `SELECT path_in_schema AS name,
      CASE WHEN count(*) = count(stats_null_count) THEN sum(stats_null_count) END AS nulls,
      bool_and(coalesce(stats_null_count = row_group_num_rows, false)
        OR (stats_min_value IS NOT NULL AND stats_max_value IS NOT NULL AND coalesce(min_is_exact, false) AND coalesce(max_is_exact, false))) AS exact,
      min(TRY_CAST(stats_min_value AS DOUBLE)) AS lo,
      max(TRY_CAST(stats_max_value AS DOUBLE)) AS hi,
      count(stats_min_value) AS with_values
    FROM parquet_metadata(${quoteLiteral(file)}) GROUP BY path_in_schema`,
    )
    .catch(() => []);
  const byName = new Map(rows.map((r) => [String(r.name), r]));
  const stats = new Map<string, ColumnStats>();
  for (const column of columns) {
    const row = byName.get(column.name);
    if (!row) continue;
    const nulls = safe(row.nulls) ?? null;
    let range: ColumnStats['range'];
    if (row.exact === true && hasExactNumericRange(column.type)) {
      const min = safe(row.lo);
      const max = safe(row.hi);
      const empty = Number(row.with_values) === 0;
      if (empty) range = { min: null, max: null };
      else if (typeof min === 'number' && typeof max === 'number') range = { min, max };
    }
    stats.set(column.name, range ? { nulls, range } : { nulls });
  }
  return stats;
}
