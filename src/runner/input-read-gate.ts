/**
 * How a run reads another product: through a gate the platform builds above the runner (the
 * access layer's decision, masking and audit), handed in with the run options. The runner
 * sits below access, so it knows only this interface. Without a gate a run reads no product
 * input at all: product inputs are a read path like any other, and fail closed.
 */

/** One product input about to be read by a run (recorded or dry). */
export interface InputReadRequest {
  /** The product whose run reads: its domain's teams are the reader. */
  readonly consumer: { readonly product: string; readonly domain: string; readonly major: number };
  /** The input's name in the consumer's descriptor. */
  readonly input: string;
  /** The product read, `domain/name`, and its major. */
  readonly product: string;
  readonly major: number;
  /** The snapshot's own version (its classification counts too). */
  readonly snapshotVersion: string;
  readonly dryRun: boolean;
}

/** An allowed read: what the run's engine reads instead of the snapshot, and the audit row once read. */
export interface InputRead {
  /**
   * The SELECT over `source` (a relation in the engine) that the transform may see: the
   * snapshot itself when the consumer is PII-cleared, else its masked projection.
   * `columns` are the columns the snapshot file has.
   */
  project(source: string, columns: ReadonlySet<string>): { readonly sql: string; readonly masked: readonly string[] };
  /** Records the read (rows, masked columns, time) in the audit log. */
  done(outcome: {
    readonly rows: number;
    readonly masked: readonly string[];
    readonly durationMs: number;
  }): Promise<void>;
}

export interface InputReadGate {
  /**
   * Decides and, when refused, records the refusal and throws a NotAllowedError whose message
   * names who, what, why and the `mesh access request …` to run.
   */
  open(request: InputReadRequest): Promise<InputRead>;
}
