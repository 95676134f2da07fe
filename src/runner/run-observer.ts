/**
 * Lifecycle callbacks of a run, so shells can show progress and integrations (OpenLineage,
 * alerting) can follow runs without the runner knowing about them.
 */
import type { RunStepRecord } from '../registry/operations/runs/run-records.js';
import type { RunOutcome } from './run-outcome.js';

export interface RunStartInfo {
  readonly runId: string;
  readonly product: string;
  readonly version: string;
  readonly trigger: string;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly inputs: ReadonlyArray<{ name: string; kind: string; ref: string }>;
  readonly outputPorts: ReadonlyArray<{ name: string; type: string }>;
}

export interface RunObserver {
  onStart?(info: RunStartInfo): void;
  onStepStart?(step: string): void;
  onStep?(step: RunStepRecord): void;
  /** Rows moved so far in the current step (extract: per input). */
  onProgress?(progress: { step: string; input?: string; rows: number }): void;
  onComplete?(outcome: RunOutcome): void;
  onFail?(outcome: RunOutcome): void;
}
