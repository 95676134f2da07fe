import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { NotFoundError } from '../../../core/errors.js';
import type { DeliveryRecord, WebhookFormat, WebhookRecord } from './webhook-records.js';
import { nowIso, writeTransaction, type Registry } from '../../registry.js';
import type { WebhookDeliveryTable, WebhookTable } from '../../registry-schema.js';

function toRecord(r: WebhookTable): WebhookRecord {
  return {
    id: r.id,
    url: r.url,
    types: JSON.parse(r.types) as string[],
    format: r.format as WebhookFormat,
    domains: JSON.parse(r.domains) as string[],
    createdBy: r.created_by,
    createdAt: r.created_at,
  };
}

function toDelivery(r: WebhookDeliveryTable): DeliveryRecord {
  return {
    webhookId: r.webhook_id,
    eventId: Number(r.event_id),
    status: r.status as DeliveryRecord['status'],
    attempts: Number(r.attempts),
    lastError: r.last_error,
    nextAttemptAt: r.next_attempt_at,
    finishedAt: r.finished_at,
  };
}

/** A subscription starts at the current end of the log: it receives what happens from now on. */
export async function addWebhook(
  registry: Registry,
  input: { url: string; types: string[]; format: WebhookFormat; domains?: string[]; createdBy: string },
): Promise<WebhookRecord> {
  const last = await registry.db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('max'))
    .executeTakeFirst();
  const row: WebhookTable = {
    id: `wh-${randomBytes(4).toString('hex')}`,
    url: input.url,
    types: JSON.stringify(input.types),
    format: input.format,
    domains: JSON.stringify(input.domains ?? []),
    cursor: Number(last?.max ?? 0),
    created_by: input.createdBy,
    created_at: nowIso(),
  };
  await registry.db.insertInto('webhooks').values(row).execute();
  return toRecord(row);
}

export async function listWebhooks(registry: Registry): Promise<Array<WebhookRecord & { cursor: number }>> {
  const rows = await registry.db.selectFrom('webhooks').selectAll().orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ ...toRecord(r), cursor: Number(r.cursor) }));
}

export async function removeWebhook(registry: Registry, id: string): Promise<void> {
  await writeTransaction(registry, async (tx) => {
    const result = await tx.deleteFrom('webhooks').where('id', '=', id).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0)
      throw new NotFoundError(`no webhook ${id}`, { details: { hint: 'mesh webhook list shows webhook ids' } });
    await tx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
  });
}

/** Turns new events into pending deliveries and advances the cursor; replicas racing here are harmless (the key dedupes). */
export async function enqueueDeliveries(
  registry: Registry,
  webhookId: string,
  eventIds: readonly number[],
  cursor: number,
): Promise<void> {
  await writeTransaction(registry, async (tx) => {
    const now = new Date().toISOString(); // real time: drives retries (src/core/clock.ts)
    if (eventIds.length) {
      await tx
        .insertInto('webhook_deliveries')
        .values(
          eventIds.map((event_id) => ({
            webhook_id: webhookId,
            event_id,
            status: 'pending',
            attempts: 0,
            next_attempt_at: now,
            locked_until: null,
            last_error: null,
            created_at: now,
            finished_at: null,
          })),
        )
        .onConflict((oc) => oc.columns(['webhook_id', 'event_id']).doNothing())
        .execute();
    }
    await tx.updateTable('webhooks').set({ cursor }).where('id', '=', webhookId).where('cursor', '<', cursor).execute();
  });
}

export async function dueDeliveries(registry: Registry, now: string, limit = 50): Promise<DeliveryRecord[]> {
  const rows = await registry.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
  return rows.map(toDelivery);
}

/** Takes a delivery for one attempt; false when another dispatcher (another replica) has it. */
export async function claimDelivery(
  registry: Registry,
  d: { webhookId: string; eventId: number },
  now: string,
  leaseMs: number,
): Promise<boolean> {
  const result = await registry.db
    .updateTable('webhook_deliveries')
    .set({ locked_until: new Date(Date.parse(now) + leaseMs).toISOString(), attempts: sql`attempts + 1` })
    .where('webhook_id', '=', d.webhookId)
    .where('event_id', '=', d.eventId)
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)]))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function finishDelivery(
  registry: Registry,
  d: { webhookId: string; eventId: number },
  outcome: { status: 'delivered' | 'failed' | 'pending'; error?: string; nextAttemptAt?: string },
): Promise<void> {
  const now = new Date().toISOString(); // real time: drives retries (src/core/clock.ts)
  await registry.db
    .updateTable('webhook_deliveries')
    .set({
      status: outcome.status,
      last_error: outcome.error ?? null,
      locked_until: null,
      next_attempt_at: outcome.nextAttemptAt ?? now,
      finished_at: outcome.status === 'pending' ? null : now,
    })
    .where('webhook_id', '=', d.webhookId)
    .where('event_id', '=', d.eventId)
    .execute();
}

export async function listDeliveries(registry: Registry, webhookId: string): Promise<DeliveryRecord[]> {
  const rows = await registry.db
    .selectFrom('webhook_deliveries')
    .selectAll()
    .where('webhook_id', '=', webhookId)
    .orderBy('event_id')
    .limit(1000)
    .execute();
  return rows.map(toDelivery);
}
