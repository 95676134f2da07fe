/**
 * A query result written as a Parquet file with the engine's own column types: the rows go to
 * a temporary NDJSON file as they arrive (bounded memory), then one DuckDB COPY reads it with
 * the declared types and writes the Parquet file. Runs where the result is read (the CLI),
 * so it works the same in local and server mode.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { openEngine } from '../engine/duckdb-engine.js';
import { quoteIdent, quoteLiteral } from '../engine/sql-text.js';
import type { QueryColumn } from './run-query.js';

export async function writeParquet(
  file: string,
  columns: readonly QueryColumn[],
  batches: AsyncIterable<readonly unknown[][]>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-query-parquet-'));
  try {
    const staged = join(dir, 'rows.ndjson');
    const out = createWriteStream(staged);
    for await (const batch of batches) {
      const text = batch
        .map((row) => JSON.stringify(Object.fromEntries(columns.map((c, i) => [c.name, row[i]]))))
        .join('\n');
      if (text && !out.write(`${text}\n`)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'close');
    const engine = await openEngine({ threads: 1 });
    try {
      const types = columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.type)}`).join(', ');
      const names = columns.map((c) => quoteIdent(c.name)).join(', ');
      await engine.connection.run(
        `COPY (SELECT ${names || '*'} FROM read_json(${quoteLiteral(staged)}, format = 'newline_delimited', columns = {${types}}))
           TO ${quoteLiteral(resolve(file))} (FORMAT parquet, COMPRESSION snappy)`,
      );
    } finally {
      engine.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
