/**
 * A target is a ratio to a baseline measured in the same process (unit `×`: it holds on any
 * machine) or an absolute number (a README promise in ms, req/s or MB: it depends on the
 * machine, and the output says so).
 */
export interface BenchTarget {
  readonly max?: number;
  readonly min?: number;
}

export interface BenchReport {
  /** One measured number, with the target it is held to (if any). */
  metric(name: string, value: number, unit: string, target?: BenchTarget): void;
  note(text: string): void;
}

/** The unit of a ratio target: the value is divided by a baseline measured in the same run. */
export const RATIO_UNIT = '×';

/**
 * MESH_BENCH_TIGHTEN=f scales every target by f (max × f, min ÷ f): f < 1 forces misses, to
 * check that a missed target fails `npm run bench`.
 */
export function tightened(target: BenchTarget, env: NodeJS.ProcessEnv = process.env): BenchTarget {
  const f = Number(env.MESH_BENCH_TIGHTEN ?? 1);
  if (!Number.isFinite(f) || f <= 0 || f === 1) return target;
  return {
    ...(target.max !== undefined ? { max: target.max * f } : {}),
    ...(target.min !== undefined ? { min: target.min / f } : {}),
  };
}

export function targetMet(value: number, target: BenchTarget): boolean {
  return (target.max === undefined || value <= target.max) && (target.min === undefined || value >= target.min);
}

export function describeTarget(target: BenchTarget, unit: string, met: boolean): string {
  const kind = unit === RATIO_UNIT ? 'ratio target' : 'absolute target';
  const bounds = [
    target.min !== undefined ? `≥ ${formatNumber(target.min)}` : '',
    target.max !== undefined ? `≤ ${formatNumber(target.max)}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return `(${kind} ${bounds} ${unit}: ${met ? 'met' : 'MISSED'})`;
}

export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  return n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toFixed(3);
}
