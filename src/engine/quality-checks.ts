/**
 * The audit: every quality check of a product over one candidate snapshot (the relation
 * `snapshot`). Aggregate checks are folded into ONE SELECT, so a snapshot is scanned once
 * whatever the number of checks; only failed checks pay for a second, LIMIT 10 query that
 * fetches sample rows (PII masked): the first failing rows in the snapshot's order, so the
 * same data shows the same samples on every run. `sql` checks are their own queries by nature. A check
 * whose aggregates the snapshot file's statistics already give (`settled`) is judged on
 * those, by the same judge, and adds nothing to the scan.
 */
import type { CheckResultRecord } from '../registry/operations/runs/run-records.js';
import type { ColumnSpec, QualityCheckSpec } from '../descriptor/data-product-schema.js';
import { parseDuration } from '../descriptor/duration.js';
import { duckdbCheckEngine, type CheckDialect, type CheckEngine } from './check-engine.js';
import type { Engine } from './duckdb-engine.js';
import { maskRows } from './mask-pii.js';
import type { ColumnStats } from './snapshot-stats.js';
import { refusalOf } from './sql-statement.js';
import { duckdbType, quoteIdent, quoteLiteral, stripTrailingSemicolon } from './sql-text.js';

/** One check's result on a snapshot: the record the registry keeps, without the run it belongs to. */
export type CheckOutcome = Omit<CheckResultRecord, 'runId' | 'product' | 'time'>;

export interface AuditContext {
  /** Rows extracted from the inputs (row_count_vs_source). */
  readonly rowsIn: number;
  /** Rows the transform produced this run (before an incremental merge). */
  readonly rowsTransformed: number;
  /** Row counts of the successful runs of the last 7 days (row_count_delta). */
  readonly recentRowCounts: readonly number[];
  readonly now: Date;
  /** The snapshot file's column statistics: checks they settle need no scan. */
  readonly stats?: ReadonlyMap<string, ColumnStats>;
}

export function checkName(check: QualityCheckSpec): string {
  if (check.name) return check.name;
  const cols = check.columns ?? (check.column ? [check.column] : []);
  return cols.length ? `${check.type}(${cols.join(', ')})` : check.type;
}

interface Planned {
  readonly check: QualityCheckSpec;
  readonly position: number;
  /** Aggregate expressions this check needs, by alias. */
  readonly aggregates: Record<string, string>;
  /** Their values when the snapshot's statistics already give them: no scan for this check. */
  readonly settled?: Record<string, number | null>;
  /** A predicate true for failing rows, used to fetch samples. */
  readonly failing?: string;
  readonly judge: (
    values: Record<string, number | null>,
    rows: number,
  ) => { pass: boolean; observed: unknown; threshold: unknown; message: string };
}

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Rows where `column` is null, as an aggregate parquet statistics can answer without reading values. */
export function nullCount(column: string): string {
  return `count(*) - count(${quoteIdent(column)})`;
}

/** Nulls per column, from the statistics where they have them, the rest in one scan of the snapshot. */
export async function countNulls(
  engine: Pick<CheckEngine, 'rows'>,
  names: readonly string[],
  stats: ReadonlyMap<string, ColumnStats>,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const unknown: string[] = [];
  for (const name of names) {
    const known = stats.get(name)?.nulls;
    if (known == null) unknown.push(name);
    else counts.set(name, known);
  }
  if (unknown.length > 0) {
    const [row] = await engine.rows(
      `SELECT ${unknown.map((name, i) => `${nullCount(name)} AS n${i}`).join(', ')} FROM snapshot`,
    );
    unknown.forEach((name, i) => counts.set(name, Number(row[`n${i}`])));
  }
  return counts;
}

