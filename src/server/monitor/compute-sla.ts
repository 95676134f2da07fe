/**
 * Freshness and availability of one product, from its recorded history: the age of the last
 * good publication against the freshness target in force now, and the share of the window
 * (the last 30 days, or since the first good publication when that is later) during which the
 * product was within the target in force at each moment. History is never re-judged by
 * today's settings: a new version's target applies from its publication on.
 */
import { parseDuration } from '../../descriptor/duration.js';
import type { DataProduct } from '../../descriptor/data-product-schema.js';
import type { FreshnessTargetChange } from '../../registry/operations/versions/list-freshness-targets.js';
import type { FreshnessState, SlaReport } from '../server-api.js';
import type { GoodPublication } from './good-publications.js';

export const SLA_WINDOW_MS = 30 * 86_400_000;

export interface SlaInput {
  readonly product: string;
  /** The version in force now: its target judges the current state. */
  readonly descriptor: DataProduct;
  /** When each published version set the freshness target, oldest first; absent: the current target throughout. */
  readonly targets?: readonly FreshnessTargetChange[];
  /** Good publications in the window, oldest first, plus the last one before it. */
  readonly publications: readonly GoodPublication[];
  readonly now: Date;
  readonly openIncident?: string | null;
}

export function computeSla(input: SlaInput): SlaReport {
  const freshness = input.descriptor.spec.freshness;
  const targetMs = freshness?.target ? parseDuration(freshness.target) : undefined;
  const alertMs = freshness?.alert_after ? parseDuration(freshness.alert_after) : targetMs;
  const now = input.now.getTime();
  const times = input.publications.map((p) => Date.parse(p.finishedAt)).filter((t) => t <= now);
  // Availability counts from the first good publication: the moments before a product ever ran are not a breach.
  const windowStart = times.length ? Math.max(now - SLA_WINDOW_MS, times[0]) : now;
  const last = input.publications.at(-1);
  const ageMs = last ? Math.max(0, now - Date.parse(last.finishedAt)) : null;
  const targets = targetSegments(input.targets, freshness?.target ?? null, windowStart, now);
  return {
    product: input.product,
    now: input.now.toISOString(),
    target: freshness?.target ?? null,
    alertAfter: freshness?.alert_after ?? null,
    lastGoodAt: last?.finishedAt ?? null,
    ageMs,
    state: freshnessState(targetMs, alertMs, ageMs),
    availability: times.length && targets.some((t) => t.targetMs !== null) ? availability(times, targets) : null,
    objective: parseObjective(input.descriptor.spec.sla?.availability),
    windowStart: new Date(windowStart).toISOString(),
    windowMs: now - windowStart,
    openIncident: input.openIncident ?? null,
    daily: dailyAvailability(times, input.targets, freshness?.target ?? null, windowStart, now),
  };
}

const DAY_MS = 86_400_000;

/**
 * Each of the last 30 days (UTC, oldest first, today so far last): its share within target,
 * or null for a day before the first good publication or without a target in force.
 */
function dailyAvailability(
  times: readonly number[],
  changes: readonly FreshnessTargetChange[] | undefined,
  current: string | null,
  windowStart: number,
  now: number,
): SlaReport['daily'] {
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  return Array.from({ length: 30 }, (_, i) => {
    const dayStart = today - (29 - i) * DAY_MS;
    const from = Math.max(dayStart, windowStart);
    const until = Math.min(dayStart + DAY_MS, now);
    const segments = until > from && times.length ? targetSegments(changes, current, from, until) : [];
    const judged = segments.some((t) => t.targetMs !== null);
    return {
      day: new Date(dayStart).toISOString().slice(0, 10),
      availability: judged ? availability(times, segments) : null,
    };
  });
}

function freshnessState(
  targetMs: number | undefined,
  alertMs: number | undefined,
  ageMs: number | null,
): FreshnessState {
  if (targetMs === undefined) return 'no-target';
  if (ageMs === null) return 'never-published';
  if (ageMs <= targetMs) return 'fresh';
  if (ageMs <= (alertMs ?? targetMs)) return 'late';
  return 'breached';
}

interface TargetSegment {
  readonly from: number;
  readonly until: number;
  /** null: no target in force, so the moment is not judged (neither available nor not). */
  readonly targetMs: number | null;
}

/** The window cut where the target in force changed. */
function targetSegments(
  changes: readonly FreshnessTargetChange[] | undefined,
  current: string | null,
  start: number,
  end: number,
): TargetSegment[] {
  const points = (changes?.length ? changes : [{ from: new Date(0).toISOString(), target: current }]).map((c) => ({
    from: Date.parse(c.from),
    targetMs: (c.target ? parseDuration(c.target) : undefined) ?? null,
  }));
  const segments: TargetSegment[] = [];
  for (let i = 0; i < points.length; i++) {
    const from = Math.max(start, i === 0 ? -Infinity : points[i].from);
    const until = Math.min(end, i + 1 < points.length ? points[i + 1].from : Infinity);
    if (until > from) segments.push({ from, until, targetMs: points[i].targetMs });
  }
  return segments;
}

/**
 * Within each segment, the product is fresh from each publication until the segment's target
 * has passed (or the next publication); the judged time is the segments that have a target.
 */
function availability(times: readonly number[], segments: readonly TargetSegment[]): number {
  let fresh = 0;
  let judged = 0;
  for (const segment of segments) {
    if (segment.targetMs === null) continue;
    judged += segment.until - segment.from;
    for (let i = 0; i < times.length; i++) {
      const next = i + 1 < times.length ? times[i + 1] : Infinity;
      const from = Math.max(times[i], segment.from);
      const until = Math.min(times[i] + segment.targetMs, next, segment.until);
      if (until > from) fresh += until - from;
    }
  }
  if (judged <= 0) return 1;
  return Math.min(1, fresh / judged);
}
function parseObjective(text: string | number | undefined): number | null {
  if (text === undefined) return null;
  const n = typeof text === 'number' ? text : Number(String(text).replace('%', ''));
  if (!Number.isFinite(n)) return null;
  return n > 1 ? n / 100 : n;
}
