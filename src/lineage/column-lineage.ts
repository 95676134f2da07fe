/**
 * Column lineage of a transform: for each output column, the input columns it derives from
 * and how (identity, transformation, aggregation), plus the input columns that shape the
 * whole result (filter, join, group by, window). Read from the engine's own parse of the SQL
 * (`engine/sql-ast.ts`); where the statement cannot be followed (CTEs, subqueries, set
 * operations, a column whose input is ambiguous) the column is `unknown` with the reason —
 * never a guess, never a crash.
 */
import { parseSql, type SqlAst } from '../engine/sql-ast.js';

import type {
  ColumnDerivation,
  ColumnLineage,
  DatasetKind,
  DerivationKind,
  InputColumn,
} from './lineage-graph-types.js';

export type { ColumnDerivation, ColumnLineage, DatasetKind, DerivationKind, InputColumn };

const AGGREGATES = new Set([
  'count',
  'count_star',
  'sum',
  'avg',
  'mean',
  'min',
  'max',
  'median',
  'mode',
  'first',
  'last',
  'any_value',
  'arg_min',
  'arg_max',
  'string_agg',
  'group_concat',
  'list',
  'array_agg',
  'bool_and',
  'bool_or',
  'bit_and',
  'bit_or',
  'stddev',
  'stddev_pop',
  'stddev_samp',
  'variance',
  'var_pop',
  'var_samp',
  'approx_count_distinct',
  'quantile',
  'quantile_cont',
  'quantile_disc',
  'histogram',
  'product',
  'fsum',
  'sumkahan',
  'entropy',
]);

type Node = Record<string, any>;

/** Lineage of `sql` onto the declared output columns, reading the named inputs. */
export async function columnLineage(
  sql: string,
  inputs: readonly string[],
  outputColumns: readonly string[],
): Promise<ColumnLineage> {
  const parsed = await parseSql(sql);
  if ('error' in parsed) return allUnknown(outputColumns, `the SQL could not be parsed: ${parsed.error}`);
  return lineageOf(parsed.ast, inputs, outputColumns);
}

export function lineageOf(ast: SqlAst, inputs: readonly string[], outputColumns: readonly string[]): ColumnLineage {
  if (ast.statements.length !== 1) return allUnknown(outputColumns, 'the transform is not one statement');
  const node = ast.statements[0].node as Node;
  if (node.type !== 'SELECT_NODE')
    return allUnknown(
      outputColumns,
      `a ${String(node.type)
        .toLowerCase()
        .replace(/_node$/, '')
        .replace(/_/g, ' ')} is not followed yet`,
    );
  if (node.cte_map?.map?.length)
    return allUnknown(outputColumns, 'WITH (common table expressions) is not followed yet');
  const scope = new Scope(inputs);
  const fromProblem = scope.read(node.from_table);
  if (fromProblem) return allUnknown(outputColumns, fromProblem);
  const dataset: ColumnLineage['dataset'] = [];
  const addDataset = (expr: unknown, kind: DatasetKind) => {
    for (const ref of refsOf(expr).refs) {
      const resolved = scope.resolve(ref);
      if ('input' in resolved) dataset.push({ ...resolved, kind });
    }
  };
  addDataset(node.where_clause, 'filter');
  addDataset(node.having, 'filter');
  addDataset(node.qualify, 'filter');
  for (const g of node.group_expressions ?? []) addDataset(g, 'group_by');
  for (const j of scope.joins) addDataset(j, 'join');
  for (const u of scope.using) for (const input of u.inputs) dataset.push({ input, column: u.column, kind: 'join' });

  const columns = new Map<string, ColumnDerivation>();
  const byPosition: ColumnDerivation[] = [];
  for (const expr of node.select_list ?? []) {
    if (expr.class === 'STAR') {
      if (scope.sources.length !== 1 || expr.relation_name || expr.exclude_list?.length || expr.replace_list?.length) {
        byPosition.push({
          column: '*',
          kind: 'unknown',
          inputs: [],
          reason: 'SELECT * over several inputs (or with EXCLUDE/REPLACE) is not expanded',
        });
        continue;
      }
      for (const name of outputColumns)
        if (!columns.has(name.toLowerCase()))
          columns.set(name.toLowerCase(), {
            column: name,
            kind: 'identity',
            inputs: [{ input: scope.sources[0], column: name }],
          });
      continue;
    }
    const name = expr.alias || (expr.class === 'COLUMN_REF' ? expr.column_names[expr.column_names.length - 1] : '');
    const derivation = derive(expr, scope, name);
    byPosition.push(derivation);
    if (name) columns.set(String(name).toLowerCase(), derivation);
  }
  const result = outputColumns.map((column, i) => {
    const found = columns.get(column.toLowerCase()) ?? (byPosition[i]?.column === '*' ? byPosition[i] : undefined);
    if (found) return { ...found, column };
    return { column, kind: 'unknown' as const, inputs: [], reason: 'no select-list item produces this column by name' };
  });
  return { columns: result, dataset: dedupe(dataset) };
}

