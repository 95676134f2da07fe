/**
 * What a search hit shows at a glance beside its summary: whether it is stale and why, its
 * freshness (target, last good publication, SLA status now), its last run's outcome, and its
 * consumers' latest quarterly rating. Read for a page of hits at once, in a handful of
 * queries whatever the page's size; judged at the moment asked, so a cached page is re-read.
 */
import { nowMs } from '../../../core/clock.js';
import { slaStatusOf, staleFacts, staleReasonOf, type SlaStatus } from '../health/stale-products.js';
import type { Registry } from '../../registry.js';
import { npsOf } from '../ratings/nps.js';

export interface HitGlance {
  /** Why the product is stale now (no good publication within twice its freshness target, no read for 90 days), or null. */
  readonly stale: string | null;
  readonly freshness: { readonly target: string | null; readonly lastGoodAt: string | null; readonly sla: SlaStatus };
  /** The newest run's outcome (running, succeeded, failed), or null when never run. */
  readonly lastRun: { readonly status: string; readonly startedAt: string } | null;
  /** NPS of the newest quarter with ratings (promoters 9–10 minus detractors 0–6, in %), and how many ratings it rests on. */
  readonly rating: {
    readonly quarter: string;
    readonly nps: number;
    readonly ratings: number;
    /** "based on 2 ratings only" when there are few. */
    readonly note: string | null;
  } | null;
}

export async function hitGlances(
  registry: Registry,
  ids: readonly string[],
  at = nowMs(),
): Promise<Map<string, HitGlance>> {
  const glances = new Map<string, HitGlance>();
  if (ids.length === 0) return glances;
  const [facts, runs, ratings] = await Promise.all([
    staleFacts(registry, ids),
    lastRuns(registry, ids),
    latestNps(registry, ids),
  ]);
  for (const [id, f] of facts)
    glances.set(id, {
      stale: staleReasonOf(f, at),
      freshness: { target: f.target, lastGoodAt: f.lastGoodAt, sla: slaStatusOf(f, at) },
      lastRun: runs.get(id) ?? null,
      rating: ratings.get(id) ?? null,
    });
  return glances;
}

async function lastRuns(registry: Registry, ids: readonly string[]) {
  const rows = await registry.db
    .selectFrom('pipeline_runs as r')
    .select(['r.product_id', 'r.status', 'r.started_at'])
    .where('r.product_id', 'in', ids)
    .where(({ eb, selectFrom }) =>
      eb(
        'r.started_at',
        '=',
        selectFrom('pipeline_runs as n')
          .select((e) => e.fn.max('n.started_at').as('m'))
          .whereRef('n.product_id', '=', 'r.product_id'),
      ),
    )
    .execute();
  return new Map(rows.map((r) => [r.product_id, { status: r.status, startedAt: r.started_at }]));
}

async function latestNps(registry: Registry, ids: readonly string[]) {
  const rows = await registry.db
    .selectFrom('ratings as r')
    .select(['r.product_id', 'r.quarter', 'r.score'])
    .where('r.product_id', 'in', ids)
    .where(({ eb, selectFrom }) =>
      eb(
        'r.quarter',
        '=',
        selectFrom('ratings as n')
          .select((e) => e.fn.max('n.quarter').as('q'))
          .whereRef('n.product_id', '=', 'r.product_id'),
      ),
    )
    .execute();
  const byProduct = new Map<string, { quarter: string; scores: number[] }>();
  for (const r of rows) {
    const entry = byProduct.get(r.product_id) ?? { quarter: r.quarter, scores: [] };
    entry.scores.push(Number(r.score));
    byProduct.set(r.product_id, entry);
  }
  return new Map(
    [...byProduct].map(([id, { quarter, scores }]) => {
      const { nps, ratings, note } = npsOf(id, quarter, scores);
      return [id, { quarter, nps: nps!, ratings, note }];
    }),
  );
}
