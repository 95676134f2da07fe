/**
 * The lineage graph kept in step: a publication rewrites the product's declared edges (when
 * the version is the product's latest), a run records the product's status and the datasets
 * its source inputs resolved to. Recording never fails a run.
 */
import type { MeshConfig } from '../core/mesh-config.js';
import type { DataProduct } from '../descriptor/data-product-schema.js';
import type { Registry, RegistryTx } from '../registry/registry.js';
import { recordRunLineage } from '../registry/operations/lineage/record-run-lineage.js';
import { writeProductLineage } from '../registry/operations/lineage/write-lineage.js';
import { runTenancy, tenantEnvironment } from '../runner/run-tenancy.js';
import type { RunOutcome } from '../runner/run-outcome.js';
import { resolveSourceDatasets, type ResolvedSource } from './source-datasets.js';

/** Inside the publishing transaction: an older major's fix does not rewrite the latest version's edges. */
export async function writeLatestLineage(
  tx: RegistryTx,
  created: { product: string; version: string },
  descriptor: DataProduct,
): Promise<void> {
  const row = await tx
    .selectFrom('products')
    .select('latest_version')
    .where('id', '=', created.product)
    .executeTakeFirst();
  if (row?.latest_version === created.version) await writeProductLineage(tx, descriptor);
}

/** The source datasets of a run, resolved in the domain's scope (what the run itself may resolve). */
export function runSourceDatasets(
  config: MeshConfig,
  descriptor: DataProduct,
  env: NodeJS.ProcessEnv,
  baseDir: string,
): Promise<ResolvedSource[]> {
  const scoped = tenantEnvironment(env, runTenancy(config, descriptor.metadata.domain));
  return resolveSourceDatasets(descriptor, scoped, baseDir);
}

export async function recordRunOnGraph(
  registry: Registry,
  outcome: RunOutcome,
  sources: Promise<ResolvedSource[]>,
): Promise<void> {
  try {
    await recordRunLineage(registry, {
      product: outcome.product.split('@')[0],
      runId: outcome.runId,
      status: outcome.status,
      finishedAt: outcome.finishedAt,
      failingChecks: outcome.checks.filter((c) => c.status === 'fail').length,
      resolved: outcome.status === 'succeeded' ? await sources : [],
    });
  } catch {
    /* the graph catches up at the next run; a run never fails for it */
  }
}