function plan(
  check: QualityCheckSpec,
  position: number,
  ctx: AuditContext,
  columns: readonly ColumnSpec[],
  dialect: CheckDialect,
): Planned {
  const a = (suffix: string) => `c${position}_${suffix}`;
  const col = check.column ? quoteIdent(check.column) : '';
  const cols = (check.columns ?? (check.column ? [check.column] : [])).map(quoteIdent);
  switch (check.type) {
    case 'null_rate': {
      const known = ctx.stats?.get(check.column!)?.nulls ?? null;
      return {
        check,
        position,
        aggregates: { [a('n')]: nullCount(check.column!) },
        settled: known === null ? undefined : { [a('n')]: known },
        failing: `${col} IS NULL`,
        judge: (v, rows) => {
          const rate = rows === 0 ? 0 : (v[a('n')] ?? 0) / rows;
          return {
            pass: rate <= (check.threshold ?? 0),
            observed: round(rate),
            threshold: check.threshold,
            message: `${pct(rate)} of ${check.column} is null (at most ${pct(check.threshold ?? 0)} allowed)`,
          };
        },
      };
    }
    case 'not_null': {
      const names = check.columns ?? [check.column!];
      const known = names.length === 1 ? (ctx.stats?.get(names[0])?.nulls ?? null) : null;
      return {
        check,
        position,
        aggregates: {
          [a('n')]:
            names.length === 1
              ? nullCount(names[0])
              : `count(*) FILTER (WHERE ${cols.map((c) => `${c} IS NULL`).join(' OR ')})`,
        },
        settled: known === null ? undefined : { [a('n')]: known },
        failing: cols.map((c) => `${c} IS NULL`).join(' OR '),
        judge: (v) => ({
          pass: (v[a('n')] ?? 0) === 0,
          observed: v[a('n')],
          threshold: 0,
          message: `${v[a('n')]} row(s) with a null in ${cols.length > 1 ? 'one of ' : ''}${names.join(', ')}`,
        }),
      };
    }
    case 'unique': {
      const key = cols.length === 1 ? cols[0] : `row(${cols.join(', ')})`;
      return {
        check,
        position,
        aggregates: { [a('d')]: `count(*) - count(DISTINCT ${key})` },
        failing: dialect.duplicated(cols),
        judge: (v) => ({
          pass: (v[a('d')] ?? 0) === 0,
          observed: v[a('d')],
          threshold: 0,
          message: `${v[a('d')]} duplicate (or null) value(s) of ${(check.columns ?? [check.column]).join(', ')}`,
        }),
      };
    }
    case 'accepted_values': {
      // Compared in the column's own type (1.5 accepts 1.50, '2026-01-01' a midnight timestamp);
      // a value that is not of that type can match no row (TRY_CAST gives NULL, which the list ignores).
      const declared = columns.find((c) => c.name === check.column)?.type ?? 'varchar';
      const accepted = new Set((check.values ?? []).map((x) => String(x).toLowerCase()));
      // Both values a boolean can take are accepted: nothing to count.
      const everyBoolean = duckdbType(declared) === 'BOOLEAN' && accepted.has('true') && accepted.has('false');
      const values = (check.values ?? []).map((x) => dialect.tryCast(String(x), declared));
      const failing = `${col} IS NOT NULL AND NOT ${dialect.inList(col, values)}`;
      return {
        check,
        position,
        aggregates: { [a('n')]: `count(*) FILTER (WHERE ${failing})` },
        settled: everyBoolean ? { [a('n')]: 0 } : undefined,
        failing,
        judge: (v) => ({
          pass: (v[a('n')] ?? 0) === 0,
          observed: v[a('n')],
          threshold: check.values,
          message: `${v[a('n')]} row(s) of ${check.column} outside the accepted values`,
        }),
      };
    }
    case 'range': {
      const known = ctx.stats?.get(check.column!)?.range;
      // The exact minimum and maximum lie inside the range: no value can be outside it.
      const inside =
        known &&
        (known.min === null ||
          ((check.min === undefined || known.min >= check.min) &&
            (check.max === undefined || known.max! <= check.max)));
      const parts: string[] = [];
      if (check.min !== undefined) parts.push(`${col} < ${quoteLiteral(check.min)}`);
      if (check.max !== undefined) parts.push(`${col} > ${quoteLiteral(check.max)}`);
      const failing = parts.join(' OR ') || 'false';
      return {
        check,
        position,
        aggregates: {
          [a('n')]: `count(*) FILTER (WHERE ${failing})`,
          [a('lo')]: `CAST(min(${col}) AS ${dialect.double})`,
          [a('hi')]: `CAST(max(${col}) AS ${dialect.double})`,
        },
        settled: inside ? { [a('n')]: 0, [a('lo')]: known.min, [a('hi')]: known.max } : undefined,
        failing,
        judge: (v) => ({
          pass: (v[a('n')] ?? 0) === 0,
          observed: { outside: v[a('n')], min: v[a('lo')], max: v[a('hi')] },
          threshold: { min: check.min, max: check.max },
          message: `${v[a('n')]} row(s) of ${check.column} outside [${check.min ?? '-∞'}, ${check.max ?? '∞'}]`,
        }),
      };
    }
    case 'regex': {
      const failing = `${col} IS NOT NULL AND NOT ${dialect.matches(col, check.pattern ?? '')}`;
      return {
        check,
        position,
        aggregates: { [a('n')]: `count(*) FILTER (WHERE ${failing})` },
        failing,
        judge: (v) => ({
          pass: (v[a('n')] ?? 0) === 0,
          observed: v[a('n')],
          threshold: check.pattern,
          message: `${v[a('n')]} row(s) of ${check.column} do not match /${check.pattern}/`,
        }),
      };
    }
    case 'freshness': {
      const maxAgeMs = parseDuration(check.maxAge ?? '0s') ?? 0;
      return {
        check,
        position,
        aggregates: { [a('t')]: dialect.epochMs(`max(${col})`) },
        judge: (v) => {
          const newest = v[a('t')];
          if (newest === null)
            return {
              pass: false,
              observed: null,
              threshold: check.maxAge,
              message: `${check.column} has no values, so the data has no age`,
            };
          const ageMs = ctx.now.getTime() - newest;
          return {
            pass: ageMs <= maxAgeMs,
            observed: { newest: new Date(newest).toISOString(), ageSeconds: Math.round(ageMs / 1000) },
            threshold: check.maxAge,
            message: `newest ${check.column} is ${humanAge(ageMs)} old (at most ${check.maxAge} allowed)`,
          };
        },
      };
    }
    case 'row_count':
      return {
        check,
        position,
        aggregates: {},
        judge: (_v, rows) => ({
          pass: (check.min === undefined || rows >= check.min) && (check.max === undefined || rows <= check.max),
          observed: rows,
          threshold: { min: check.min, max: check.max },
          message: `${rows} row(s) (expected ${check.min ?? 0} to ${check.max ?? '∞'})`,
        }),
      };
    case 'row_count_delta':
      return {
        check,
        position,
        aggregates: {},
        judge: (_v, rows) => {
          if (ctx.recentRowCounts.length === 0)
            return {
              pass: true,
              observed: { rows, average: null },
              threshold: check.threshold,
              message: `${rows} row(s); no successful run in the last 7 days to compare with yet`,
            };
          const avg = ctx.recentRowCounts.reduce((s, n) => s + n, 0) / ctx.recentRowCounts.length;
          const delta = avg === 0 ? (rows === 0 ? 0 : 1) : Math.abs(rows - avg) / avg;
          return {
            pass: delta <= (check.threshold ?? 0),
            observed: { rows, average: round(avg), delta: round(delta) },
            threshold: check.threshold,
            message: `${rows} row(s) vs a 7-day average of ${round(avg)}: ${pct(delta)} change (at most ${pct(check.threshold ?? 0)} allowed)`,
          };
        },
      };
    case 'row_count_vs_source':
      return {
        check,
        position,
        aggregates: {},
        judge: () => {
          const ratio = ctx.rowsIn === 0 ? 1 : ctx.rowsTransformed / ctx.rowsIn;
          return {
            pass: ratio >= (check.threshold ?? 0),
            observed: { rowsOut: ctx.rowsTransformed, rowsIn: ctx.rowsIn, ratio: round(ratio) },
            threshold: check.threshold,
            message: `${ctx.rowsTransformed} row(s) out of ${ctx.rowsIn} extracted: ratio ${round(ratio)} (at least ${check.threshold} required)`,
          };
        },
      };
    case 'sql':
      return { check, position, aggregates: {}, judge: () => ({ pass: true, observed: 0, threshold: 0, message: '' }) };
  }
}

