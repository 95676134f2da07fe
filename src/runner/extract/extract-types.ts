import type { Registry } from '../../registry/registry.js';
import type { Engine } from '../../engine/duckdb-engine.js';
import type { InputSpec } from '../../descriptor/data-product-schema.js';
import type { RunTenancy } from '../run-tenancy.js';

export interface ExtractContext {
  readonly engine: Engine;
  readonly input: InputSpec;
  /** The staged table's name in the engine (the input's name). */
  readonly table: string;
  /** A scratch folder for this input's spill files. */
  readonly workDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Relative file paths resolve here. */
  readonly baseDir: string;
  readonly warehouseDir: string;
  /** The registry of a recorded run (absent in dry runs): product inputs check their major is not retired. */
  readonly registry?: Registry;
  /** The watermark of the last successful publication, when the input is incremental. */
  readonly lastRun?: string | number;
  /** What the run may reach (data roots for file inputs); absent: local mode, nothing configured. */
  readonly tenancy?: RunTenancy;
  /** Progress: rows extracted so far. */
  readonly onRows?: (rows: number) => void;
}

export interface Extracted {
  readonly kind: string;
  readonly rows: number;
  /** The max of the input's watermark column in this extract (null when no rows). */
  readonly watermark?: string | number | null;
  /** For product inputs: the snapshot read, so lineage can name exactly which data a run consumed. */
  readonly snapshotId?: string;
}
