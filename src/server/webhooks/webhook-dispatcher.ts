/**
 * Pushes the event log to webhook subscriptions. Each tick turns new events into delivery
 * rows (keyed by webhook and event, so replicas never duplicate them), then sends the due
 * ones: a delivery is claimed with a lease before the POST, retried with exponential backoff,
 * and recorded as failed after the last attempt. A dead endpoint costs a row, nothing else.
 * With a signing secret (MESH_WEBHOOK_SECRET), every request is signed the Standard Webhooks
 * way (webhook-id, webhook-timestamp, webhook-signature: HMAC-SHA256 over id.timestamp.body), so
 * receivers can check it came from this platform with any Standard Webhooks library.
 */
import { listEvents, type EventRecord } from '../../registry/operations/events/list-events.js';
import {
  claimDelivery,
  dueDeliveries,
  enqueueDeliveries,
  finishDelivery,
  listWebhooks,
} from '../../registry/operations/webhooks/webhooks.js';
import type { Registry } from '../../registry/registry.js';
import { silentLog, type LogSink } from '../../core/json-log.js';
import type { Metrics } from '../ops/metrics.js';
import type { BackgroundService } from '../background-service.js';
import type { DeliveryRecord, WebhookRecord } from '../server-api.js';
import { Webhook } from 'standardwebhooks';
import { InputError } from '../../core/errors.js';
import { matchesTypes, toCloudEvent } from './cloud-event.js';

export interface WebhookDispatcherOptions {
  readonly registry: Registry;
  readonly intervalMs?: number;
  readonly maxAttempts?: number;
  /** Delay before attempt n+1 after n failed attempts. */
  readonly backoffMs?: (attempts: number) => number;
  readonly timeoutMs?: number;
  readonly log?: LogSink;
  readonly metrics?: Metrics;
  /** A Standard Webhooks secret (`whsec_` + base64): requests are signed with it. Never logged. */
  readonly signingSecret?: string;
}

export class WebhookDispatcher implements BackgroundService {
  readonly name = 'webhooks';
  readonly #o: Required<Omit<WebhookDispatcherOptions, 'metrics' | 'signingSecret'>> & { metrics?: Metrics };
  readonly #signer?: Webhook;
  #timer?: NodeJS.Timeout;
  #running?: Promise<void>;
  #stopped = false;

