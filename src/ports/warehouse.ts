/**
 * The warehouse layout: `<warehouse>/<domain>/<name>/v<major>/snapshots/<snapshotId>/data.parquet`
 * (immutable once written). Which snapshot is current is the registry's to say
 * (`current_snapshots`, moved in the transaction that records the run's success), so every
 * reader resolves it with `readCurrentSnapshot`. `current.json` beside `snapshots/` follows
 * it as a convenience for tools that read the folder; it is written after the registry
 * commit (write-to-temp + fsync + rename) and repaired by the next run.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { getCurrentSnapshot } from '../registry/operations/runs/current-snapshot.js';
import type { Registry } from '../registry/registry.js';

export interface CurrentSnapshot {
  readonly snapshotId: string;
  readonly version: string;
  readonly runId: string;
  readonly rows: number;
  readonly publishedAt: string;
  /** Absolute path of the snapshot's parquet file (resolved on read). */
  readonly file: string;
}

export function productWarehouseDir(warehouseDir: string, productId: string, major: number): string {
  const [domain, name] = productId.split('/');
  return join(warehouseDir, domain, name, `v${major}`);
}

export function snapshotFile(dir: string, snapshotId: string): string {
  return join(dir, 'snapshots', snapshotId, 'data.parquet');
}

/** The current snapshot of a product's major as the registry committed it (undefined before the first publication). */
export async function readCurrentSnapshot(
  registry: Registry,
  warehouseDir: string,
  productId: string,
  major: number,
): Promise<CurrentSnapshot | undefined> {
  const current = await getCurrentSnapshot(registry, productId, major);
  if (!current) return undefined;
  return { ...current, file: snapshotFile(productWarehouseDir(warehouseDir, productId, major), current.snapshotId) };
}

/** What `current.json` says: a convenience copy of the registry's pointer, which may lag it after a crash. */
export function readCurrentPointer(
  warehouseDir: string,
  productId: string,
  major: number,
): CurrentSnapshot | undefined {
  const dir = productWarehouseDir(warehouseDir, productId, major);
  let text: string;
  try {
    text = readFileSync(join(dir, 'current.json'), 'utf8');
  } catch {
    return undefined;
  }
  const pointer = JSON.parse(text) as Omit<CurrentSnapshot, 'file'>;
  return { ...pointer, file: snapshotFile(dir, pointer.snapshotId) };
}

export function writeCurrentPointer(dir: string, pointer: Omit<CurrentSnapshot, 'file'>): void {
  const tmp = join(dir, `current.json.${process.pid}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(
      fd,
      JSON.stringify(
        {
          snapshotId: pointer.snapshotId,
          version: pointer.version,
          runId: pointer.runId,
          rows: pointer.rows,
          publishedAt: pointer.publishedAt,
        },
        null,
        2,
      ),
    );
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, 'current.json'));
  try {
    const dirFd = openSync(dir, 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  } catch {
    /* directory fsync is not supported everywhere; the rename is still atomic */
  }
}
