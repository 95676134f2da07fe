/**
 * Where "the last good publication" of a product comes from: the `run.succeeded` events the
 * runner appends in the same transaction that records the run and switches the snapshot
 * (dry runs append none). The one place to change if that source moves.
 */
import type { Registry } from '../../registry/registry.js';

export interface GoodPublication {
  readonly runId: string | null;
  readonly snapshotId: string | null;
  readonly finishedAt: string;
}

/** Good publications of a product finished at or after `since`, oldest first, plus the last one before it (which sets the state at `since`). */
export async function goodPublications(registry: Registry, product: string, since: string): Promise<GoodPublication[]> {
  const rows = await registry.db
    .selectFrom('events')
    .select(['data', 'time'])
    .where('type', '=', 'run.succeeded')
    .where('subject', '=', product)
    .orderBy('id')
    .execute();
  const all = rows
    .map((r) => {
      const data = JSON.parse(r.data) as { runId?: string; snapshotId?: string; finishedAt?: string };
      return { runId: data.runId ?? null, snapshotId: data.snapshotId ?? null, finishedAt: data.finishedAt ?? r.time };
    })
    .sort((a, b) => (a.finishedAt < b.finishedAt ? -1 : a.finishedAt > b.finishedAt ? 1 : 0));
  const firstInWindow = all.findIndex((p) => p.finishedAt >= since);
  if (firstInWindow === -1) return all.slice(-1);
  return all.slice(Math.max(0, firstInWindow - 1));
}

/** The last good publication of every product that has one, in one query (the monitor's tick). */
export async function lastGoodPublications(registry: Registry): Promise<Map<string, string>> {
  const latest = registry.db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('id'))
    .where('type', '=', 'run.succeeded')
    .groupBy('subject');
  const rows = await registry.db
    .selectFrom('events')
    .select(['subject', 'data', 'time'])
    .where('id', 'in', latest)
    .execute();
  const result = new Map<string, string>();
  for (const r of rows) result.set(r.subject, (JSON.parse(r.data) as { finishedAt?: string }).finishedAt ?? r.time);
  return result;
}
