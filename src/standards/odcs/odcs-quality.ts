/**
 * Quality rules between Meshwork checks and ODCS `quality` entries.
 *
 * Import: a library metric with an operator becomes the Meshwork check that means exactly the
 * same (nullValues = 0 → not_null, duplicateValues = 0 on required columns → unique — Meshwork's
 * unique also counts nulls, ODCS's duplicates do not —, rowCount bounds → row_count,
 * invalidValues = 0 with validValues/pattern → accepted_values/regex, null percentage ≤ p →
 * null_rate); any other metric/operator pair is compiled to an equivalent `sql` check over the
 * snapshot, so nothing is approximated. ODCS `sql` rules (a query returning a value compared
 * with the operator) become `sql` checks returning a row when the comparison fails. `text` and
 * `custom` rules cannot run here: they are kept as documentation.
 *
 * Export writes each check in its ODCS form; when that form would not import back to the same
 * check (a name the ODCS form cannot hold, a check ODCS has no metric for), the exact check
 * travels beside it as the custom property `meshworkCheck`, which import prefers.
 */
import type { QualityCheckSpec } from '../../descriptor/data-product-schema.js';
import { canonicalJson } from '../canonical-json.js';

export type OdcsRule = Record<string, unknown>;

export const OPERATORS = [
  'mustBe',
  'mustNotBe',
  'mustBeGreaterThan',
  'mustBeGreaterOrEqualTo',
  'mustBeLessThan',
  'mustBeLessOrEqualTo',
  'mustBeBetween',
  'mustNotBeBetween',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const METRICS = ['nullValues', 'missingValues', 'invalidValues', 'duplicateValues', 'rowCount'] as const;

export const CHECK_PROPERTY = 'meshworkCheck';

/** Where a rule sits: on one property (its column) or on the schema object. */
export interface RuleScope {
  readonly column?: string;
  /** Columns that can hold no null (ODCS required, Meshwork nullable: false). */
  readonly required?: ReadonlySet<string>;
}

export interface ImportedRule {
  readonly check?: QualityCheckSpec;
  /** Kept as documentation (text and custom rules). */
  readonly documentation?: string;
  /** Rule fields the mapping carried over (the rest are reported as not carried over). */
  readonly used: readonly string[];
  /** A field that was read but could not be carried over, and why. */
  readonly explained?: Readonly<Record<string, string>>;
}

// ---------------------------------------------------------------- export

/** The ODCS rule for a check, and the column it belongs to (undefined: the schema object). */
export function exportCheck(
  check: QualityCheckSpec,
  required: ReadonlySet<string>,
): { column?: string; rule: OdcsRule } {
  const native = nativeRule(check);
  const column = native.column;
  const rule: OdcsRule = { ...native.rule };
  if (check.name) rule.name = check.name;
  if (check.severity) rule.severity = check.severity === 'warn' ? 'warning' : 'error';
  const back = importRule(rule, { column, required }).check;
  if (!back || canonicalJson(back) !== canonicalJson(check))
    rule.customProperties = [{ property: CHECK_PROPERTY, value: stripUndefined(check) }];
  return { column, rule };
}

function nativeRule(check: QualityCheckSpec): { column?: string; rule: OdcsRule } {
  const columns = check.columns ?? (check.column ? [check.column] : []);
  const single = check.column && !check.columns ? check.column : undefined;
  const onColumns = (rule: OdcsRule) =>
    single ? { column: single, rule } : { rule: { ...rule, arguments: { properties: columns } } };
  switch (check.type) {
    case 'not_null':
      return onColumns({ type: 'library', metric: 'nullValues', mustBe: 0 });
    case 'unique':
      return onColumns({ type: 'library', metric: 'duplicateValues', mustBe: 0 });
    case 'null_rate':
      return {
        column: check.column,
        rule: {
          type: 'library',
          metric: 'nullValues',
          unit: 'percent',
          mustBeLessOrEqualTo: Number(((check.threshold ?? 0) * 100).toPrecision(12)),
        },
      };
    case 'accepted_values':
      return {
        column: check.column,
        rule: { type: 'library', metric: 'invalidValues', mustBe: 0, arguments: { validValues: check.values ?? [] } },
      };
    case 'regex':
      return {
        column: check.column,
        rule: { type: 'library', metric: 'invalidValues', mustBe: 0, arguments: { pattern: check.pattern ?? '' } },
      };
    case 'row_count':
      return { rule: { type: 'library', metric: 'rowCount', ...rowCountOperator(check.min, check.max) } };
    case 'range': {
      const col = `"${check.column}"`;
      const outside = [
        check.min !== undefined ? `${col} < ${check.min}` : undefined,
        check.max !== undefined ? `${col} > ${check.max}` : undefined,
      ].filter(Boolean);
      return {
        column: check.column,
        rule: {
          type: 'sql',
          query: `SELECT count(*) FROM \${table} WHERE ${outside.join(' OR ') || 'false'}`,
          mustBe: 0,
          description: `${check.column} lies in [${check.min ?? '-∞'}, ${check.max ?? '∞'}]`,
        },
      };
    }
    case 'sql':
      return {
        rule: {
          type: 'sql',
          query: `SELECT count(*) FROM (${(check.sql ?? '').replace(/;\s*$/, '').replace(/\bsnapshot\b/g, '${table}')}) AS failing`,
          mustBe: 0,
        },
      };
    case 'freshness':
      return {
        column: check.column,
        rule: {
          type: 'text',
          dimension: 'timeliness',
          description: `the newest ${check.column} is at most ${check.maxAge} old`,
        },
      };
    case 'row_count_delta':
      return {
        rule: {
          type: 'text',
          dimension: 'completeness',
          description: `the row count moves at most ${pct(check.threshold)} from its 7-day average`,
        },
      };
    case 'row_count_vs_source':
      return {
        rule: {
          type: 'text',
          dimension: 'completeness',
          description: `at least ${pct(check.threshold)} of the extracted rows reach the product`,
        },
      };
  }
}

function rowCountOperator(min: number | undefined, max: number | undefined): OdcsRule {
  if (min !== undefined && max !== undefined) return min === max ? { mustBe: min } : { mustBeBetween: [min, max] };
  if (min !== undefined) return { mustBeGreaterOrEqualTo: min };
  if (max !== undefined) return { mustBeLessOrEqualTo: max };
  return { mustBeGreaterOrEqualTo: 0 };
}

// ---------------------------------------------------------------- import

/** The Meshwork check (or documentation) for one ODCS rule. */
export function importRule(rule: OdcsRule, scope: RuleScope): ImportedRule {
  const exact = exactCheck(rule);
  if (exact) return { check: exact, used: Object.keys(rule) };
  const type = typeof rule.type === 'string' ? rule.type : rule.metric !== undefined ? 'library' : 'library';
  const common = commonFields(rule);
  if (type === 'text' || type === 'custom')
    return {
      documentation: documentation(rule, scope),
      used: Object.keys(rule).filter((k) => k !== 'type'),
      explained: { type: `a ${type} rule cannot run in Meshwork; kept as documentation in README.md` },
    };
  const operator = OPERATORS.find((op) => rule[op] !== undefined);
  if (!operator) return { used: [] };
  const compared = comparison(operator, rule[operator]);
  if (compared === undefined) return { used: [], explained: { [operator]: `${operator} needs a number here` } };
  if (type === 'sql') {
    if (typeof rule.query !== 'string') return { used: [] };
    const query = placeholders(rule.query, scope.column).replace(/;\s*$/, '');
    const check: QualityCheckSpec = {
      type: 'sql',
      ...common.check,
      sql: `SELECT value FROM (${query}) AS odcs_rule(value) WHERE NOT coalesce(value ${compared}, false)`,
    };
    return { check, used: ['type', 'query', operator, ...common.used] };
  }
  const library = libraryCheck(rule, scope, operator, compared);
  if (!library) return { used: [] };
  return { check: { ...library.check, ...common.check }, used: [...library.used, operator, ...common.used] };
}

function exactCheck(rule: OdcsRule): QualityCheckSpec | undefined {
  const custom = Array.isArray(rule.customProperties) ? (rule.customProperties as unknown[]) : [];
  const found = custom.find(
    (p): p is { value: unknown } =>
      typeof p === 'object' && p !== null && (p as { property?: unknown }).property === CHECK_PROPERTY,
  );
  const value = found?.value;
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as QualityCheckSpec) : undefined;
}

