import type { CheckResultRecord, RunInputRecord, RunStepRecord } from '../registry/operations/runs/run-records.js';

/** The result of one run as the CLI and the HTTP API return it: plain JSON. */
export interface RunOutcome {
  readonly runId: string;
  readonly product: string;
  readonly version: string;
  readonly trigger: string;
  readonly dryRun: boolean;
  readonly status: 'succeeded' | 'failed';
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly snapshotId: string | null;
  readonly rowsOut: number | null;
  readonly steps: RunStepRecord[];
  readonly inputs: RunInputRecord[];
  readonly checks: CheckResultRecord[];
  readonly ports: Array<{ name: string; type: string; location: string }>;
  readonly error: string | null;
}
