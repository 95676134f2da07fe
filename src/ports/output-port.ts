/**
 * One interface for every output port. Publication is two-phase: `prepare` does the slow,
 * invisible work (move files into place, load a staging table, connect); `commit` makes the
 * snapshot visible in one atomic step. A run prepares every port before committing any, so
 * a failure while preparing leaves every reader on the last good snapshot.
 */
import type { Engine } from '../engine/duckdb-engine.js';
import type { ColumnSpec, OutputPortSpec } from '../descriptor/data-product-schema.js';

export interface PublishContext {
  readonly productId: string;
  readonly major: number;
  readonly version: string;
  readonly runId: string;
  readonly snapshotId: string;
  readonly rows: number;
  readonly publishedAt: string;
  /** The new snapshot's parquet file (final place, once the warehouse port has prepared). */
  readonly snapshotFile: string;
  /** The previous current snapshot, for change detection. */
  readonly previousFile?: string;
  /** The warehouse root (ports that look up older snapshots by id). */
  readonly warehouseDir: string;
  readonly columns: readonly ColumnSpec[];
  readonly primaryKey?: readonly string[];
  readonly engine: Engine;
  readonly env: NodeJS.ProcessEnv;
}

export interface PortLocation {
  readonly name: string;
  readonly type: string;
  /** Where a consumer finds it (no secrets). */
  readonly location: string;
}

export interface PreparedPublication {
  commit(): Promise<PortLocation>;
  abort(): Promise<void>;
}

export interface OutputPort {
  readonly name: string;
  readonly type: OutputPortSpec['type'];
  prepare(ctx: PublishContext): Promise<PreparedPublication>;
}
