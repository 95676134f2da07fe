import { nowIso, type RegistryTx } from '../../registry.js';

export interface NewEvent {
  readonly type: string;
  /** What the event is about, e.g. `sales/orders-daily`. */
  readonly subject: string;
  readonly data: unknown;
  readonly actor?: string;
}

/** Appends to the event log; callers pass their transaction so the event commits with the change. */
export async function appendEvent(tx: RegistryTx, event: NewEvent): Promise<void> {
  await tx
    .insertInto('events')
    .values({
      type: event.type,
      subject: event.subject,
      data: JSON.stringify(event.data ?? {}),
      actor: event.actor ?? null,
      time: nowIso(),
    })
    .execute();
}
