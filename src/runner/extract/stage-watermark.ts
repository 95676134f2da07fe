import { quoteIdent } from '../../engine/sql-text.js';
import type { ExtractContext } from './extract-types.js';

/** Rows staged for an input and the max of its watermark column (a number, or a timestamp as text). */
export async function stageWatermark(
  ctx: ExtractContext,
): Promise<{ rows: number; watermark?: string | number | null }> {
  const wm = ctx.input.source?.watermark;
  const expr = wm ? `, max(${quoteIdent(wm)}) AS wm, typeof(max(${quoteIdent(wm)})) AS wm_type` : '';
  const [row] = await ctx.engine.rows(`SELECT count(*) AS n${expr} FROM ${quoteIdent(ctx.table)}`);
  const rows = Number(row.n);
  if (!wm) return { rows };
  const type = String(row.wm_type ?? '');
  const value = row.wm;
  if (value === null || value === undefined) return { rows, watermark: null };
  const numeric = /INT|DECIMAL|DOUBLE|FLOAT|NUMERIC/.test(type);
  return { rows, watermark: numeric ? Number(value) : String(value) };
}
