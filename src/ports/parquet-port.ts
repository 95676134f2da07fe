/**
 * The parquet port: immutable snapshot folders in the warehouse. It is also the platform's
 * system of record for a product's data (product inputs, incremental merges and stream diffs
 * read the current snapshot), so every run publishes through it even when the descriptor
 * declares no parquet port. Which folder is current is the registry's to say: `prepare` moves
 * the folder in (invisible: no registry row names it yet), the run's registry transaction
 * makes it current, and `commit` (after that) writes the convenience `current.json` and
 * removes the folders of dead runs and those past `keep`.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OutputPortSpec } from '../descriptor/data-product-schema.js';
import type { OutputPort, PreparedPublication, PublishContext } from './output-port.js';
import { productWarehouseDir, readCurrentPointer, writeCurrentPointer, type CurrentSnapshot } from './warehouse.js';

export const DEFAULT_KEEP = 5;

export class ParquetPort implements OutputPort {
  readonly type = 'parquet' as const;
  readonly name: string;
  readonly keep: number;

  /**
   * @param recorded the snapshot ids the registry recorded for the product: any other folder
   *   was moved in by a run that died before its registry commit (the caller holds the run
   *   lock, so no live run owns it).
   */
  constructor(
    readonly warehouseDir: string,
    spec: OutputPortSpec | undefined,
    private readonly recorded: ReadonlySet<string>,
  ) {
    this.name = spec?.name ?? 'warehouse';
    this.keep = spec?.keep ?? DEFAULT_KEEP;
  }

  /** Moves the candidate folder (holding data.parquet) into snapshots/<id>: on the same filesystem, a rename. */
  async prepareFrom(
    candidateDir: string,
    ctx: Omit<PublishContext, 'snapshotFile'>,
  ): Promise<{ file: string; publication: PreparedPublication }> {
    const dir = productWarehouseDir(this.warehouseDir, ctx.productId, ctx.major);
    const target = join(dir, 'snapshots', ctx.snapshotId);
    mkdirSync(dirname(target), { recursive: true });
    this.removeUnrecorded(dir);
    renameSync(candidateDir, target);
    const file = join(target, 'data.parquet');
    const location = { name: this.name, type: 'parquet', location: file };
    const publication: PreparedPublication = {
      location,
      commit: async () => {
        writeCurrentPointer(dir, ctx);
        this.prune(dir, ctx.snapshotId);
        return location;
      },
      abort: async () => rmSync(target, { recursive: true, force: true }),
    };
    return { file, publication };
  }

  async prepare(ctx: PublishContext): Promise<PreparedPublication> {
    const { publication } = await this.prepareFrom(dirname(ctx.snapshotFile), ctx);
    return publication;
  }

  /** Snapshot folders the registry never recorded belong to runs that died before their commit: never visible, now removed. */
  private removeUnrecorded(dir: string): void {
    for (const id of readdirSync(join(dir, 'snapshots')))
      if (!this.recorded.has(id)) rmSync(join(dir, 'snapshots', id), { recursive: true, force: true });
  }

  /** Keeps the current snapshot and the keep-1 recorded ones before it; removes the rest. */
  private prune(dir: string, currentId: string): void {
    const ids = readdirSync(join(dir, 'snapshots')).sort();
    const older = ids.filter((id) => id < currentId && this.recorded.has(id));
    const kept = new Set([currentId, ...older.slice(Math.max(0, older.length - (this.keep - 1)))]);
    for (const id of ids) if (!kept.has(id)) rmSync(join(dir, 'snapshots', id), { recursive: true, force: true });
  }
}

/**
 * Brings `current.json` in line with the registry's current snapshot (a run killed between
 * its registry commit and the pointer write left it behind). Called by the next run once it
 * holds the product's lock.
 */
export function repairCurrentPointer(
  warehouseDir: string,
  productId: string,
  major: number,
  current: CurrentSnapshot | undefined,
): void {
  if (!current || !existsSync(current.file)) return;
  if (readCurrentPointer(warehouseDir, productId, major)?.snapshotId === current.snapshotId) return;
  writeCurrentPointer(productWarehouseDir(warehouseDir, productId, major), current);
}
