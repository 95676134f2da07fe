/**
 * The engine's own parse of a SQL text: DuckDB's `json_serialize_sql` in one small in-memory
 * instance per process (opened on first use; it does not keep the process alive), so lineage
 * reads the statement exactly as the transform will run it, never with a regex. Parsing runs
 * nothing and reads nothing. A text the parser refuses comes back as `{ error }`, never as an
 * exception.
 */
import { openEngine, type Engine } from './duckdb-engine.js';
import { quoteLiteral, stripTrailingSemicolon } from './sql-text.js';

export type SqlAst = { readonly statements: ReadonlyArray<{ readonly node: Record<string, unknown> }> };

export type ParsedSql = { readonly ast: SqlAst } | { readonly error: string };

let parser: Promise<Engine> | undefined;

export async function parseSql(sql: string): Promise<ParsedSql> {
  try {
    parser ??= openEngine({ memoryLimit: '64MB', threads: 1 });
    const engine = await parser;
    const rows = await engine.rows(`SELECT json_serialize_sql(${quoteLiteral(stripTrailingSemicolon(sql))}) AS ast`);
    const parsed = JSON.parse(String(rows[0]?.ast)) as SqlAst & { error?: boolean; error_message?: string };
    if (parsed.error) return { error: parsed.error_message ?? 'the SQL could not be parsed' };
    return { ast: parsed };
  } catch (error) {
    parser = undefined;
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
