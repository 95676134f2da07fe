/**
 * The seam between a run and where its SQL runs. The steps (extract → transform → conform →
 * audit → publish) call these in order; `duckdb` pulls the inputs into the embedded engine
 * (duckdb-run-engine.ts), `postgres` runs the transform and checks inside the database that
 * holds the inputs (postgres-run-engine.ts). Both leave the same thing behind: a candidate
 * snapshot the checks read as `snapshot`, and the parquet file the warehouse publishes.
 */
import type { DataProduct } from '../../descriptor/data-product-schema.js';

export type { RunEngine } from '../run-context.js';

/** Where a product's transform runs: its own name for transform errors. */
export function transformLabel(product: DataProduct): string {
  const transform = product.spec.transform;
  if (typeof transform === 'string') return transform;
  return transform ? 'transform (inline in the descriptor)' : 'the default transform';
}
