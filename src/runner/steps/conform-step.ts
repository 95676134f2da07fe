/**
 * Conform: the declared non-nullable columns hold no nulls. Reads the snapshot file's footer
 * statistics first (null counts, exact numeric ranges), which also settle some checks without a scan.
 */
import { InputError } from '../../core/errors.js';
import { countNulls } from '../../engine/quality-checks.js';
import { readSnapshotStats } from '../../engine/snapshot-stats.js';
import { engineOf, type RunContext } from '../run-context.js';
import { timedStep } from '../run-step.js';

export async function conformStep(ctx: RunContext): Promise<void> {
  const engine = engineOf(ctx);
  const columns = ctx.product.spec.schema.columns;
  const stats = await readSnapshotStats(engine, ctx.candidate, columns);
  ctx.stats = stats;
  await timedStep(ctx, 'conform', async () => {
    const required = columns.filter((c) => c.nullable === false);
    if (required.length === 0) return;
    const nulls = await countNulls(
      engine,
      required.map((c) => c.name),
      stats,
    );
    const bad = required.map((c) => ({ name: c.name, nulls: nulls.get(c.name)! })).filter((c) => c.nulls > 0);
    if (bad.length > 0)
      throw new InputError(
        `non-nullable column(s) hold nulls: ${bad.map((c) => `"${c.name}" (${c.nulls} null${c.nulls === 1 ? '' : 's'})`).join(', ')}`,
      );
  });
}
