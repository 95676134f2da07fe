import { InputError, NotFoundError } from '../core/errors.js';
import type { ColumnSpec } from '../descriptor/data-product-schema.js';
import { parseProductRef, productId } from '../descriptor/product-ref.js';
import { getProduct, getVersion } from '../registry/operations/products/read-products.js';
import type { Registry } from '../registry/registry.js';
import type { ReadTarget } from './decide-read.js';

export interface ResolvedTarget extends ReadTarget {
  /** The latest version of the major: its classification decides what is masked. */
  readonly version: string;
  readonly columns: readonly ColumnSpec[];
}

/** `domain/name` (its latest major) or `domain/name@major`, as it stands in the catalog. */
export async function resolveReadTarget(registry: Registry, ref: string): Promise<ResolvedTarget> {
  const parsed = parseProductRef(ref);
  if (!parsed || parsed.version)
    throw new InputError(`"${ref}" is not a product to read; write domain/name or domain/name@major`);
  const id = productId(parsed.domain, parsed.name);
  const product = await getProduct(registry, id);
  if (!product)
    throw new NotFoundError(`no product ${id} in the catalog`, {
      details: { hint: 'mesh catalog search <text> finds products' },
    });
  const version = await getVersion(registry, id, { major: parsed.major });
  if (!version)
    throw new NotFoundError(`${id} has no major ${parsed.major}`, {
      details: { hint: `mesh versions ${id} lists its versions` },
    });
  return {
    product: id,
    domain: parsed.domain,
    major: version.major,
    version: version.version,
    columns: version.descriptor.spec.schema.columns,
  };
}

/**
 * The columns a read masks: each classified PII in the snapshot's own version or in the latest
 * version of the major (a reclassification applies to snapshots written before it).
 */
export async function classifiedColumns(
  registry: Registry,
  target: ResolvedTarget,
  snapshotVersion: string,
): Promise<ColumnSpec[]> {
  const written =
    snapshotVersion === target.version
      ? undefined
      : await getVersion(registry, target.product, { version: snapshotVersion });
  const byName = new Map<string, ColumnSpec>();
  for (const c of [...(written?.descriptor.spec.schema.columns ?? []), ...target.columns]) {
    const seen = byName.get(c.name);
    if (!seen || c.pii === 'direct' || c.pii === 'sensitive') byName.set(c.name, c);
  }
  return [...byName.values()];
}
