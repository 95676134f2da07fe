/**
 * The seam the quality checks run through: the SQL an engine answers (aggregates over the
 * relation `snapshot`, sample rows in the snapshot's order) and the few expressions that
 * differ between SQL dialects. Every check is planned once (quality-checks.ts) and runs on
 * any engine that gives these.
 */
import type { Engine } from './duckdb-engine.js';
import { duckdbType, quoteLiteral } from './sql-text.js';

export interface CheckDialect {
  /** The double-precision type name. */
  readonly double: string;
  /** The literal as a value of the declared column type, or NULL when it is not one. */
  tryCast(value: string, declared: string): string;
  /** True when the non-null `column` is one of `values` (already typed expressions). */
  inList(column: string, values: readonly string[]): string;
  /** True when `column`, as text, matches the regular expression. */
  matches(column: string, pattern: string): string;
  /** Milliseconds since the epoch of a timestamp expression. */
  epochMs(expression: string): string;
  /** A predicate true for the rows whose `columns` value occurs more than once. */
  duplicated(columns: readonly string[]): string;
}

export interface CheckEngine {
  readonly dialect: CheckDialect;
  /** Rows of a query as JSON values. */
  rows(sql: string): Promise<Array<Record<string, unknown>>>;
  /** Rows of a LIMIT query in the order of the snapshot (samples). */
  firstRows(sql: string): Promise<Array<Record<string, unknown>>>;
}

export const DUCKDB_DIALECT: CheckDialect = {
  double: 'DOUBLE',
  tryCast: (value, declared) => `TRY_CAST(${quoteLiteral(value)} AS ${duckdbType(declared)})`,
  inList: (column, values) => `list_contains([${values.join(', ')}], ${column})`,
  matches: (column, pattern) => `regexp_matches(CAST(${column} AS VARCHAR), ${quoteLiteral(pattern)})`,
  epochMs: (expression) => `epoch_ms(CAST(${expression} AS TIMESTAMP))`,
  duplicated: (columns) => `true QUALIFY count(*) OVER (PARTITION BY ${columns.join(', ')}) > 1`,
};

/** The embedded engine as a check engine (samples with insertion order kept). */
export function duckdbCheckEngine(engine: Engine): CheckEngine {
  return {
    dialect: DUCKDB_DIALECT,
    rows: (sql) => engine.rows(sql),
    firstRows: (sql) => firstRowsInOrder(engine, sql),
  };
}

/**
 * Rows of a LIMIT query in the order of its input. The engine runs without insertion order (it
 * lets big parquet writes stream), which makes a parallel scan's LIMIT return whichever rows a
 * thread reached first: samples that changed from run to run on the same data.
 */
async function firstRowsInOrder(engine: Engine, sql: string): Promise<Array<Record<string, unknown>>> {
  const [{ value }] = await engine.rows(`SELECT current_setting('preserve_insertion_order') AS value`);
  if (value === true) return engine.rows(sql);
  await engine.connection.run('SET preserve_insertion_order = true');
  try {
    return await engine.rows(sql);
  } finally {
    await engine.connection.run('SET preserve_insertion_order = false');
  }
}
