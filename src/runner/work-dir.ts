import { accessSync, constants, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The run's scratch folder lives inside the warehouse so that moving the finished snapshot
 * into place is a rename on one filesystem. Leftovers of this product's dead runs (we hold
 * the lock, so no live run owns them) are removed first.
 */
export function prepareWorkDir(warehouseDir: string, productId: string, runId: string): string {
  // Said as the mount's problem (EROFS, EACCES), not as the ENOENT a recursive mkdir reports there.
  if (existsSync(warehouseDir)) accessSync(warehouseDir, constants.W_OK);
  const root = join(warehouseDir, '.work');
  const prefix = workDirPrefix(productId);
  if (existsSync(root)) {
    for (const entry of readdirSync(root))
      if (entry.startsWith(prefix)) rmSync(join(root, entry), { recursive: true, force: true });
  }
  const dir = workDirOf(warehouseDir, productId, runId);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Where a recorded run's scratch folder is (created by prepareWorkDir once the run holds its lock). */
export function workDirOf(warehouseDir: string, productId: string, runId: string): string {
  return join(warehouseDir, '.work', `${workDirPrefix(productId)}${runId}`);
}

function workDirPrefix(productId: string): string {
  return `${productId.replace('/', '__')}--`;
}
