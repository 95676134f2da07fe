import type { Registry } from '../../registry/registry.js';
import type { Engine } from '../../engine/duckdb-engine.js';
import type { InputSpec } from '../../descriptor/data-product-schema.js';
import type { CurrentSnapshot } from '../../ports/warehouse.js';
import type { RunTenancy } from '../run-tenancy.js';
import type { InputReadGate, InputReadRequest } from '../input-read-gate.js';

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
  /** The registry of a recorded run (absent in dry runs): product inputs check their major is not retired. */
  readonly registry?: Registry;
  /** The current snapshot of another product's major, as the registry committed it. */
  readonly resolveSnapshot: (productId: string, major: number) => Promise<CurrentSnapshot | undefined>;
  /** The watermark of the last successful publication, when the input is incremental. */
  readonly lastRun?: string | number;
  /** What the run may reach (data roots for file inputs); absent: local mode, nothing configured. */
  readonly tenancy?: RunTenancy;
  /** Product inputs are read through it (the access decision, masking, the audit); absent: none can be read. */
  readonly inputGate?: InputReadGate;
  /** The product whose run this is, as the reader of its product inputs. */
  readonly consumer?: InputReadRequest['consumer'];
  readonly dryRun?: boolean;
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
  /** For product inputs: the columns the run read masked (the consumer is not PII-cleared). */
  readonly maskedColumns?: readonly string[];
}
