import { DURATION_PATTERN } from './data-product-schema.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const durationRe = new RegExp(DURATION_PATTERN);

/** Parses `15m`, `2h`, `1.5d` into milliseconds; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  if (!durationRe.test(text)) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(text)!;
  return Number(match[1]) * UNIT_MS[match[2]];
}

export function formatDuration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1_000) return `${Math.round(ms)}ms`;
  if (abs < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  if (abs < 3_600_000) return `${(ms / 60_000).toFixed(1)}m`;
  if (abs < 86_400_000) return `${(ms / 3_600_000).toFixed(1)}h`;
  return `${(ms / 86_400_000).toFixed(1)}d`;
}
