/**
 * Turning driver errors into messages a product owner can act on: which input, which host,
 * what the database said and where in the query, never the password.
 */
import { InputError, UnavailableError, type MeshError } from '../../core/errors.js';
import { lineCol } from '../last-run-param.js';
import { scrubSecret } from '../../core/resolve-env.js';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ECONNRESET',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
]);
const AUTH = new Set(['28P01', '28000', 'ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR']);

export function connectError(error: unknown, what: string, engine: string, host: string, url: string): MeshError {
  const e = error as { code?: string; message?: string };
  const said = scrubSecret(e.message ?? String(error), url);
  if (e.code && AUTH.has(e.code)) {
    return new UnavailableError(`${what}: ${engine} at ${host} refused the login: ${said}`, {
      details: { hint: 'check the user and password in the environment variable the connection refers to' },
    });
  }
  if (e.code && UNREACHABLE.has(e.code)) {
    return new UnavailableError(`${what}: cannot reach ${engine} at ${host} (${e.code})`, {
      details: { hint: 'is the database up, and is the host in the connection right?' },
    });
  }
  return new UnavailableError(`${what}: cannot connect to ${engine} at ${host}: ${said}`);
}

/** A query error with the position the database reported, mapped back into the user's query. */
export function queryError(
  error: unknown,
  what: string,
  engine: string,
  query: string,
  url: string,
  position?: number,
): MeshError {
  const said = scrubSecret((error as Error).message ?? String(error), url);
  const where = position !== undefined && position >= 0 ? lineCol(query, position) : undefined;
  const at = where ? ` (line ${where.line}, column ${where.col} of the source query)` : '';
  const lines = query.split('\n');
  const excerpt = where ? `\n  ${lines[where.line - 1]}\n  ${' '.repeat(Math.max(0, where.col - 1))}^` : '';
  return new InputError(`${what}: ${engine} rejected the source query: ${said}${at}${excerpt}`, {
    details: { position: where },
  });
}

/** `offset` when it falls inside the user's query, else undefined (the error is in the platform's wrapper around it). */
export function withinQuery(offset: number, query: string): number | undefined {
  return offset >= 0 && offset <= query.length ? offset : undefined;
}

/**
 * Where a MySQL/MariaDB syntax error is, as an offset in the statement `sent`: the server says
 * `… near 'rest of the text' at line N`; undefined when it says no such thing.
 */
export function mysqlErrorOffset(message: string, sent: string): number | undefined {
  const m = /near '([\s\S]*)' at line (\d+)$/.exec(message);
  // Nothing quoted: the statement ended early, at no place of the user's own text.
  if (!m || m[1] === '') return undefined;
  let lineStart = 0;
  for (let line = 1; line < Number(m[2]); line++) {
    const next = sent.indexOf('\n', lineStart);
    if (next < 0) return undefined;
    lineStart = next + 1;
  }
  const at = sent.indexOf(m[1], lineStart);
  return at < 0 ? undefined : at;
}

/**
 * The engine's error on a source row it could not read from the CSV a source is handed over
 * in, or from a CSV file input named by `file` (a row longer than the reader allows, a value
 * that does not fit its column's type, a wrong number of fields), or undefined for any other
 * error. The engine's own message quotes the raw row and the value, which may be personal
 * data, and suggests reader settings the user cannot change: this one names the input, the
 * row and the column, and shows no data.
 */
export function sourceRowError(error: unknown, what: string, file?: string): InputError | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const row = /CSV Error on Line: (\d+)/.exec(message)?.[1];
  if (!row) return undefined;
  // A source's rows come without a header, so its lines are its rows; a file's lines are named as such.
  const at = `${what}: ${file ? 'line' : 'row'} ${Number(row).toLocaleString('en-US')} of ${file ?? 'the source'}`;
  const fields = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  if (fields)
    return new InputError(
      `${at} has ${fields[2]} field(s) where ${file ? 'the header' : 'the source query'} has ${fields[1]}`,
    );
  const tooLong = /Maximum line size of (\d+) bytes exceeded\. Actual Size: ?(\d+) bytes/.exec(message);
  if (tooLong) {
    const [, limit, actual] = tooLong.map(Number);
    return new InputError(
      `${at} is ${actual.toLocaleString('en-US')} bytes long; a row may be at most ${limit.toLocaleString('en-US')} bytes (leave the long column out of the source query, or cut it down there)`,
    );
  }
  const conversion = /Error when converting column "((?:[^"]|"")*)"\. Could not convert string .* to '([^']+)'/.exec(
    message,
  );
  if (conversion) {
    const type = conversion[2];
    const why = type === 'DECIMAL' ? ' (NaN and infinities have no DECIMAL form)' : '';
    return new InputError(
      `${at}: a value of column "${conversion[1]}" cannot be read as ${type}${why}; the value is not shown, it may be personal data`,
    );
  }
  const reason = message
    .split('\n')
    .find((line, i) => i > 0 && line.trim() && !/^(Original Line|Possible Solution|\s)/.test(line));
  return new InputError(`${at} cannot be read${reason ? `: ${reason.replace(/"(?:[^"]|"")*"/g, '"…"')}` : ''}`);
}