function commonFields(rule: OdcsRule): { check: Partial<QualityCheckSpec>; used: string[] } {
  const check: { name?: string; severity?: 'error' | 'warn' } = {};
  const used: string[] = [];
  if (typeof rule.name === 'string') {
    check.name = rule.name;
    used.push('name');
  }
  const severity = typeof rule.severity === 'string' ? rule.severity.toLowerCase() : undefined;
  if (severity === 'error' || severity === 'warning' || severity === 'warn') {
    check.severity = severity === 'error' ? 'error' : 'warn';
    used.push('severity');
  }
  if (rule.type !== undefined) used.push('type');
  return { check, used };
}

/** The SQL comparison an operator means (`= 0`, `BETWEEN 1 AND 5`, …); undefined if its value cannot be compared. */
function comparison(operator: Operator, value: unknown): string | undefined {
  const literal = (v: unknown): string | undefined =>
    typeof v === 'number' && Number.isFinite(v)
      ? String(v)
      : typeof v === 'string'
        ? `'${v.replace(/'/g, "''")}'`
        : typeof v === 'boolean'
          ? String(v)
          : undefined;
  const pair = Array.isArray(value) && value.length === 2 ? value.map(literal) : undefined;
  switch (operator) {
    case 'mustBe':
      return literal(value) && `= ${literal(value)}`;
    case 'mustNotBe':
      return literal(value) && `<> ${literal(value)}`;
    case 'mustBeGreaterThan':
      return typeof value === 'number' ? `> ${value}` : undefined;
    case 'mustBeGreaterOrEqualTo':
      return typeof value === 'number' ? `>= ${value}` : undefined;
    case 'mustBeLessThan':
      return typeof value === 'number' ? `< ${value}` : undefined;
    case 'mustBeLessOrEqualTo':
      return typeof value === 'number' ? `<= ${value}` : undefined;
    case 'mustBeBetween':
      return pair && pair.every(Boolean) ? `BETWEEN ${pair[0]} AND ${pair[1]}` : undefined;
    case 'mustNotBeBetween':
      return pair && pair.every(Boolean) ? `NOT BETWEEN ${pair[0]} AND ${pair[1]}` : undefined;
  }
}

