/**
 * Check samples are rows of the product (masked when the run stored them): shown only to
 * readers the decision allows, and each such read is in the audit log.
 */
import type { CheckResultRecord } from '../registry/operations/runs/run-records.js';
import type { Registry } from '../registry/registry.js';
import { piiColumns } from '../engine/masked-select.js';
import { authorizeRead, logRead } from './authorize-read.js';
import type { AccessScope } from './principal.js';

/** A check result as a reader sees it: `samplesWithheld` says why there are none to see. */
export type CheckResultView = CheckResultRecord & { readonly samplesWithheld?: string };

export async function guardCheckSamples(
  registry: Registry,
  scope: AccessScope | undefined,
  ref: string,
  results: readonly CheckResultRecord[],
): Promise<CheckResultView[]> {
  const withSamples = results.filter((r) => r.samples && r.samples.length > 0);
  if (withSamples.length === 0) return [...results];
  const withhold = (why: string) =>
    results.map((r) => (r.samples && r.samples.length > 0 ? { ...r, samples: null, samplesWithheld: why } : r));
  if (!scope) return withhold('sample rows are shown only to a reader of the product');
  const started = performance.now();
  const { target, decision } = await authorizeRead(registry, scope, ref);
  const rows = withSamples.reduce((n, r) => n + (r.samples?.length ?? 0), 0);
  await logRead(registry, decision, 'checks', {
    maskedColumns: piiColumns(target.columns).map((c) => c.name),
    rows: decision.allowed ? rows : null,
    durationMs: performance.now() - started,
  });
  if (decision.allowed) return [...results];
  return withhold(`${decision.reason}; ${decision.requestCommand}`);
}
