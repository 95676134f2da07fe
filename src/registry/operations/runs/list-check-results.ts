import type { Registry } from '../../registry.js';
import type { CheckResultRecord } from './run-records.js';

/** Check results of the product's last `runs` runs that reached the audit, newest first. */
export async function listCheckResults(
  registry: Registry,
  productId: string,
  options: { runs?: number } = {},
): Promise<CheckResultRecord[]> {
  const runIds = await registry.db
    .selectFrom('check_results')
    .select(['run_id', registry.db.fn.max('time').as('t')])
    .where('product_id', '=', productId)
    .groupBy('run_id')
    .orderBy('t', 'desc')
    .limit(options.runs ?? 10)
    .execute();
  if (runIds.length === 0) return [];
  const rows = await registry.db
    .selectFrom('check_results')
    .selectAll()
    .where(
      'run_id',
      'in',
      runIds.map((r) => r.run_id),
    )
    .orderBy('time', 'desc')
    .orderBy('run_id', 'desc')
    .orderBy('position')
    .execute();
  return rows.map((r) => ({
    runId: r.run_id,
    product: r.product_id,
    position: Number(r.position),
    name: r.name,
    type: r.type,
    severity: r.severity as 'error' | 'warn',
    status: r.status as 'pass' | 'fail',
    observed: r.observed === null ? null : JSON.parse(r.observed),
    threshold: r.threshold === null ? null : JSON.parse(r.threshold),
    message: r.message,
    samples: r.samples === null ? null : JSON.parse(r.samples),
    time: r.time,
  }));
}