function libraryCheck(
  rule: OdcsRule,
  scope: RuleScope,
  operator: Operator,
  compared: string,
): { check: QualityCheckSpec; used: string[] } | undefined {
  const metric = typeof rule.metric === 'string' ? rule.metric : typeof rule.rule === 'string' ? rule.rule : undefined;
  const metricKey = rule.metric !== undefined ? 'metric' : 'rule';
  if (!metric || !(METRICS as readonly string[]).includes(metric)) return undefined;
  const args = (typeof rule.arguments === 'object' && rule.arguments !== null ? rule.arguments : {}) as Record<
    string,
    unknown
  >;
  const listed = Array.isArray(args.properties) ? args.properties.filter((p) => typeof p === 'string') : undefined;
  const columns = scope.column ? [scope.column] : (listed ?? []);
  const percent = rule.unit === 'percent';
  const value = rule[operator];
  const used = [
    metricKey,
    ...(rule.unit !== undefined && (rule.unit === 'percent' || rule.unit === 'rows') ? ['unit'] : []),
  ];
  const usedArgs = (...names: string[]) => (names.some((n) => args[n] !== undefined) ? ['arguments'] : []);
  const zero = operator === 'mustBe' && value === 0 && !percent;
  const on = scope.column ? { column: scope.column } : columns.length ? { columns } : undefined;

  if (metric === 'rowCount') {
    const bounds = rowCountBounds(operator, value);
    if (bounds) return { check: { type: 'row_count', ...bounds }, used };
  }
  if (on && zero && metric === 'nullValues')
    return { check: { type: 'not_null', ...on }, used: [...used, ...usedArgs('properties')] };
  if (on && zero && metric === 'duplicateValues' && columns.every((c) => scope.required?.has(c)))
    return { check: { type: 'unique', ...on }, used: [...used, ...usedArgs('properties')] };
  if (
    scope.column &&
    percent &&
    metric === 'nullValues' &&
    operator === 'mustBeLessOrEqualTo' &&
    typeof value === 'number'
  )
    return {
      check: { type: 'null_rate', column: scope.column, threshold: Number((value / 100).toPrecision(12)) },
      used,
    };
  const validValues = Array.isArray(args.validValues) ? args.validValues : undefined;
  if (scope.column && zero && metric === 'invalidValues' && validValues?.every(isScalar) && args.pattern === undefined)
    return {
      check: { type: 'accepted_values', column: scope.column, values: validValues as (string | number | boolean)[] },
      used: [...used, 'arguments'],
    };
  if (scope.column && zero && metric === 'invalidValues' && typeof args.pattern === 'string' && !validValues)
    return { check: { type: 'regex', column: scope.column, pattern: args.pattern }, used: [...used, 'arguments'] };
  const expression = metricExpression(metric, columns, args, percent);
  if (!expression) return undefined;
  return {
    check: {
      type: 'sql',
      sql: `SELECT value FROM (SELECT ${expression} AS value FROM snapshot) AS metric WHERE NOT coalesce(value ${compared}, false)`,
    },
    used: [...used, ...usedArgs('properties', 'validValues', 'missingValues', 'pattern')],
  };
}

