/**
 * Conform: the declared non-nullable columns hold no nulls. On the embedded engine the
 * snapshot file's footer statistics answer first (null counts, exact numeric ranges), which
 * also settle some checks without a scan.
 */
import { InputError } from '../../core/errors.js';
import { runEngineOf, type RunContext } from '../run-context.js';
import { timedStep } from '../run-step.js';

export async function conformStep(ctx: RunContext): Promise<void> {
  const columns = ctx.product.spec.schema.columns;
  const required = columns.filter((c) => c.nullable === false);
  await timedStep(ctx, 'conform', async () => {
    const nulls = await runEngineOf(ctx).countNulls(
      ctx,
      required.map((c) => c.name),
    );
    const bad = required.map((c) => ({ name: c.name, nulls: nulls.get(c.name)! })).filter((c) => c.nulls > 0);
    if (bad.length > 0)
      throw new InputError(
        `non-nullable column(s) hold nulls: ${bad.map((c) => `"${c.name}" (${c.nulls} null${c.nulls === 1 ? '' : 's'})`).join(', ')}`,
      );
  });
}
