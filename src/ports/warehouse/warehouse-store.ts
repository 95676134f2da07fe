/**
 * The warehouse as storage: immutable objects under keys, nothing else. The registry's
 * `current_snapshots` row is the commit point, so the store never has to rename, swap or
 * lock: a run builds its files in a local work folder, `putFile`s each one under its final
 * key before the registry commit (invisible until a registry row names it), and the pointer
 * object `current.json` is the one mutable key, a convenience written after the commit.
 * Keys are `/`-separated relative names (`sales/orders/v1/snapshots/<run id>/data.parquet`);
 * a prefix is a key ending in `/` (or `''`, the whole store).
 *
 * One implementation today: `local-warehouse-store.ts` (a local folder or a shared mount). An
 * object store implements the same operations (see ARCHITECTURE.md, "What the warehouse must
 * give"); `test/ports/warehouse-store.case.ts` is the conformance suite every one must pass.
 */
import type { Readable } from 'node:stream';

export interface StoredObject {
  readonly key: string;
  readonly size: number;
}

export interface WarehouseStore {
  /** Where the store is, as said in messages (no secrets). */
  readonly location: string;
  /** Fails when the store cannot take writes now, said as the storage's problem (read-only, no access). */
  checkWritable(): Promise<void>;
  /**
   * Publishes a finished local file under an immutable key: the object is whole or absent,
   * never partial, whatever happens to the writer. The same content again is a no-op (a
   * retried upload); other content under an existing key is refused (ConflictError). The
   * local file is handed over: it must not be changed after (a store may link it, not copy).
   */
  putFile(key: string, localFile: string): Promise<void>;
  /** A local file path holding the object, for DuckDB (the object itself on a filesystem; a cached download elsewhere). */
  localPath(key: string): Promise<string>;
  /** The object's bytes as a stream (downloads). */
  openRead(key: string): Promise<Readable>;
  /** The object, or undefined when no object has the key. */
  stat(key: string): Promise<StoredObject | undefined>;
  /** Every object under a prefix, in key order. */
  list(prefix: string): Promise<StoredObject[]>;
  /** Removes every object under a prefix (retention, dead runs' uploads); absent objects are no error. */
  deletePrefix(prefix: string): Promise<void>;
  /**
   * Removes writes under a prefix that never completed (a writer killed mid-put). The caller
   * vouches that no live writer puts under the prefix (it holds the product's run lock).
   */
  abandonIncomplete(prefix: string): Promise<void>;
  /** The text of a small mutable object (the `current.json` convenience pointer), or undefined. */
  readText(key: string): Promise<string | undefined>;
  /** Replaces a small mutable object whole (readers see the old or the new text). Only for convenience pointers. */
  replaceText(key: string, text: string): Promise<void>;
  /** Where a consumer finds the object (a port location: a path, a URL), no secrets. */
  describe(key: string): string;
}

/** A key as the store takes it: relative, `/`-separated, no empty, `.` or `..` part, no part the store reserves (a leading dot). */
export function checkedKey(key: string, what = 'key'): string {
  const parts = key.split('/');
  const bad = parts.some((p) => p === '' || p.startsWith('.') || p.includes('\\') || p.includes('\0'));
  if (bad) throw new Error(`not a warehouse ${what}: ${JSON.stringify(key)}`);
  return key;
}

/** A prefix: `''` (everything) or a key followed by `/`. */
export function checkedPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  if (!prefix.endsWith('/')) throw new Error(`not a warehouse prefix (it ends with /): ${JSON.stringify(prefix)}`);
  checkedKey(prefix.slice(0, -1), 'prefix');
  return prefix;
}
