import type { Registry } from '../../registry.js';

export interface MajorStatus {
  /** active while any version of the major is active, else deprecated while any is deprecated, else retired. */
  readonly status: 'active' | 'deprecated' | 'retired';
  readonly sunsetAt: string | null;
}

/** Where a major version of a product stands in its lifecycle; undefined when it was never published. */
export async function majorStatus(
  registry: Registry,
  productId: string,
  major: number,
): Promise<MajorStatus | undefined> {
  const rows = await registry.db
    .selectFrom('product_versions')
    .select(['status', 'sunset_at'])
    .where('product_id', '=', productId)
    .where('major', '=', major)
    .execute();
  if (rows.length === 0) return undefined;
  const sunsetAt =
    rows
      .map((r) => r.sunset_at)
      .filter((s): s is string => Boolean(s))
      .sort()
      .at(-1) ?? null;
  if (rows.some((r) => r.status === 'active')) return { status: 'active', sunsetAt };
  if (rows.some((r) => r.status === 'deprecated')) return { status: 'deprecated', sunsetAt };
  return { status: 'retired', sunsetAt };
}
