/**
 * The warehouse layout, as keys of the store (warehouse/warehouse-store.ts):
 * `<domain>/<name>/v<major>/snapshots/<snapshotId>/data.parquet` (immutable once put; its masked
 * copies beside it). Which snapshot is current is the registry's to say (`current_snapshots`,
 * moved in the transaction that records the run's success), so every reader resolves it with
 * `readCurrentSnapshot`. `current.json` beside `snapshots/` follows it as a convenience for
 * tools that read the folder; it is written after the registry commit and repaired by the
 * next run.
 */
import { getCurrentSnapshot } from '../registry/operations/runs/current-snapshot.js';
import type { ColumnSpec } from '../descriptor/data-product-schema.js';
import { maskedCopyName } from '../engine/masked-copy.js';
import type { Registry } from '../registry/registry.js';
import type { WarehouseStore } from './warehouse/warehouse-store.js';
import { pointerKey, pointerText, snapshotKey, type SnapshotPointer } from './warehouse/warehouse-layout.js';

export {
  pointerKey,
  productPrefix,
  snapshotKey,
  snapshotPrefix,
  snapshotsPrefix,
  type SnapshotPointer,
} from './warehouse/warehouse-layout.js';

// The local store's layout read and written directly, for tests and tools over a local warehouse folder.
export {
  productWarehouseDir,
  readCurrentPointer,
  snapshotFile,
  writeCurrentPointer,
} from './warehouse/local-warehouse-store.js';

export interface CurrentSnapshot extends SnapshotPointer {
  /** The snapshot's key in the store. */
  readonly key: string;
  /** A local path of the snapshot's parquet file, for DuckDB (the store's `localPath`, resolved on read). */
  readonly file: string;
}

/** The current snapshot of a product's major as the registry committed it (undefined before the first publication). */
export async function readCurrentSnapshot(
  registry: Registry,
  store: WarehouseStore,
  productId: string,
  major: number,
): Promise<CurrentSnapshot | undefined> {
  const current = await getCurrentSnapshot(registry, productId, major);
  return current ? located(store, productId, major, current) : undefined;
}

/** What `current.json` says: a convenience copy of the registry's pointer, which may lag it after a crash. */
export async function readPointer(
  store: WarehouseStore,
  productId: string,
  major: number,
): Promise<CurrentSnapshot | undefined> {
  const text = await store.readText(pointerKey(productId, major));
  return text === undefined ? undefined : located(store, productId, major, JSON.parse(text) as SnapshotPointer);
}

export async function writePointer(
  store: WarehouseStore,
  productId: string,
  major: number,
  pointer: SnapshotPointer,
): Promise<void> {
  await store.replaceText(pointerKey(productId, major), pointerText(pointer));
}

/**
 * The key of the snapshot's masked copy for exactly these columns and this key, when its run
 * wrote one (engine/masked-copy.ts); a copy under another key or classification is not found.
 */
export async function findMaskedCopy(
  store: WarehouseStore,
  snapshot: CurrentSnapshot,
  columns: readonly ColumnSpec[],
  hashKey: string,
): Promise<string | undefined> {
  const name = maskedCopyName(columns, hashKey);
  if (!name) return undefined;
  const key = `${snapshot.key.slice(0, snapshot.key.lastIndexOf('/') + 1)}${name}`;
  return (await store.stat(key)) ? key : undefined;
}

async function located(
  store: WarehouseStore,
  productId: string,
  major: number,
  pointer: SnapshotPointer,
): Promise<CurrentSnapshot> {
  const key = snapshotKey(productId, major, pointer.snapshotId);
  const { snapshotId, version, runId, rows, publishedAt } = pointer;
  return { snapshotId, version, runId, rows, publishedAt, key, file: await store.localPath(key) };
}
