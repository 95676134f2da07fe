/**
 * Whether a product is stale: no good publication within twice its freshness target, or no
 * read for 90 days (once older than that). One rule for the health report (over recorded
 * history, as of any moment) and for the catalog's `stale` flag (now, for a page of products).
 */
import { nowMs } from '../../../core/clock.js';
import { parseDuration } from '../../../descriptor/duration.js';
import type { DataProduct } from '../../../descriptor/data-product-schema.js';
import type { Registry } from '../../registry.js';

const DAY_MS = 86_400_000;
export const READ_WINDOW_MS = 90 * DAY_MS;

export interface StaleFacts {
  readonly createdAt: string;
  /** The freshness target in force (the latest version's), if any. */
  readonly target: string | null;
  readonly lastGoodAt: string | null;
  readonly lastReadAt: string | null;
}

const days = (ms: number) => `${Math.floor(ms / DAY_MS)} days`;

/** Why the product is stale at `at`, or null. */
export function staleReasonOf(facts: StaleFacts, at: number): string | null {
  const targetMs = facts.target ? parseDuration(facts.target) : undefined;
  if (targetMs !== undefined) {
    const since = Date.parse(facts.lastGoodAt ?? facts.createdAt);
    if (at - since > 2 * targetMs)
      return facts.lastGoodAt
        ? `no good publication for ${days(at - since)} (freshness target ${facts.target})`
        : `never published data in ${days(at - since)} (freshness target ${facts.target})`;
  }
  if (at - Date.parse(facts.createdAt) > READ_WINDOW_MS) {
    const last = facts.lastReadAt;
    if (last === null || at - Date.parse(last) > READ_WINDOW_MS)
      return last ? `no read for ${days(at - Date.parse(last))}` : 'never read, and older than 90 days';
  }
  return null;
}

/** The stale reason (or null) of each of `ids` now, in three queries whatever their number. */
export async function staleReasons(
  registry: Registry,
  ids: readonly string[],
  at = nowMs(),
): Promise<Map<string, string | null>> {
  const reasons = new Map<string, string | null>();
  if (ids.length === 0) return reasons;
  const db = registry.db;
  const [products, good, reads] = await Promise.all([
    db
      .selectFrom('products as p')
      .innerJoin('product_versions as v', (j) =>
        j.onRef('v.product_id', '=', 'p.id').onRef('v.version', '=', 'p.latest_version'),
      )
      .select(['p.id', 'p.created_at', 'v.descriptor'])
      .where('p.id', 'in', ids)
      .execute(),
    db
      .selectFrom('current_snapshots')
      .select((eb) => ['product_id', eb.fn.max('published_at').as('last')])
      .where('product_id', 'in', ids)
      .groupBy('product_id')
      .execute(),
    db
      .selectFrom('access_log')
      .select((eb) => ['product_id', eb.fn.max('time').as('last')])
      .where('product_id', 'in', ids)
      .where('allowed', '=', 1)
      .groupBy('product_id')
      .execute(),
  ]);
  const lastGood = new Map(good.map((r) => [r.product_id, String(r.last)]));
  const lastRead = new Map(reads.map((r) => [r.product_id, String(r.last)]));
  for (const p of products) {
    const descriptor = JSON.parse(p.descriptor) as DataProduct;
    const facts: StaleFacts = {
      createdAt: p.created_at,
      target: descriptor.spec.freshness?.target ?? null,
      lastGoodAt: lastGood.get(p.id) ?? null,
      lastReadAt: lastRead.get(p.id) ?? null,
    };
    reasons.set(p.id, staleReasonOf(facts, at));
  }
  return reasons;
}
