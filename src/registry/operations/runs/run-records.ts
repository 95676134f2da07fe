/** What the run history stores and returns: plain JSON-serialisable records. */
export type RunStatus = 'running' | 'succeeded' | 'failed';
export type RunTrigger = 'manual' | 'schedule' | 'api';

export interface RunStepRecord {
  readonly name: string;
  readonly status: 'succeeded' | 'failed' | 'skipped';
  readonly startedAt: string;
  readonly ms: number;
  readonly rows?: number;
  readonly error?: string;
  /** What the step chose not to do, and why (a port left to the newer major). */
  readonly note?: string;
}

export interface RunInputRecord {
  readonly name: string;
  /** postgres | mysql | file | product */
  readonly kind: string;
  readonly rowsIn: number;
  /** The watermark this run would advance to (JSON value), for incremental inputs. */
  readonly watermark?: string | number | null;
  /** For product inputs: the upstream snapshot this run read (lineage). */
  readonly snapshotId?: string;
}

export interface RunRecord {
  readonly id: string;
  readonly product: string;
  readonly version: string;
  readonly trigger: string;
  readonly status: RunStatus;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly snapshotId: string | null;
  readonly rowsOut: number | null;
  readonly steps: RunStepRecord[];
  readonly inputs: RunInputRecord[];
  readonly error: string | null;
  readonly actor: string | null;
  /** The cron instant a scheduled run covered (scheduled runs only). */
  readonly scheduledAt?: string;
}

export interface CheckResultRecord {
  readonly runId: string;
  readonly product: string;
  readonly position: number;
  readonly name: string;
  readonly type: string;
  readonly severity: 'error' | 'warn';
  readonly status: 'pass' | 'fail';
  readonly observed: unknown;
  readonly threshold: unknown;
  readonly message: string;
  /** Up to 10 failing rows, PII masked. */
  readonly samples: Array<Record<string, unknown>> | null;
  readonly time: string;
}

export interface SnapshotRecord {
  readonly id: string;
  readonly product: string;
  readonly version: string;
  readonly runId: string;
  readonly rows: number;
  readonly ports: Array<{ name: string; type: string; location: string }>;
  readonly publishedAt: string;
}
