/**
 * File inputs (CSV, Parquet, JSON), read by DuckDB directly. `${VAR}` references are
 * expanded, so a published product can locate its files through the environment; relative
 * paths resolve against the descriptor's folder (local runs) or the working directory.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { InputError } from '../../core/errors.js';
import { quoteIdent, quoteLiteral } from '../../engine/sql-text.js';
import { resolveEnvRefs } from '../resolve-env.js';
import type { ExtractContext, Extracted } from './extract-types.js';
import { stageWatermark } from './stage-watermark.js';

export async function extractFile(ctx: ExtractContext): Promise<Extracted> {
  const src = ctx.input.source!;
  const what = `input ${ctx.input.name}`;
  const raw = resolveEnvRefs(src.path ?? '', ctx.env, `${what}: the path`);
  const path = isAbsolute(raw) ? raw : resolve(ctx.baseDir, raw);
  if (!/[*?[]/.test(path) && !existsSync(path)) throw new InputError(`${what}: file ${raw} does not exist (looked in ${ctx.baseDir})`);
  const reader = src.format === 'parquet' ? 'read_parquet' : src.format === 'json' ? 'read_json_auto' : 'read_csv_auto';
  try {
    await ctx.engine.connection.run(`CREATE TABLE ${quoteIdent(ctx.table)} AS SELECT * FROM ${reader}(${quoteLiteral(path)})`);
  } catch (error) {
    throw new InputError(`${what}: cannot read ${raw} as ${src.format}: ${(error as Error).message.split('\n')[0]}`);
  }
  const staged = await stageWatermark(ctx);
  ctx.onRows?.(staged.rows);
  return { kind: 'file', ...staged };
}