/** Every check on the relation `snapshot` of a check engine (an embedded engine is one with the DuckDB dialect). */
export async function runQualityChecks(
  on: CheckEngine | Engine,
  checks: readonly QualityCheckSpec[],
  columns: readonly ColumnSpec[],
  ctx: AuditContext,
): Promise<CheckOutcome[]> {
  const engine = 'dialect' in on ? on : duckdbCheckEngine(on);
  const planned = checks.map((check, i) => plan(check, i, ctx, columns, engine.dialect));
  const broken = new Map<number, string>();
  let values = await aggregate(engine, planned);
  if (typeof values === 'string') {
    // One check's SQL cannot run (e.g. a range on a text column): find it, run the others.
    const healthy: Planned[] = [];
    for (const p of planned) {
      if (p.settled) {
        healthy.push(p);
        continue;
      }
      try {
        await engine.rows(`SELECT ${selectList({ rows: 'count(*)', ...p.aggregates })} FROM snapshot LIMIT 0`);
        healthy.push(p);
      } catch (error) {
        broken.set(p.position, (error as Error).message.split('\n')[0]);
      }
    }
    values = await aggregate(engine, healthy);
    if (typeof values === 'string') {
      // Fails only on the data (a conversion at run time): no verdict is trustworthy, so none passes.
      for (const p of healthy) if (p.check.type !== 'sql') broken.set(p.position, values);
      values = {};
    }
  }
  const rows = values.rows ?? 0;
  const outcomes: CheckOutcome[] = [];
  for (const p of planned) {
    const severity = p.check.severity ?? 'error';
    const base = { position: p.position, name: checkName(p.check), type: p.check.type, severity };
    if (broken.has(p.position)) {
      outcomes.push({
        ...base,
        status: 'fail',
        observed: null,
        threshold: null,
        message: `the check could not run: ${broken.get(p.position)}`,
        samples: null,
      });
      continue;
    }
    if (p.check.type === 'sql') {
      outcomes.push({ ...base, ...(await runSqlCheck(engine, p.check.sql ?? '', columns)) });
      continue;
    }
    const verdict = p.judge(p.settled ? { ...values, ...p.settled } : values, rows);
    let samples: Array<Record<string, unknown>> | null = null;
    if (!verdict.pass && p.failing)
      samples = maskRows(await engine.firstRows(`SELECT * FROM snapshot WHERE ${p.failing} LIMIT 10`), columns);
    outcomes.push({
      ...base,
      status: verdict.pass ? 'pass' : 'fail',
      observed: verdict.observed,
      threshold: verdict.threshold,
      message: verdict.message,
      samples,
    });
  }
  return outcomes;
}

