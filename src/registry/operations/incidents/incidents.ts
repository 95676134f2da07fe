import { randomBytes } from 'node:crypto';
import { ConflictError, NotFoundError } from '../../../core/errors.js';
import type { IncidentRecord, IncidentStatus } from './incident-record.js';
import { isUniqueViolation, nowIso, writeTransaction, type Registry, type RegistryTx } from '../../registry.js';
import type { IncidentTable } from '../../registry-schema.js';
import { appendEvent } from '../events/append-event.js';

function toRecord(r: IncidentTable): IncidentRecord {
  return {
    id: r.id,
    product: r.product_id,
    status: r.status as IncidentStatus,
    kind: r.kind,
    summary: r.summary,
    oncall: r.oncall,
    openedAt: r.opened_at,
    acknowledgedAt: r.acknowledged_at,
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: r.resolved_at,
    resolvedBy: r.resolved_by,
  };
}

/**
 * Opens an incident for a product unless one is already open. The unique `open_for` column
 * decides races between monitors on several replicas: one insert wins, the rest get undefined.
 * The `incident.opened` event commits with it, so the alert goes out exactly once.
 */
export async function openIncident(
  registry: Registry,
  input: { product: string; kind: string; summary: string; oncall: string | null },
): Promise<IncidentRecord | undefined> {
  const row: IncidentTable = {
    id: `inc-${randomBytes(4).toString('hex')}`,
    product_id: input.product,
    open_for: input.product,
    status: 'open',
    kind: input.kind,
    summary: input.summary,
    oncall: input.oncall,
    opened_at: nowIso(),
    acknowledged_at: null,
    acknowledged_by: null,
    resolved_at: null,
    resolved_by: null,
  };
  try {
    await writeTransaction(registry, async (tx) => {
      await tx.insertInto('incidents').values(row).execute();
      await appendEvent(tx, {
        type: 'incident.opened',
        subject: input.product,
        actor: 'meshwork:monitor',
        data: toRecord(row),
      });
    });
    return toRecord(row);
  } catch (error) {
    if (isUniqueViolation(error)) return undefined;
    throw error;
  }
}

export async function getIncident(db: RegistryTx, id: string): Promise<IncidentRecord> {
  const row = await db.selectFrom('incidents').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row)
    throw new NotFoundError(`no incident ${id}`, { details: { hint: 'mesh incident list shows incident ids' } });
  return toRecord(row);
}

export async function getOpenIncident(db: RegistryTx, product: string): Promise<IncidentRecord | undefined> {
  const row = await db.selectFrom('incidents').selectAll().where('open_for', '=', product).executeTakeFirst();
  return row && toRecord(row);
}

export async function listIncidents(
  registry: Registry,
  options: { status?: IncidentStatus; product?: string; limit?: number } = {},
): Promise<IncidentRecord[]> {
  let query = registry.db.selectFrom('incidents').selectAll();
  if (options.status) query = query.where('status', '=', options.status);
  if (options.product) query = query.where('product_id', '=', options.product);
  const rows = await query
    .orderBy('opened_at', 'desc')
    .orderBy('id')
    .limit(options.limit ?? 500)
    .execute();
  return rows.map(toRecord);
}

export async function acknowledgeIncident(registry: Registry, id: string, by: string): Promise<IncidentRecord> {
  return writeTransaction(registry, async (tx) => {
    const current = await getIncident(tx, id);
    if (current.status === 'resolved') throw new ConflictError(`incident ${id} is already resolved`);
    if (current.status === 'acknowledged') return current;
    const result = await tx
      .updateTable('incidents')
      .set({ status: 'acknowledged', acknowledged_at: nowIso(), acknowledged_by: by })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    const updated = await getIncident(tx, id);
    if (Number(result.numUpdatedRows) === 0) return updated;
    await appendEvent(tx, { type: 'incident.acknowledged', subject: updated.product, actor: by, data: updated });
    return updated;
  });
}

/** Resolves an incident (by a person, or by the monitor on recovery); the `incident.resolved` event carries the resolution alert. */
export async function resolveIncident(
  registry: Registry,
  id: string,
  by: string,
  note?: string,
): Promise<IncidentRecord> {
  return writeTransaction(registry, async (tx) => {
    const current = await getIncident(tx, id);
    if (current.status === 'resolved') return current;
    // Conditional on the status, so two monitors resolving at once send one resolution alert, not two.
    const result = await tx
      .updateTable('incidents')
      .set({ status: 'resolved', open_for: null, resolved_at: nowIso(), resolved_by: by })
      .where('id', '=', id)
      .where('status', '!=', 'resolved')
      .executeTakeFirst();
    const updated = await getIncident(tx, id);
    if (Number(result.numUpdatedRows) === 0) return updated;
    await appendEvent(tx, {
      type: 'incident.resolved',
      subject: updated.product,
      actor: by,
      data: { ...updated, note: note ?? null },
    });
    return updated;
  });
}
