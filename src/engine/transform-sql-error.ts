/**
 * The engine's error for a transform that does not bind or parse, as a user reads every
 * other mistake: `transform.sql:5:3: column "labl" not found; did you mean "label"?`.
 * DuckDB's message names its error class ("Binder Error: …"), lists candidates in its own
 * words and points with `LINE n:` and a caret; the position becomes the file's line and
 * column, and the known messages are reworded with a did-you-mean.
 */
import { didYouMean } from '../core/did-you-mean.js';
import { lineCol } from './sql-text.js';

export interface SqlErrorPosition {
  readonly line: number;
  readonly col: number;
}

/** `file:line:col: message` (or `file: message` when the engine gave no position). */
export function transformSqlError(engineMessage: string, sql: string, file: string): string {
  const position = sqlErrorPosition(engineMessage, sql);
  const where = position ? `${file}:${position.line}:${position.col}` : file;
  return `${where}: ${rewordSqlError(engineMessage)}`;
}

/**
 * A PostgreSQL error of the transform, located from the error's `position` (1-based, in the
 * text sent, where the transform starts after `prefixLength` characters), with its hint.
 */
export function postgresTransformSqlError(
  error: { message: string; position?: string; hint?: string },
  sql: string,
  file: string,
  prefixLength: number,
): string {
  const offset = error.position === undefined ? undefined : Number(error.position) - 1 - prefixLength;
  const inside = offset !== undefined && offset >= 0 && offset <= sql.length;
  const where = inside ? `${file}:${lineCol(sql, offset).line}:${lineCol(sql, offset).col}` : file;
  const hint = error.hint ? ` (${error.hint.replace(/\.$/, '')})` : '';
  return `${where}: ${error.message}${hint}`;
}

/** The 1-based line and column of DuckDB's `LINE n:` and caret, in `sql`. */
export function sqlErrorPosition(message: string, sql: string): SqlErrorPosition | undefined {
  const lines = message.split('\n');
  const at = lines.findIndex((l) => /^LINE \d+: /.test(l));
  if (at < 0) return undefined;
  const header = /^LINE (\d+): /.exec(lines[at])!;
  const line = Number(header[1]);
  const caret = lines[at + 1]?.indexOf('^') ?? -1;
  if (caret < 0) return { line, col: 1 };
  // The engine may show only a window of a long line ("...text..."): find it in the source line.
  const shown = lines[at].slice(header[0].length);
  const window = shown.replace(/^\.\.\./, '').replace(/\.\.\.$/, '');
  const source = sql.split('\n')[line - 1] ?? '';
  const start = source.indexOf(window);
  const trimmed = shown.startsWith('...') ? 3 : 0;
  const offset = start >= 0 ? start - trimmed : 0;
  return { line, col: Math.max(1, offset + caret - header[0].length + 1) };
}

interface Rewording {
  readonly pattern: RegExp;
  readonly say: (m: RegExpExecArray, rest: string) => string;
}

const REWORDINGS: readonly Rewording[] = [
  {
    // Table "o" / Values list "o" does not have a column named "x" … Candidate bindings: : "a", "b"
    pattern: /^Binder Error: (?:Table|Values list) "([^"]+)" does not have a column named "([^"]+)"/,
    say: (m, rest) => `column "${m[2]}" not found in ${m[1]}${suggest(m[2], candidates(rest, 'Candidate bindings'))}`,
  },
  {
    pattern: /^Binder Error: Referenced column "([^"]+)" not found in FROM clause!/,
    say: (m, rest) => `column "${m[1]}" not found${suggest(m[1], candidates(rest, 'Candidate bindings'))}`,
  },
  {
    pattern: /^Binder Error: Referenced table "([^"]+)" not found!/,
    say: (m, rest) => `no table or alias "${m[1]}" in the query${suggest(m[1], candidates(rest, 'Candidate tables'))}`,
  },
  {
    pattern: /^Catalog Error: Table with name (\S+) does not exist!/,
    say: (m, rest) => `no input or table named "${m[1]}"${engineSuggestion(rest)}`,
  },
  {
    pattern: /^Catalog Error: (Scalar|Aggregate|Table) Function with name (\S+) does not exist!/,
    say: (m, rest) => `no ${m[1].toLowerCase()} function named ${m[2]}${engineSuggestion(rest)}`,
  },
  {
    pattern: /^Parser Error: syntax error at or near (.+)$/m,
    say: (m) => `syntax error at or near ${m[1]}`,
  },
  {
    pattern: /^Parser Error: syntax error at end of input/,
    say: () => 'syntax error at the end of the query (something is missing: a closing bracket, a FROM)',
  },
];

/** DuckDB's message in a user's words: without its error class, its `LINE` excerpt and its layout. */
export function rewordSqlError(message: string): string {
  const body = message.split(/\n+LINE \d+: /)[0];
  for (const { pattern, say } of REWORDINGS) {
    const m = pattern.exec(body);
    if (m) return say(m, body.slice(m.index + m[0].length));
  }
  const plain = body.replace(/^[A-Z][A-Za-z ]*? Error: /, '').replace(/\s+/g, ' ');
  return plain.trim();
}

function candidates(text: string, label: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(label));
  return line ? [...line.matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
}

function suggest(word: string, options: readonly string[]): string {
  const guess = didYouMean(word, options);
  if (guess) return `; did you mean "${guess}"?`;
  return options.length > 0 ? ` (there are: ${options.join(', ')})` : '';
}

function engineSuggestion(text: string): string {
  const m = /Did you mean "([^"]+)"\?/.exec(text);
  return m ? `; did you mean "${m[1]}"?` : '';
}
