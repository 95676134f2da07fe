/**
 * The warehouse layout: `<warehouse>/<domain>/<name>/v<major>/snapshots/<snapshotId>/data.parquet`
 * (immutable once written) and `current.json` beside `snapshots/`, the one pointer readers
 * follow. The pointer is replaced with write-to-temp + fsync + rename, so a reader sees the
 * old snapshot or the new one, never a half-written one, even if the process dies.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';

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

export function readCurrentSnapshot(
  warehouseDir: string,
  productId: string,
  major: number,
  productDir?: string,
): CurrentSnapshot | undefined {
  const dir = productDir ?? productWarehouseDir(warehouseDir, productId, major);
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
    writeSync(fd, JSON.stringify(pointer, null, 2));
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
