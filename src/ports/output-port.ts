/**
 * One interface for every output port. Publication is two-phase around the run's registry
 * transaction (the commit point): `prepare` does the slow, invisible work (move files into
 * place, load a staging table, connect), `stage` the last step that can still fail and be
 * undone (the SQL table swap, in a transaction left open); then the registry commits, and
 * `commit` makes the port follow it (commit the swap, write the pointer file, send the
 * stream messages). A run prepares and stages every port before the registry commit, so a
 * failure or a kill before it leaves every reader on the last good snapshot.
 */
import type { Engine } from '../engine/duckdb-engine.js';
import type { ColumnSpec, OutputPortSpec } from '../descriptor/data-product-schema.js';
import type { PortAccess } from './postgres-readers.js';
import type { WarehouseStore } from './warehouse/warehouse-store.js';

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
  /** The run's local work folder: a port's scratch files go there, never into the warehouse. */
  readonly workDir: string;
  /** The warehouse store (ports that look up older snapshots by id). */
  readonly store: WarehouseStore;
  readonly columns: readonly ColumnSpec[];
  readonly primaryKey?: readonly string[];
  readonly engine: Engine;
  /**
   * The candidate as a table of the database the run built it in (the postgres engine): a SQL
   * port in that same database loads from it in place, no row leaving the database.
   */
  readonly builtIn?: { readonly url: string; readonly table: string };
  readonly env: NodeJS.ProcessEnv;
  /** Who may read the major now (SQL port privileges, stream masking); absent: no platform, nothing granted. */
  readonly access?: PortAccess;
}

export interface PortLocation {
  readonly name: string;
  readonly type: string;
  /** Where a consumer finds it (no secrets). */
  readonly location: string;
}

export interface PreparedPublication {
  /** Where consumers will find the snapshot (recorded with it at the commit point). */
  readonly location: PortLocation;
  /** Optional: the last undoable step, run just before the registry commit. */
  stage?(): Promise<void>;
  /** After the registry commit: the port follows it. */
  commit(): Promise<PortLocation>;
  abort(): Promise<void>;
}

export interface OutputPort {
  readonly name: string;
  readonly type: OutputPortSpec['type'];
  prepare(ctx: PublishContext): Promise<PreparedPublication>;
}