  constructor(options: WebhookDispatcherOptions) {
    this.#o = {
      intervalMs: 1000,
      maxAttempts: 5,
      backoffMs: (n) => Math.min(60_000, 1000 * 2 ** (n - 1)),
      timeoutMs: 5000,
      log: silentLog,
      ...options,
    };
    if (options.signingSecret) this.#signer = webhookSigner(options.signingSecret);
  }

  async start(): Promise<void> {
    this.#stopped = false;
    const loop = () => {
      if (this.#stopped) return;
      this.#running = this.tick()
        .catch((error) => this.#o.log({ level: 'warn', msg: 'webhook tick failed', error: (error as Error).message }))
        .finally(() => {
          if (!this.#stopped) this.#timer = setTimeout(loop, this.#o.intervalMs);
        });
    };
    this.#timer = setTimeout(loop, 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One pass: enqueue what is new, send what is due. Exposed so tests drive time themselves. */
  async tick(): Promise<void> {
    const { registry } = this.#o;
    const webhooks = await listWebhooks(registry);
    const byId = new Map<string, WebhookRecord>(webhooks.map((w) => [w.id, w]));
    for (const webhook of webhooks) {
      const events = await listEvents(registry, { after: webhook.cursor, limit: 500 });
      if (events.length === 0) continue;
      const wanted = events.filter(
        (e) =>
          matchesTypes(e.type, webhook.types) &&
          (webhook.domains.length === 0 || webhook.domains.includes(e.subject.split('/')[0])),
      );
      await enqueueDeliveries(
        registry,
        webhook.id,
        wanted.map((e) => e.id),
        events.at(-1)!.id,
      );
    }
    const now = new Date().toISOString(); // real time: drives retries (src/core/clock.ts)
    const due = await dueDeliveries(registry, now);
    // Subscriptions in parallel; within one, in log order, so "resolved" never overtakes "opened".
    const perWebhook = new Map<string, typeof due>();
    for (const d of due) perWebhook.set(d.webhookId, [...(perWebhook.get(d.webhookId) ?? []), d]);
    await Promise.all(
      [...perWebhook.values()].map(async (deliveries) => {
        for (const d of deliveries.sort((a, b) => a.eventId - b.eventId)) await this.#deliver(byId, d, now);
      }),
    );
  }

  async #deliver(byId: Map<string, WebhookRecord>, delivery: DeliveryRecord, now: string): Promise<void> {
    const { registry } = this.#o;
    const webhook = byId.get(delivery.webhookId);
    if (!webhook || !(await claimDelivery(registry, delivery, now, this.#o.timeoutMs * 2))) return;
    const [event] = await listEvents(registry, { after: delivery.eventId - 1, limit: 1 });
    if (!event || event.id !== delivery.eventId)
      return finishDelivery(registry, delivery, { status: 'failed', error: 'event no longer exists' });
    const attempts = delivery.attempts + 1;
    const error = await this.#send(webhook, event);
    this.#o.metrics?.alerts.inc({ outcome: error ? 'error' : 'delivered' });
    if (!error) return finishDelivery(registry, delivery, { status: 'delivered' });
    const last = attempts >= this.#o.maxAttempts;
    this.#o.log({
      level: last ? 'error' : 'warn',
      msg: last ? 'webhook delivery failed for good' : 'webhook delivery failed; will retry',
      webhook: webhook.id,
      event: event.id,
      attempts,
      error,
    });
    return finishDelivery(
      registry,
      delivery,
      last
        ? { status: 'failed', error }
        : { status: 'pending', error, nextAttemptAt: new Date(Date.now() + this.#o.backoffMs(attempts)).toISOString() },
    );
  }

  /** undefined when delivered; otherwise what went wrong. */
  async #send(webhook: WebhookRecord, event: EventRecord): Promise<string | undefined> {
    const cloudEvent = toCloudEvent(event);
    const body = webhook.format === 'slack' ? JSON.stringify(slackMessage(event)) : JSON.stringify(cloudEvent);
    const headers: Record<string, string> = {
      'content-type': webhook.format === 'slack' ? 'application/json' : 'application/cloudevents+json',
      'user-agent': 'meshwork-webhooks/1',
      'ce-id': cloudEvent.id,
    };
    if (this.#signer) {
      // The same id on every retry of one delivery, so receivers can drop duplicates.
      const id = `msg_${webhook.id}_${event.id}`;
      const at = new Date();
      Object.assign(headers, {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': this.#signer.sign(id, at, body),
      });
    }
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.#o.timeoutMs),
        redirect: 'manual',
      });
      await response.body?.cancel();
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      return cause?.code ?? (error as Error).message;
    }
  }
}

/** The signer for a Standard Webhooks secret; a malformed one is a configuration error, said without echoing it. */
export function webhookSigner(secret: string): Webhook {
  const key = secret.trim().replace(/^whsec_/, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || Buffer.from(key, 'base64').length < 16) {
    throw new InputError(
      'MESH_WEBHOOK_SECRET must be a Standard Webhooks secret: whsec_ followed by at least 16 bytes in base64 (make one with: echo "whsec_$(openssl rand -base64 32)")',
    );
  }
  return new Webhook(key);
}

/** A Slack-compatible message (incoming webhooks take `{ text }`); incidents name the on-call. */
export function slackMessage(event: EventRecord): { text: string } {
  const d = (event.data ?? {}) as { id?: string; summary?: string; oncall?: string | null; version?: string };
  switch (event.type) {
    case 'incident.opened':
      return {
        text: `:rotating_light: Incident ${d.id} opened for ${event.subject}: ${d.summary}${d.oncall ? ` (on-call: ${d.oncall})` : ''}`,
      };
    case 'incident.acknowledged':
      return { text: `:eyes: Incident ${d.id} for ${event.subject} acknowledged by ${event.actor}` };
    case 'incident.resolved':
      return {
        text: `:white_check_mark: Incident ${d.id} for ${event.subject} resolved${event.actor ? ` by ${event.actor}` : ''}${d.oncall ? ` (on-call: ${d.oncall})` : ''}`,
      };
    case 'product.published':
      return { text: `:package: ${event.subject}@${d.version} published by ${event.actor}` };
    default:
      return { text: `${event.type} ${event.subject}` };
  }
}
