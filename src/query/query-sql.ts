/**
 * What a consumer's query is allowed to be, decided by the engine's own parser
 * (`json_serialize_sql`), never by pattern matching: exactly one SELECT (or WITH … SELECT),
 * reading only tables named `domain.product` (CTEs aside), calling no table function (no
 * `read_csv`, `read_parquet`, `glob`, `query`, `duckdb_settings`…) and none of the few scalar
 * functions that reveal the engine's environment. Anything else is a located diagnostic.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Diagnostic } from '../core/diagnostic.js';
import { quoteLiteral } from '../engine/sql-text.js';

/** The longest query text accepted, in characters. */
export const MAX_QUERY_LENGTH = 100_000;

/** Scalar functions that read the engine's environment or state rather than the data. */
const DENIED_FUNCTIONS = new Set(['getenv', 'getvariable', 'current_setting', 'current_database', 'current_schema']);

export interface TableReference {
  readonly catalog: string;
  readonly schema: string;
  readonly name: string;
  /** Offset of the reference in the query text. */
  readonly offset: number;
}

export interface QueryAnalysis {
  readonly references: TableReference[];
  readonly diagnostics: Diagnostic[];
}

interface SerializedSql {
  readonly error: boolean;
  readonly error_message?: string;
  readonly position?: string;
  readonly statements?: unknown[];
}

export async function analyseQuery(connection: DuckDBConnection, sql: string, file = 'query'): Promise<QueryAnalysis> {
  const at = (offset: number) => locate(sql, offset, file);
  if (sql.length > MAX_QUERY_LENGTH)
    return refused(
      'query-too-long',
      `the query is ${sql.length.toLocaleString('en')} characters; at most ${MAX_QUERY_LENGTH.toLocaleString('en')} are accepted`,
      at(0),
    );
  if (!sql.trim()) return refused('query-empty', 'the query is empty', at(0));
  const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS tree`);
  const tree = JSON.parse(String(reader.getRowObjectsJson()[0].tree)) as SerializedSql;
  if (tree.error) return parseFailure(tree, at);
  if ((tree.statements ?? []).length !== 1)
    return refused(
      'query-statements',
      `a query is exactly one SELECT statement; this text has ${(tree.statements ?? []).length}`,
      at(0),
    );
  return walkStatement(tree.statements![0], at);
}

function parseFailure(tree: SerializedSql, at: (offset: number) => Diagnostic['location']): QueryAnalysis {
  const message = tree.error_message ?? 'the query cannot be read';
  if (/only select statements/i.test(message))
    return refused(
      'query-not-select',
      'only a SELECT (or WITH … SELECT) is allowed: no COPY, ATTACH, SET, PRAGMA, INSTALL, LOAD, EXPORT, DDL or DML',
      at(0),
    );
  return refused('query-syntax', `the query does not parse: ${message}`, at(Number(tree.position ?? 0)));
}

function walkStatement(statement: unknown, at: (offset: number) => Diagnostic['location']): QueryAnalysis {
  const references: TableReference[] = [];
  const diagnostics: Diagnostic[] = [];
  const cteNames = new Set<string>();
  visit(statement, (node) => {
    const map = (node.cte_map as { map?: Array<{ key: string }> } | undefined)?.map;
    for (const entry of map ?? []) cteNames.add(entry.key.toLowerCase());
    if (node.type === 'TABLE_FUNCTION') {
      const fn = (node.function as { function_name?: string } | undefined)?.function_name ?? 'a table function';
      diagnostics.push(
        error('query-table-function', `${fn}() is not allowed: a query reads data products only`, at(offset(node))),
      );
    } else if (node.type === 'BASE_TABLE') {
      references.push({
        catalog: String(node.catalog_name ?? ''),
        schema: String(node.schema_name ?? ''),
        name: String(node.table_name ?? ''),
        offset: offset(node),
      });
    } else if (node.class === 'FUNCTION' && DENIED_FUNCTIONS.has(String(node.function_name).toLowerCase())) {
      diagnostics.push(
        error('query-function', `${String(node.function_name)}() is not allowed in a query`, at(offset(node))),
      );
    }
  });
  const tables = references.filter((r) => r.schema !== '' || r.catalog !== '' || !cteNames.has(r.name.toLowerCase()));
  return { references: tables, diagnostics };
}

function visit(value: unknown, onNode: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) {
    for (const item of value) visit(item, onNode);
  } else if (value !== null && typeof value === 'object') {
    onNode(value as Record<string, unknown>);
    for (const child of Object.values(value)) visit(child, onNode);
  }
}

function offset(node: Record<string, unknown>): number {
  const n = Number(node.query_location);
  return Number.isSafeInteger(n) ? n : 0;
}

/** 1-based line and column of a character offset. */
export function locate(text: string, at: number, file: string): { file: string; line: number; col: number } {
  const before = text.slice(0, Math.max(0, Math.min(at, text.length)));
  const lines = before.split('\n');
  return { file, line: lines.length, col: lines[lines.length - 1].length + 1 };
}

function error(code: string, message: string, location: Diagnostic['location']): Diagnostic {
  return { code, severity: 'error', message, location };
}

function refused(code: string, message: string, location: Diagnostic['location']): QueryAnalysis {
  return { references: [], diagnostics: [error(code, message, location)] };
}
