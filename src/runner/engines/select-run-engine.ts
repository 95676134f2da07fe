import type { DataProduct } from '../../descriptor/data-product-schema.js';
import { duckdbRunEngine } from './duckdb-run-engine.js';
import { postgresRunEngine } from './postgres-run-engine.js';
import type { RunEngine } from './run-engine.js';

/** A fresh engine for one run of the product (`spec.engine`, DuckDB by default). */
export function selectRunEngine(product: DataProduct): RunEngine {
  return product.spec.engine === 'postgres' ? postgresRunEngine() : duckdbRunEngine();
}
