/** A search hit's owner, freshness, last run and rating, at a glance. */
import type { HitGlance } from './api';

const SLA_TEXT = { met: 'fresh', breached: 'late', none: 'no freshness target' } as const;

export function ago(iso: string, now = Date.now()): string {
  const minutes = Math.max(0, Math.round((now - Date.parse(iso)) / 60_000));
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} days ago`;
}

export function freshnessText(f: HitGlance['freshness']): string {
  if (f.sla === 'none') return SLA_TEXT.none;
  if (f.sla === 'met' && !f.lastGoodAt) return `no data yet (target ${f.target})`;
  const last = f.lastGoodAt ? `published ${ago(f.lastGoodAt)}` : 'never published';
  return `${SLA_TEXT[f.sla]}: ${last} (target ${f.target})`;
}

export function HitMeta({ hit }: { hit: HitGlance & { owner: string } }) {
  const run = hit.lastRun;
  return (
    <p className="meta">
      owner {hit.owner} · <span className={`sla-${hit.freshness.sla}`}>{freshnessText(hit.freshness)}</span>
      {' · '}
      {run ? <span className={`run-${run.status}`}>last run {run.status}</span> : <span>never run</span>}
      {' · '}
      {hit.rating ? (
        <span title={hit.rating.note ?? undefined}>
          NPS {hit.rating.nps > 0 ? '+' : ''}
          {hit.rating.nps} ({hit.rating.ratings} rating{hit.rating.ratings === 1 ? '' : 's'}, {hit.rating.quarter})
        </span>
      ) : (
        <span>not rated</span>
      )}
    </p>
  );
}