function selectList(aggregates: Record<string, string>): string {
  return Object.entries(aggregates)
    .map(([alias, expr]) => `${expr} AS ${alias}`)
    .join(', ');
}

/** Every aggregate of every check in ONE scan, or the engine's message when the query cannot run. */
async function aggregate(
  engine: CheckEngine,
  planned: readonly Planned[],
): Promise<Record<string, number | null> | string> {
  const aggregates: Record<string, string> = { rows: 'count(*)' };
  for (const p of planned) if (!p.settled) Object.assign(aggregates, p.aggregates);
  try {
    const [raw] = await engine.rows(`SELECT ${selectList(aggregates)} FROM snapshot`);
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, num(v)]));
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
}

async function runSqlCheck(engine: CheckEngine, sql: string, columns: readonly ColumnSpec[]) {
  const query = stripTrailingSemicolon(sql);
  // Decided by the parser before anything runs: a check is one SELECT, nothing stacked after it.
  const refusal = await refusalOf(query, "the check's query");
  if (refusal) return { status: 'fail' as const, observed: null, threshold: 0, message: refusal, samples: null };
  try {
    const [count] = await engine.rows(`SELECT count(*) AS n FROM (\n${query}\n) AS failing`);
    const n = Number(count.n);
    const samples =
      n > 0 ? maskRows(await engine.firstRows(`SELECT * FROM (\n${query}\n) AS failing LIMIT 10`), columns) : null;
    return {
      status: n === 0 ? ('pass' as const) : ('fail' as const),
      observed: n,
      threshold: 0,
      message: `${n} failing row(s)`,
      samples,
    };
  } catch (error) {
    return {
      status: 'fail' as const,
      observed: null,
      threshold: 0,
      message: `the check's query failed: ${firstLine((error as Error).message)}`,
      samples: null,
    };
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0];
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

function pct(n: number): string {
  return `${round(n * 100)}%`;
}

function humanAge(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86_400)}d`;
}
