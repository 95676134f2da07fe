/** Audit: the product's quality checks on the candidate snapshot; a failed blocking check fails the run. */
import { nowMs, now } from '../../core/clock.js';
import { MeshError } from '../../core/errors.js';
import { runQualityChecks } from '../../engine/quality-checks.js';
import { recentRowCounts } from '../../registry/operations/runs/recent-row-counts.js';
import { runEngineOf, type RunContext } from '../run-context.js';
import { timedStep } from '../run-step.js';
import { sumRowsIn } from './extract-step.js';

export async function auditStep(ctx: RunContext): Promise<void> {
  const { def, registry } = ctx;
  await timedStep(ctx, 'audit', async () => {
    const since = new Date(nowMs() - 7 * 86_400_000).toISOString();
    ctx.checks = await runQualityChecks(
      await runEngineOf(ctx).checkEngine(ctx),
      ctx.product.spec.quality?.checks ?? [],
      ctx.product.spec.schema.columns,
      {
        rowsIn: sumRowsIn(ctx),
        rowsTransformed: ctx.rowsTransformed ?? 0,
        recentRowCounts: registry ? await recentRowCounts(registry, def.productId, def.major, since) : [],
        now: now(),
        stats: ctx.stats,
      },
    );
    const blocking = ctx.checks.filter((c) => c.status === 'fail' && c.severity === 'error');
    if (blocking.length > 0)
      throw new AuditFailed(
        `${blocking.length} blocking check(s) failed: ${blocking.map((c) => `${c.name}: ${c.message}`).join('; ')}`,
      );
  });
}

class AuditFailed extends MeshError {
  constructor(message: string) {
    super('input', message);
  }
}
