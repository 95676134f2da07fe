import { LocalWarehouseStore } from './local-warehouse-store.js';
import type { WarehouseStore } from './warehouse-store.js';

/**
 * The platform's warehouse store for its configured location: the one place an
 * implementation is chosen (a local folder or shared mount today; an object store's URL
 * would be told apart here).
 */
export function openWarehouseStore(warehouseDir: string): WarehouseStore {
  return new LocalWarehouseStore(warehouseDir);
}
