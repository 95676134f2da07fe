/**
 * Whether a product is stale: no good publication within twice its freshness target, or no
 * read for 90 days (once older than that). One rule for the health report (over recorded
 * history, as of any moment) and for the catalog's `stale` flag (now, for a page of products).
 */
import { sql, type RawBuilder } from 'kysely';
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

/**
 * The same rule in SQL, over a search document `d` (its created_ms, target_ms, good_ms and
 * read_ms, epoch ms) at `at`: 1 when stale, else 0. Kept beside `staleReasonOf` so the two
 * change together; a test compares them on the same products.
 */
export function staleSql(at: number): RawBuilder<number> {
  const now = sql.lit(Math.floor(at));
  const window = sql.lit(READ_WINDOW_MS);
  return sql<number>`(case when (d.target_ms is not null and ${now} - coalesce(d.good_ms, d.created_ms) > 2 * d.target_ms)
    or (${now} - d.created_ms > ${window} and (d.read_ms is null or ${now} - d.read_ms > ${window})) then 1 else 0 end)`;
}

/** Freshness SLA status codes: no target, target met now, target breached now (no good publication within it). */
export const SLA_CODES = { none: 0, met: 1, breached: 2 } as const;
export type SlaStatus = keyof typeof SLA_CODES;

/** A search document's SLA status code at `at` (see SLA_CODES). */
export function slaSql(at: number): RawBuilder<number> {
  const now = sql.lit(Math.floor(at));
  return sql<number>`(case when d.target_ms is null then ${sql.lit(SLA_CODES.none)}
    when ${now} - coalesce(d.good_ms, d.created_ms) > d.target_ms then ${sql.lit(SLA_CODES.breached)}
    else ${sql.lit(SLA_CODES.met)} end)`;
}

/** A product's SLA status at `at`: its freshness target met (a good publication within it) or breached, or none set. */
export function slaStatusOf(facts: StaleFacts, at: number): SlaStatus {
  const targetMs = facts.target ? parseDuration(facts.target) : undefined;
  if (targetMs === undefined) return 'none';
  return at - Date.parse(facts.lastGoodAt ?? facts.createdAt) > targetMs ? 'breached' : 'met';
}

/** The stale reason (or null) of each of `ids` at `at`. */
export async function staleReasons(
  registry: Registry,
  ids: readonly string[],
  at = nowMs(),
): Promise<Map<string, string | null>> {
  const facts = await staleFacts(registry, ids);
  return new Map([...facts].map(([id, f]) => [id, staleReasonOf(f, at)]));
}

/** What the stale and SLA judgements of each of `ids` rest on, in three queries whatever their number. */
export async function staleFacts(registry: Registry, ids: readonly string[]): Promise<Map<string, StaleFacts>> {
  const facts = new Map<string, StaleFacts>();
  if (ids.length === 0) return facts;
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
    facts.set(p.id, {
      createdAt: p.created_at,
      target: descriptor.spec.freshness?.target ?? null,
      lastGoodAt: lastGood.get(p.id) ?? null,
      lastReadAt: lastRead.get(p.id) ?? null,
    });
  }
  return facts;
}
