import { hostname } from 'node:os';
import { nowIso, type Registry } from '../../registry.js';

export async function beat(registry: Registry, id: string): Promise<void> {
  const now = nowIso();
  await registry.db
    .insertInto('mesh_workers')
    .values({ id, host: hostname(), pid: process.pid, started_at: now, heartbeat_at: now })
    .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: now }))
    .execute();
}

/** Workers that have not beaten since `before`: presumed dead. */
export async function silentWorkers(registry: Registry, before: string): Promise<string[]> {
  const rows = await registry.db.selectFrom('mesh_workers').select('id').where('heartbeat_at', '<', before).execute();
  return rows.map((r) => r.id);
}

export async function forgetWorkers(registry: Registry, ids: readonly string[]): Promise<void> {
  if (ids.length) await registry.db.deleteFrom('mesh_workers').where('id', 'in', ids).execute();
}
