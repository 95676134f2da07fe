export interface BenchReport {
  /** One measured number, with the target it is held to (if any). */
  metric(name: string, value: number, unit: string, target?: { max?: number; min?: number }): void;
  note(text: string): void;
}
