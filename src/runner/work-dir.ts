import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A recorded run's scratch folder: `<MESH_HOME>/work/<product>--<run id>`, on local disk and
 * out of the warehouse's keys (the run puts its finished files in the store). Leftovers of
 * this product's dead runs on this machine (we hold the lock, so no live run owns them) are
 * removed first.
 */
export function prepareWorkDir(home: string, productId: string, runId: string): string {
  const root = join(home, 'work');
  const prefix = workDirPrefix(productId);
  if (existsSync(root)) {
    for (const entry of readdirSync(root))
      if (entry.startsWith(prefix)) rmSync(join(root, entry), { recursive: true, force: true });
  }
  const dir = workDirOf(home, productId, runId);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Where a recorded run's scratch folder is (created by prepareWorkDir once the run holds its lock). */
export function workDirOf(home: string, productId: string, runId: string): string {
  return join(home, 'work', `${workDirPrefix(productId)}${runId}`);
}

function workDirPrefix(productId: string): string {
  return `${productId.replace('/', '__')}--`;
}
