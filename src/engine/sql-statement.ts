/**
 * What kind of SQL a user wrote, decided by DuckDB's own parser (`json_serialize_sql`), never
 * by pattern matching: a transform and a `sql` check must be exactly one SELECT (or WITH …
 * SELECT, VALUES, a set operation). Stacked statements, COPY, ATTACH, DDL, DML, SET, PRAGMA,
 * EXPLAIN and the like are refused before any of it runs. The text is handed to the parser as
 * a bound value, so it is never itself executed here.
 */
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../core/errors.js';

/** The top-level query node types a read-only SELECT serializes to. */
const QUERY_NODES = new Set(['SELECT_NODE', 'SET_OPERATION_NODE', 'RECURSIVE_CTE_NODE', 'CTE_NODE']);

export type StatementVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** `syntax`: the parser could not read it; `kind`: it reads, but is not one SELECT. */
      readonly reason: 'syntax' | 'kind';
      readonly message: string;
      /** 0-based offset in the text the parser pointed at, when it did. */
      readonly offset?: number;
    };

interface Serialized {
  readonly error?: boolean;
  readonly error_type?: string;
  readonly error_message?: string;
  readonly position?: string | number;
  readonly statements?: ReadonlyArray<{ readonly node?: { readonly type?: string } }>;
}

let parser: Promise<DuckDBConnection> | undefined;

/** One in-memory engine for parsing only, with no file or network access and its configuration locked. */
function parserConnection(): Promise<DuckDBConnection> {
  parser ??= (async () => {
    const instance = await DuckDBInstance.create(':memory:', {
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      enable_external_access: 'false',
      lock_configuration: 'true',
    });
    return instance.connect();
  })();
  return parser;
}

/** Exactly one read-only SELECT/WITH statement, or why not (with the parser's position). */
export async function classifySelect(sql: string): Promise<StatementVerdict> {
  const connection = await parserConnection();
  // The parser's statement count first, whatever their kinds (json_serialize_sql fails on the first non-SELECT).
  const count = await statementCount(connection, sql);
  if (count !== undefined && count > 1)
    return {
      ok: false,
      reason: 'kind',
      message: `${count} statements where exactly one SELECT is allowed`,
      offset: secondStatementOffset(sql),
    };
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS j', [sql]);
  const parsed = JSON.parse(String(reader.getRowObjectsJson()[0].j)) as Serialized;
  if (parsed.error) {
    const message = parsed.error_message ?? 'the statement cannot be read';
    if (parsed.error_type === 'parser')
      return { ok: false, reason: 'syntax', message, offset: offsetOf(parsed.position) };
    // json_serialize_sql serializes SELECTs only: anything else (COPY, ATTACH, SET, DML, DDL…) lands here.
    return { ok: false, reason: 'kind', message: onlySelect(sql) };
  }
  const statements = parsed.statements ?? [];
  if (statements.length === 0)
    return { ok: false, reason: 'kind', message: 'there is no statement, only comments or blanks' };
  if (statements.length > 1)
    return {
      ok: false,
      reason: 'kind',
      message: `${statements.length} statements where exactly one SELECT is allowed`,
      offset: secondStatementOffset(sql),
    };
  const type = statements[0].node?.type ?? '';
  if (!QUERY_NODES.has(type)) return { ok: false, reason: 'kind', message: onlySelect(sql) };
  return { ok: true };
}

/** How many statements the parser reads in `sql`, or undefined when it cannot read it at all. */
async function statementCount(connection: DuckDBConnection, sql: string): Promise<number | undefined> {
  try {
    return (await connection.extractStatements(sql)).count;
  } catch {
    return undefined;
  }
}

function onlySelect(sql: string): string {
  const first = /^\s*(?:--[^\n]*\n\s*|\/\*[\s\S]*?\*\/\s*)*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase();
  return `only one SELECT (or WITH … SELECT) is allowed here${first && first !== 'SELECT' && first !== 'WITH' ? `, not ${first}` : ''}`;
}

function offsetOf(position: string | number | undefined): number | undefined {
  const n = Number(position);
  return position === undefined || !Number.isFinite(n) ? undefined : n;
}

/**
 * Where the second statement starts, for the diagnostic's position only (the verdict itself is
 * the parser's): the first `;` outside quotes and comments.
 */
function secondStatementOffset(sql: string): number | undefined {
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      if (end < 0) return undefined;
      i = end + 1;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      if (end < 0) return undefined;
      i = end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) return undefined;
      i = end + 2;
    } else if (c === ';') {
      return i;
    } else i++;
  }
  return undefined;
}

/** 1-based line and column of a 0-based offset in `text`. */
export function positionIn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return { line: lines.length, col: lines[lines.length - 1].length + 1 };
}

/** Why `sql` is not one SELECT, as one line naming `what` and the position, or undefined when it is. */
export async function refusalOf(sql: string, what: string): Promise<string | undefined> {
  const verdict = await classifySelect(sql);
  if (verdict.ok) return undefined;
  const at =
    verdict.offset === undefined
      ? ''
      : (({ line, col }) => ` (line ${line}, column ${col})`)(positionIn(sql, verdict.offset));
  return `${what} must be exactly one SELECT: ${verdict.message}${at}`;
}

/** Refuses (InputError) anything but one SELECT before it runs: the run-time guard, whatever validation said. */
export async function assertOneSelect(sql: string, what: string): Promise<void> {
  const refusal = await refusalOf(sql, what);
  if (refusal)
    throw new InputError(refusal, {
      details: {
        hint: 'write one SELECT (or WITH … SELECT); COPY, ATTACH, SET, DDL, DML and several statements are refused',
      },
    });
}
