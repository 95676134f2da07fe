/**
 * The product page's ready-to-copy query, and the same query run through POST /v1/query: what
 * the page shows is exactly what `mesh query` answers the caller (masked as their grant says).
 */
import { useState } from 'react';
import { savedToken } from './api';

/** `domain.product` as SQL names it: `-` becomes `_`. */
export function sqlName(domain: string, name: string): string {
  return `${domain.replace(/-/g, '_')}.${name.replace(/-/g, '_')}`;
}

interface Answer {
  readonly columns: ReadonlyArray<{ name: string; type: string }>;
  readonly rows: unknown[][];
  readonly truncated: boolean;
}

async function runQuery(sql: string): Promise<Answer> {
  const res = await fetch('/v1/query', {
    method: 'POST',
    headers: { authorization: `Bearer ${savedToken() ?? ''}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql, limit: 10, format: 'ndjson' }),
  });
  const text = await res.text();
  if (!res.ok) {
    const error = (JSON.parse(text) as { error?: { message?: string; details?: { hint?: string } } }).error;
    const hint = error?.details?.hint ? ` — ${error.details.hint}` : '';
    throw new Error(`${error?.message ?? `${res.status} ${res.statusText}`}${hint}`);
  }
  const lines = text.split('\n').filter((l) => l !== '');
  let columns: Answer['columns'] = [];
  const rows: unknown[][] = [];
  let truncated = false;
  for (const line of lines) {
    const value = JSON.parse(line) as unknown;
    if (Array.isArray(value)) rows.push(value);
    else if (value && typeof value === 'object') {
      const o = value as {
        columns?: Answer['columns'];
        summary?: { truncated?: boolean };
        error?: { message: string };
      };
      if (o.columns) columns = o.columns;
      if (o.summary) truncated = o.summary.truncated === true;
      if (o.error) throw new Error(o.error.message);
    }
  }
  return { columns, rows, truncated };
}

export function QuerySnippet({ domain, name }: { domain: string; name: string }) {
  const sql = `SELECT * FROM ${sqlName(domain, name)} LIMIT 10`;
  const command = `mesh query "${sql}"`;
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = () => {
    setError(null);
    runQuery(sql)
      .then(setAnswer)
      .catch((e: Error) => setError(e.message));
  };
  return (
    <section aria-labelledby="read-title">
      <h2 id="read-title">Read it</h2>
      <pre className="snippet" tabIndex={0}>
        <code>{command}</code>
      </pre>
      <button type="button" onClick={() => void navigator.clipboard?.writeText(command)}>
        Copy
      </button>{' '}
      <button type="button" onClick={run}>
        Run it here
      </button>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {answer && (
        <table aria-label="query result">
          <thead>
            <tr>
              {answer.columns.map((c) => (
                <th key={c.name} scope="col">
                  {c.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {answer.rows.map((row, i) => (
              <tr key={i}>
                {row.map((cell, j) => (
                  <td key={j}>{cell === null ? '' : String(cell)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
