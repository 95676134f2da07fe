/**
 * Registry events as CloudEvents 1.0 (structured JSON): `product.published` becomes
 * `dev.meshwork.product.published`, the subject is the product id, the id is the log position.
 */
import type { EventRecord } from '../../registry/operations/events/list-events.js';

export const CLOUD_EVENT_TYPE_PREFIX = 'dev.meshwork.';
export const CLOUD_EVENT_SOURCE = '/meshwork/registry';

export interface CloudEvent {
  readonly specversion: '1.0';
  readonly id: string;
  readonly source: string;
  readonly type: string;
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly data: unknown;
  /** Extension attribute: who caused the event. */
  readonly actor?: string;
}

export function toCloudEvent(event: EventRecord, source = CLOUD_EVENT_SOURCE): CloudEvent {
  return {
    specversion: '1.0',
    id: String(event.id),
    source,
    type: `${CLOUD_EVENT_TYPE_PREFIX}${event.type}`,
    subject: event.subject,
    time: event.time,
    datacontenttype: 'application/json',
    data: event.data,
    ...(event.actor ? { actor: event.actor } : {}),
  };
}

export function fromCloudEvent(ce: CloudEvent): EventRecord {
  return {
    id: Number(ce.id),
    type: ce.type.startsWith(CLOUD_EVENT_TYPE_PREFIX) ? ce.type.slice(CLOUD_EVENT_TYPE_PREFIX.length) : ce.type,
    subject: ce.subject,
    data: ce.data,
    actor: ce.actor ?? null,
    time: ce.time,
  };
}

/** `incident.*` matches `incident.opened`; an empty list matches everything. */
export function matchesTypes(type: string, patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}
