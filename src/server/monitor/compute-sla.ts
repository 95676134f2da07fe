/**
 * Freshness and availability of one product, from its good publications: the age of the last
 * one against `spec.freshness` and the share of the rolling 30-day window during which the
 * product was within its freshness target.
 */
import { parseDuration } from '../../descriptor/duration.js';
import type { DataProduct } from '../../descriptor/data-product-schema.js';
import type { FreshnessState, SlaReport } from '../server-api.js';
import type { GoodPublication } from './good-publications.js';

export const SLA_WINDOW_MS = 30 * 86_400_000;

export interface SlaInput {
  readonly product: string;
  readonly descriptor: DataProduct;
  /** When the product first appeared in the registry: the window never starts before it. */
  readonly createdAt: string;
  readonly publications: readonly GoodPublication[];
  readonly now: Date;
  readonly openIncident?: string | null;
}

export function computeSla(input: SlaInput): SlaReport {
  const freshness = input.descriptor.spec.freshness;
  const targetMs = freshness?.target ? parseDuration(freshness.target) : undefined;
  const alertMs = freshness?.alert_after ? parseDuration(freshness.alert_after) : targetMs;
  const now = input.now.getTime();
  const windowStart = Math.min(now, Math.max(now - SLA_WINDOW_MS, Date.parse(input.createdAt)));
  const last = input.publications.at(-1);
  const ageMs = last ? Math.max(0, now - Date.parse(last.finishedAt)) : null;
  let state: FreshnessState;
  if (targetMs === undefined) state = 'no-target';
  else if (ageMs === null) state = 'never-published';
  else if (ageMs <= targetMs) state = 'fresh';
  else if (ageMs <= (alertMs ?? targetMs)) state = 'late';
  else state = 'breached';
  return {
    product: input.product,
    now: input.now.toISOString(),
    target: freshness?.target ?? null,
    alertAfter: freshness?.alert_after ?? null,
    lastGoodAt: last?.finishedAt ?? null,
    ageMs,
    state,
    availability: targetMs === undefined ? null : availability(input.publications, targetMs, windowStart, now),
    objective: parseObjective(input.descriptor.spec.sla?.availability),
    windowStart: new Date(windowStart).toISOString(),
    openIncident: input.openIncident ?? null,
  };
}

/** Each publication keeps the product fresh for `targetMs` (or until the next one); the rest of the window is unavailable. */
function availability(publications: readonly GoodPublication[], targetMs: number, start: number, end: number): number {
  const span = end - start;
  if (span <= 0) return publications.length ? 1 : 0;
  const times = publications.map((p) => Date.parse(p.finishedAt)).filter((t) => t <= end);
  let fresh = 0;
  for (let i = 0; i < times.length; i++) {
    const from = Math.max(times[i], start);
    const until = Math.min(times[i] + targetMs, i + 1 < times.length ? times[i + 1] : end, end);
    if (until > from) fresh += until - from;
  }
  return Math.min(1, fresh / span);
}

function parseObjective(text: string | number | undefined): number | null {
  if (text === undefined) return null;
  const n = typeof text === 'number' ? text : Number(String(text).replace('%', ''));
  if (!Number.isFinite(n)) return null;
  return n > 1 ? n / 100 : n;
}
