/**
 * File inputs (CSV, Parquet, JSON), read by DuckDB directly. `${VAR}` references are
 * expanded, so a published product can locate its files through the environment; relative
 * paths resolve against the descriptor's folder (local runs) or the working directory.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { InputError } from '../../core/errors.js';
import { quoteIdent, quoteLiteral } from '../../engine/sql-text.js';
import { resolveEnvRefs } from '../../core/resolve-env.js';
import { placeFile, rootsApply } from '../file-roots.js';
import type { ExtractContext, Extracted } from './extract-types.js';
import { sourceRowError } from './source-errors.js';
import { stageWatermark } from './stage-watermark.js';

export async function extractFile(ctx: ExtractContext): Promise<Extracted> {
  const src = ctx.input.source!;
  const what = `input ${ctx.input.name}`;
  // `shown` is what the descriptor says (a ${VAR} stays a reference); `raw` may hold an environment value.
  const shown = src.path ?? '';
  const raw = resolveEnvRefs(shown, ctx.env, `${what}: the path`);
  let path = isAbsolute(raw) ? raw : resolve(ctx.baseDir, raw);
  if (ctx.tenancy && rootsApply(ctx.tenancy.roots)) {
    const placed = placeFile(ctx.tenancy.roots, ctx.tenancy.domain, raw, ctx.baseDir, shown);
    if (!placed.ok) throw new InputError(`${what}: ${placed.message}`, { details: { hint: placed.hint } });
    if (placed.missing) throw new InputError(`${what}: file ${shown} does not exist`);
    path = placed.path;
  } else if (!/[*?[]/.test(path) && !existsSync(path))
    throw new InputError(`${what}: file ${shown} does not exist (looked in ${ctx.baseDir})`);
  const csv = src.format !== 'parquet' && src.format !== 'json';
  const read =
    src.format === 'parquet'
      ? `read_parquet(${quoteLiteral(path)})`
      : src.format === 'json'
        ? `read_json_auto(${quoteLiteral(path)})`
        : `read_csv(${quoteLiteral(path)}, ${CSV_LAYOUT})`;
  try {
    await ctx.engine.connection.run(`CREATE TABLE ${quoteIdent(ctx.table)} AS SELECT * FROM ${read}`);
  } catch (error) {
    throw (
      sourceRowError(error, what, shown) ??
      new InputError(
        `${what}: cannot read ${shown} as ${src.format ?? 'csv'}: ${(error as Error).message.split('\n')[0]}`,
      )
    );
  }
  if (csv) await refuseRaggedCsv(ctx, path, shown, what);
  const staged = await stageWatermark(ctx);
  ctx.onRows?.(staged.rows);
  return { kind: 'file', ...staged };
}

/**
 * A CSV file has a header and every line is a row. The sniffer still finds the delimiter, the
 * quoting and the types, but may not decide to skip lines or to do without the header: on a
 * ragged file it did both, silently reading the last line alone as the data.
 */
const CSV_LAYOUT = 'header = true, skip = 0';
const LIKELY_DELIMITERS = [',', ';', '\t', '|'];

/**
 * A CSV file whose rows do not all have the header's number of fields is taken by the sniffer
 * for a one-column file with some other delimiter, and the transform then fails on columns
 * that "do not exist". When the one column's name holds a likely delimiter, the file is read
 * again strictly with it: the engine's error names the line, and the run fails with it. A file
 * that really has one column (its quoted name holding the delimiter) passes.
 */
async function refuseRaggedCsv(ctx: ExtractContext, path: string, raw: string, what: string): Promise<void> {
  const columns = await ctx.engine.rows(`DESCRIBE ${quoteIdent(ctx.table)}`);
  if (columns.length !== 1) return;
  const header = String(columns[0].column_name);
  const [delimiter, count] = LIKELY_DELIMITERS.map((d) => [d, header.split(d).length - 1] as const).reduce((a, b) =>
    b[1] > a[1] ? b : a,
  );
  if (count === 0) return;
  // A one-column file whose (quoted) name holds the delimiter the sniffer chose is consistent.
  const [sniffed] = await ctx.engine
    .rows(`SELECT Delimiter AS d FROM sniff_csv(${quoteLiteral(path)}, ${CSV_LAYOUT})`)
    .catch(() => [undefined]);
  if (sniffed?.d === delimiter) return;
  const spec = Array.from({ length: count + 1 }, (_, i) => `'c${i}': 'VARCHAR'`).join(', ');
  try {
    await ctx.engine.rows(
      `SELECT count(*) AS n FROM read_csv(${quoteLiteral(path)}, ${CSV_LAYOUT}, delim = ${quoteLiteral(delimiter)}, quote = '"', auto_detect = false, columns = {${spec}})`,
    );
  } catch (error) {
    const mapped = sourceRowError(error, what, raw);
    if (mapped) throw mapped;
  }
}
