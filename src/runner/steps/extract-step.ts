/**
 * Extract: every input made readable by the transform under its name, by the run's engine
 * (engines/): pulled into the embedded engine, or views in the PostgreSQL staging schema.
 */
import { runEngineOf, type RunContext } from '../run-context.js';
import { timedStep } from '../run-step.js';

export async function extractStep(ctx: RunContext, sql: string): Promise<void> {
  await timedStep(
    ctx,
    'extract',
    () => runEngineOf(ctx).stageInputs(ctx, sql),
    (n) => n,
  );
}

/** Rows read from the sources (product inputs excluded), for the row-count checks. */
export function sumRowsIn(ctx: RunContext): number {
  return ctx.product.spec.inputs
    .filter((i) => !i.product)
    .reduce((n, i) => n + (ctx.inputRecords.get(i.name)?.rowsIn ?? 0), 0);
}
