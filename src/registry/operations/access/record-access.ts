import { noteRead } from '../products/search-index.js';
import { nowIso, type Registry } from '../../registry.js';

export interface AccessLogEntry {
  readonly user: string;
  readonly team: string | null;
  readonly product: string;
  readonly major: number | null;
  readonly path: string;
  readonly allowed: boolean;
  readonly reason: string;
  readonly grantId: string | null;
  readonly maskedColumns: readonly string[];
  readonly rows: number | null;
  readonly durationMs: number | null;
}

/** Appends one read (or refusal) to the audit log: who, what, why, how much — never values. */
export async function recordAccess(registry: Registry, entry: AccessLogEntry): Promise<void> {
  const time = nowIso();
  await registry.db
    .insertInto('access_log')
    .values({
      time,
      user_name: entry.user,
      team: entry.team,
      product_id: entry.product,
      major: entry.major,
      path: entry.path,
      allowed: entry.allowed ? 1 : 0,
      reason: entry.reason,
      grant_id: entry.grantId,
      masked_columns: JSON.stringify(entry.maskedColumns),
      rows: entry.rows,
      duration_ms: entry.durationMs === null ? null : Math.round(entry.durationMs * 10) / 10,
    })
    .execute();
  if (entry.allowed) await noteRead(registry.db, entry.product, Date.parse(time));
}
