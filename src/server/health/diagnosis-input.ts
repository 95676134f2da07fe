/** What the diagnosis judges: the indexed history, every product's facts now, the figures and thresholds. */
import type { HealthIndex, ProductFacts } from './health-index.js';
import type { HealthFigures, HealthThresholds } from './health-records.js';

export interface DiagnosisInput {
  readonly index: HealthIndex;
  /** Every product's facts at `now`. */
  readonly facts: readonly ProductFacts[];
  readonly mesh: HealthFigures;
  readonly domainFigures: ReadonlyArray<{ domain: string; figures: HealthFigures }>;
  readonly now: number;
  readonly thresholds: HealthThresholds;
}
