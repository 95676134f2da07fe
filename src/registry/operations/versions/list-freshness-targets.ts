import type { DataProduct } from '../../../descriptor/data-product-schema.js';
import type { Registry } from '../../registry.js';

/** The freshness target a product promised from a moment on: what its SLA history is judged by. */
export interface FreshnessTargetChange {
  readonly from: string;
  readonly target: string | null;
  readonly alertAfter: string | null;
}

/**
 * Every publication that set the product's freshness promise, oldest first. A version of an
 * older major published after a newer one (a patch kept until its sunset) does not change the
 * promise of the product, which follows its latest major.
 */
export async function listFreshnessTargets(registry: Registry, productId: string): Promise<FreshnessTargetChange[]> {
  const rows = await registry.db
    .selectFrom('product_versions')
    .select(['major', 'published_at', 'descriptor'])
    .where('product_id', '=', productId)
    .orderBy('published_at')
    .execute();
  return freshnessTargetsOf(
    rows.map((row) => ({
      major: Number(row.major),
      publishedAt: row.published_at,
      descriptor: JSON.parse(row.descriptor) as DataProduct,
    })),
  );
}

/** The same from versions already read (oldest first): the rule without the query. */
export function freshnessTargetsOf(
  versions: ReadonlyArray<{ major: number; publishedAt: string; descriptor: DataProduct }>,
): FreshnessTargetChange[] {
  const changes: FreshnessTargetChange[] = [];
  let latestMajor = -1;
  for (const row of versions) {
    if (row.major < latestMajor) continue;
    latestMajor = row.major;
    const freshness = row.descriptor.spec.freshness;
    changes.push({
      from: row.publishedAt,
      target: freshness?.target ?? null,
      alertAfter: freshness?.alert_after ?? null,
    });
  }
  return changes;
}
