import type { Registry } from '../../registry.js';

export interface EventRecord {
  readonly id: number;
  readonly type: string;
  readonly subject: string;
  readonly data: unknown;
  readonly actor: string | null;
  readonly time: string;
}

export async function listEvents(
  registry: Registry,
  options: { after?: number; subject?: string; limit?: number } = {},
): Promise<EventRecord[]> {
  let query = registry.db
    .selectFrom('events')
    .selectAll()
    .where('id', '>', options.after ?? 0);
  if (options.subject) query = query.where('subject', '=', options.subject);
  const rows = await query
    .orderBy('id')
    .limit(Math.min(options.limit ?? 100, 1000))
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), data: JSON.parse(r.data) }));
}
