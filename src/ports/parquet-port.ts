/**
 * The parquet port: immutable snapshots in the warehouse store. It is also the platform's
 * system of record for a product's data (product inputs, incremental merges and stream diffs
 * read the current snapshot), so every run publishes through it even when the descriptor
 * declares no parquet port. Which snapshot is current is the registry's to say: `prepareFrom`
 * puts the run's finished files under their final, immutable keys (invisible: no registry
 * row names them yet), the run's registry transaction makes the snapshot current, and
 * `commit` (after that) writes the convenience `current.json` and removes the snapshots of
 * dead runs and those past `keep`. No rename, no listing by readers: what an object store gives.
 */
import { basename } from 'node:path';
import type { OutputPortSpec } from '../descriptor/data-product-schema.js';
import type { OutputPort, PreparedPublication, PublishContext } from './output-port.js';
import {
  productPrefix,
  readPointer,
  snapshotKey,
  snapshotPrefix,
  snapshotsPrefix,
  writePointer,
  type CurrentSnapshot,
} from './warehouse.js';
import type { WarehouseStore } from './warehouse/warehouse-store.js';

export const DEFAULT_KEEP = 5;

/** What the parquet port publishes of a run: local files, each put under `snapshots/<id>/<its name>`. */
export interface SnapshotFiles {
  /** The finished `data.parquet`. */
  readonly data: string;
  /** Files published with it (the masked copies), by their local paths. */
  readonly beside: readonly string[];
}

export class ParquetPort implements OutputPort {
  readonly type = 'parquet' as const;
  readonly name: string;
  readonly keep: number;

  /**
   * @param recorded the snapshot ids the registry recorded for the product: any other snapshot
   *   was put by a run that died before its registry commit (the caller holds the run lock, so
   *   no live run owns it).
   */
  constructor(
    readonly store: WarehouseStore,
    spec: OutputPortSpec | undefined,
    private readonly recorded: ReadonlySet<string>,
  ) {
    this.name = spec?.name ?? 'warehouse';
    this.keep = spec?.keep ?? DEFAULT_KEEP;
  }

  /** Puts the run's files under the snapshot's keys; returns a local path of the published data for the other ports. */
  async prepareFrom(
    files: SnapshotFiles,
    ctx: Omit<PublishContext, 'snapshotFile'>,
  ): Promise<{ file: string; publication: PreparedPublication }> {
    const { productId, major, snapshotId } = ctx;
    await this.removeUnrecorded(productId, major);
    const key = snapshotKey(productId, major, snapshotId);
    const location = { name: this.name, type: 'parquet', location: this.store.describe(key) };
    const publication: PreparedPublication = {
      location,
      commit: async () => {
        await writePointer(this.store, productId, major, ctx);
        await this.prune(productId, major, snapshotId);
        return location;
      },
      abort: async () => this.store.deletePrefix(snapshotPrefix(productId, major, snapshotId)),
    };
    try {
      await this.store.putFile(key, files.data);
      for (const file of files.beside)
        await this.store.putFile(`${snapshotPrefix(productId, major, snapshotId)}${basename(file)}`, file);
    } catch (e) {
      await publication.abort().catch(() => undefined);
      throw e;
    }
    return { file: await this.store.localPath(key), publication };
  }

  async prepare(ctx: PublishContext): Promise<PreparedPublication> {
    const { publication } = await this.prepareFrom({ data: ctx.snapshotFile, beside: [] }, ctx);
    return publication;
  }

  /** Snapshots the registry never recorded belong to runs that died before their commit: never visible, now removed. */
  private async removeUnrecorded(productId: string, major: number): Promise<void> {
    await this.store.abandonIncomplete(productPrefix(productId, major));
    for (const id of await this.snapshotIds(productId, major))
      if (!this.recorded.has(id)) await this.store.deletePrefix(snapshotPrefix(productId, major, id));
  }

  /** Keeps the current snapshot and the keep-1 recorded ones before it; removes the rest. */
  private async prune(productId: string, major: number, currentId: string): Promise<void> {
    const ids = await this.snapshotIds(productId, major);
    const older = ids.filter((id) => id < currentId && this.recorded.has(id));
    const kept = new Set([currentId, ...older.slice(Math.max(0, older.length - (this.keep - 1)))]);
    for (const id of ids) if (!kept.has(id)) await this.store.deletePrefix(snapshotPrefix(productId, major, id));
  }

  /** The snapshot ids that have objects in the store, sorted. */
  private async snapshotIds(productId: string, major: number): Promise<string[]> {
    const prefix = snapshotsPrefix(productId, major);
    const ids = new Set((await this.store.list(prefix)).map((o) => o.key.slice(prefix.length).split('/')[0]));
    return [...ids].sort();
  }
}

/**
 * Brings `current.json` in line with the registry's current snapshot (a run killed between
 * its registry commit and the pointer write left it behind). Called by the next run once it
 * holds the product's lock.
 */
export async function repairCurrentPointer(
  store: WarehouseStore,
  productId: string,
  major: number,
  current: CurrentSnapshot | undefined,
): Promise<void> {
  if (!current || !(await store.stat(current.key))) return;
  if ((await readPointer(store, productId, major))?.snapshotId === current.snapshotId) return;
  await writePointer(store, productId, major, current);
}
