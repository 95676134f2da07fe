/**
 * The parquet port: immutable snapshot folders in the warehouse and an atomically switched
 * `current.json`. It is also the platform's system of record for a product's data (product
 * inputs, incremental merges and stream diffs read the current snapshot), so every run
 * publishes through it even when the descriptor declares no parquet port.
 */
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { OutputPortSpec } from '../descriptor/data-product-schema.js';
import type { OutputPort, PreparedPublication, PublishContext } from './output-port.js';
import { productWarehouseDir, readCurrentSnapshot, writeCurrentPointer } from './warehouse.js';

export const DEFAULT_KEEP = 5;

export class ParquetPort implements OutputPort {
  readonly type = 'parquet' as const;
  readonly name: string;
  readonly keep: number;

  constructor(
    readonly warehouseDir: string,
    spec?: OutputPortSpec,
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
    this.removeUncommitted(dir);
    renameSync(candidateDir, target);
    const publication: PreparedPublication = {
      commit: async () => {
        writeCurrentPointer(dir, {
          snapshotId: ctx.snapshotId,
          version: ctx.version,
          runId: ctx.runId,
          rows: ctx.rows,
          publishedAt: ctx.publishedAt,
        });
        this.prune(dir, ctx.snapshotId);
        return { name: this.name, type: 'parquet', location: join(target, 'data.parquet') };
      },
      abort: async () => rmSync(target, { recursive: true, force: true }),
    };
    return { file: join(target, 'data.parquet'), publication };
  }

  async prepare(ctx: PublishContext): Promise<PreparedPublication> {
    const { publication } = await this.prepareFrom(dirname(ctx.snapshotFile), ctx);
    return publication;
  }

  /**
   * Snapshot folders newer than the current pointer were moved in by runs that died before
   * switching it (we hold the run lock, so no live run owns them): never visible, now removed.
   */
  private removeUncommitted(dir: string): void {
    const current = readCurrentSnapshot(this.warehouseDir, '', 0, dir)?.snapshotId ?? '';
    for (const id of readdirSync(join(dir, 'snapshots')))
      if (id > current) rmSync(join(dir, 'snapshots', id), { recursive: true, force: true });
  }

  /**
   * Keeps the current snapshot and the keep-1 before it. Folders newer than the current one
   * were prepared by runs that died before committing (we hold the run lock, so no live run
   * owns them): they are removed too.
   */
  private prune(dir: string, currentId: string): void {
    const ids = readdirSync(join(dir, 'snapshots')).sort();
    const older = ids.filter((id) => id < currentId);
    const kept = new Set([currentId, ...older.slice(Math.max(0, older.length - (this.keep - 1)))]);
    for (const id of ids) if (!kept.has(id)) rmSync(join(dir, 'snapshots', id), { recursive: true, force: true });
  }
}
