/**
 * Transform: the user's SQL (or the one input as is), conformed to the declared schema into
 * the candidate snapshot by the run's engine (engines/), which leaves `snapshot` for the checks.
 */
import { InputError } from '../../core/errors.js';
import { quoteIdent, stripTrailingSemicolon } from '../../engine/sql-text.js';
import type { PipelineDefinition } from '../run-context.js';
import { runEngineOf, type RunContext } from '../run-context.js';
import { timedStep } from '../run-step.js';

export async function transformStep(ctx: RunContext, sql: string): Promise<void> {
  ctx.rowsTransformed = await timedStep(
    ctx,
    'transform',
    () => runEngineOf(ctx).buildCandidate(ctx, sql),
    () => ctx.rowsOut ?? undefined,
  );
}

export function transformSqlOf(def: PipelineDefinition): string {
  if (def.transformSql && def.transformSql.trim()) return stripTrailingSemicolon(def.transformSql);
  if (def.product.spec.inputs.length === 1) return `SELECT * FROM ${quoteIdent(def.product.spec.inputs[0].name)}`;
  throw new InputError('a product with several inputs needs a transform');
}