function rowCountBounds(operator: Operator, value: unknown): { min?: number; max?: number } | undefined {
  const whole = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
  switch (operator) {
    case 'mustBe':
      return whole(value) ? { min: value, max: value } : undefined;
    case 'mustBeGreaterThan':
      return whole(value) ? { min: value + 1 } : undefined;
    case 'mustBeGreaterOrEqualTo':
      return whole(value) ? { min: value } : undefined;
    case 'mustBeLessThan':
      return whole(value) ? { max: value - 1 } : undefined;
    case 'mustBeLessOrEqualTo':
      return whole(value) ? { max: value } : undefined;
    case 'mustBeBetween':
      return Array.isArray(value) && whole(value[0]) && whole(value[1]) ? { min: value[0], max: value[1] } : undefined;
    default:
      return undefined;
  }
}

/** The aggregate a metric counts over the snapshot (as a percentage of the rows with unit percent). */
function metricExpression(
  metric: string,
  columns: readonly string[],
  args: Record<string, unknown>,
  percent: boolean,
): string | undefined {
  const q = (c: string) => `"${c.replace(/"/g, '""')}"`;
  const text = (c: string) => `CAST(${q(c)} AS VARCHAR)`;
  const list = (values: unknown[]) =>
    values
      .filter(isScalar)
      .map((v) => `'${String(v).replace(/'/g, "''")}'`)
      .join(', ');
  let count: string | undefined;
  if (metric === 'rowCount') return 'count(*)';
  if (columns.length === 0) return undefined;
  if (metric === 'nullValues') count = `count(*) FILTER (WHERE ${columns.map((c) => `${q(c)} IS NULL`).join(' OR ')})`;
  if (metric === 'duplicateValues')
    count =
      columns.length === 1
        ? `count(${q(columns[0])}) - count(DISTINCT ${q(columns[0])})`
        : `count(*) - count(DISTINCT row(${columns.map(q).join(', ')}))`;
  if (metric === 'missingValues' && columns.length === 1) {
    const missing = Array.isArray(args.missingValues) ? args.missingValues : [null, ''];
    const values = list(missing);
    count = `count(*) FILTER (WHERE ${q(columns[0])} IS NULL${values ? ` OR ${text(columns[0])} IN (${values})` : ''})`;
  }
  if (metric === 'invalidValues' && columns.length === 1) {
    const conditions: string[] = [];
    if (Array.isArray(args.validValues)) {
      const values = list(args.validValues);
      conditions.push(values ? `${text(columns[0])} NOT IN (${values})` : 'true');
    }
    if (typeof args.pattern === 'string')
      conditions.push(`NOT regexp_matches(${text(columns[0])}, '${args.pattern.replace(/'/g, "''")}')`);
    if (conditions.length === 0) return undefined;
    count = `count(*) FILTER (WHERE ${q(columns[0])} IS NOT NULL AND (${conditions.join(' OR ')}))`;
  }
  if (!count) return undefined;
  return percent ? `100.0 * (${count}) / nullif(count(*), 0)` : count;
}

/** ODCS placeholders: the object (`${table}`, `${object}`) is the snapshot, `${column}`/`${property}` the rule's column. */
function placeholders(query: string, column: string | undefined): string {
  let out = query.replace(/\$?\{(table|object)\}/g, 'snapshot');
  if (column) out = out.replace(/\$?\{(column|property)\}/g, `"${column}"`);
  return out;
}

function documentation(rule: OdcsRule, scope: RuleScope): string {
  const where = scope.column ? `column ${scope.column}` : 'the product';
  const head = [rule.name, rule.dimension, rule.type === 'custom' ? `engine ${String(rule.engine)}` : undefined]
    .filter((x) => typeof x === 'string')
    .join(', ');
  const lines = [
    `- ${where}${head ? ` (${head})` : ''}: ${typeof rule.description === 'string' ? rule.description : '(no description)'}`,
  ];
  const shown = new Set(['name', 'dimension', 'type', 'engine', 'description', 'implementation']);
  const rest = Object.entries(rule).filter(([k]) => !shown.has(k));
  if (rest.length)
    lines.push(`  ${rest.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('; ')}`);
  if (rule.implementation !== undefined) {
    const impl =
      typeof rule.implementation === 'string' ? rule.implementation : JSON.stringify(rule.implementation, null, 2);
    lines.push(
      '',
      '  ```',
      ...impl
        .trimEnd()
        .split('\n')
        .map((l) => `  ${l}`),
      '  ```',
    );
  }
  return lines.join('\n');
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function pct(v: number | undefined): string {
  return `${Number(((v ?? 0) * 100).toPrecision(12))}%`;
}

function stripUndefined<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