function derive(expr: Node, scope: Scope, name: string): ColumnDerivation {
  const { refs, aggregate, opaque } = refsOf(expr);
  if (opaque) return { column: name, kind: 'unknown', inputs: [], reason: opaque };
  const inputs: InputColumn[] = [];
  for (const ref of refs) {
    const resolved = scope.resolve(ref);
    if ('reason' in resolved) return { column: name, kind: 'unknown', inputs: [], reason: resolved.reason };
    inputs.push(resolved);
  }
  const kind: DerivationKind = aggregate ? 'aggregation' : expr.class === 'COLUMN_REF' ? 'identity' : 'transformation';
  return { column: name, kind, inputs: dedupe(inputs) };
}

/** Column references under an expression, whether an aggregate is applied, or why it cannot be followed. */
function refsOf(expr: unknown): { refs: string[][]; aggregate: boolean; opaque?: string } {
  const refs: string[][] = [];
  let aggregate = false;
  let opaque: string | undefined;
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (!v || typeof v !== 'object') return;
    const n = v as Node;
    if (n.class === 'COLUMN_REF') {
      refs.push(n.column_names as string[]);
      return;
    }
    if (n.class === 'SUBQUERY') {
      opaque ??= 'a subquery is not followed yet';
      return;
    }
    if (n.class === 'STAR') {
      if (n.columns !== true) aggregate ||= false;
      return;
    }
    if (n.class === 'FUNCTION' && AGGREGATES.has(String(n.function_name).toLowerCase())) aggregate = true;
    if (n.class === 'WINDOW') aggregate = true;
    for (const [key, child] of Object.entries(n)) if (key !== 'query_location') walk(child);
  };
  walk(expr);
  return { refs, aggregate, opaque };
}

/** The relations of the FROM clause: alias → input. */
class Scope {
  readonly aliases = new Map<string, string>();
  readonly sources: string[] = [];
  readonly joins: unknown[] = [];
  readonly using: Array<{ column: string; inputs: string[] }> = [];
  private readonly known: Set<string>;

  constructor(inputs: readonly string[]) {
    this.known = new Set(inputs.map((i) => i.toLowerCase()));
  }

  /** Registers the relations; the reason when one cannot be followed. */
  read(table: Node | null | undefined): string | undefined {
    if (!table || table.type === 'EMPTY') return undefined;
    if (table.type === 'BASE_TABLE') {
      const name = String(table.table_name).toLowerCase();
      if (!this.known.has(name)) return `table ${table.table_name} is not an input of the product`;
      this.sources.push(name);
      this.aliases.set(String(table.alias || table.table_name).toLowerCase(), name);
      return undefined;
    }
    if (table.type === 'JOIN') {
      const before = this.sources.length;
      const problem = this.read(table.left) ?? this.read(table.right);
      if (table.condition) this.joins.push(table.condition);
      const joined = this.sources.slice(before);
      for (const u of table.using_columns ?? []) this.using.push({ column: String(u), inputs: joined });
      return problem;
    }
    return `a ${String(table.type).toLowerCase().replace(/_/g, ' ')} in FROM is not followed yet`;
  }

  resolve(names: string[]): InputColumn | { reason: string } {
    const column = names[names.length - 1];
    if (names.length >= 2) {
      const input = this.aliases.get(names[names.length - 2].toLowerCase());
      return input ? { input, column } : { reason: `${names.join('.')} names no relation of the FROM clause` };
    }
    if (this.sources.length === 1) return { input: this.sources[0], column };
    const using = this.using.find((u) => u.column.toLowerCase() === column.toLowerCase());
    if (using) return { input: using.inputs[0], column };
    return { reason: `column ${column} does not name its input and the query reads ${this.sources.length} inputs` };
  }
}

function allUnknown(columns: readonly string[], reason: string): ColumnLineage {
  return { columns: columns.map((column) => ({ column, kind: 'unknown', inputs: [], reason })), dataset: [] };
}

function dedupe<T extends InputColumn>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((x) => {
    const k = `${x.input}\u0000${x.column}\u0000${(x as { kind?: string }).kind ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
