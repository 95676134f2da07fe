/**
 * Freshness → incidents → alerts through webhooks, and the event log → webhooks, on both
 * registry backends: one incident per breach, one alert per transition, retries for a broken
 * endpoint, a dead endpoint recorded as failed while the platform carries on.
 */
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { appendEvent } from '../../src/registry/operations/events/append-event.js';
import { computeSla } from '../../src/server/monitor/compute-sla.js';
import { FreshnessMonitor } from '../../src/server/monitor/freshness-monitor.js';
import { LocalServerApi } from '../../src/server/local-server-api.js';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { WebhookDispatcher, webhookSigner } from '../../src/server/webhooks/webhook-dispatcher.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { deadUrl, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { productBundle } from '../helpers/products.js';
import { BACKENDS, createTestRegistry, type TestRegistry } from '../helpers/registries.js';
import { mesh } from '../helpers/run-mesh.js';

const HOUR = 3_600_000;

describe.each(BACKENDS)('monitor and webhooks on %s', (backend) => {
  let t: TestRegistry;
  let platform: LocalPlatform;
  let api: LocalServerApi;
  let slack: Receiver;
  let events: Receiver;
  let dead: string;
  let dispatcher: WebhookDispatcher;
  let cliEnv: NodeJS.ProcessEnv;
  const clock = { now: Date.now() };

  beforeAll(async () => {
    t = await createTestRegistry(backend);
    platform = new LocalPlatform({ registry: t.registry, config: { ...configFromEnv(), actor: 'alice' } });
    api = new LocalServerApi(
      async () => t.registry,
      { user: 'alice', role: 'admin', domains: [] },
      () => new Date(clock.now),
    );
    slack = await startReceiver();
    events = await startReceiver();
    dead = await deadUrl();
    dispatcher = new WebhookDispatcher({ registry: t.registry, maxAttempts: 3, backoffMs: () => 0 });
    cliEnv =
      backend === 'postgres'
        ? { MESH_DATABASE_URL: t.url, MESH_SERVER: '' }
        : { MESH_HOME: dirname(t.url), MESH_DATABASE_URL: '', MESH_SERVER: '' };
  });
  afterAll(async () => {
    await slack?.close();
    await events?.close();
    await platform?.close();
    await t?.dispose();
  });

  it('pushes events to subscriptions as CloudEvents, and incidents as Slack messages', async () => {
    await api.addWebhook({ url: `${slack.url}/slack`, types: ['incident.*'], format: 'slack' });
    await api.addWebhook({ url: `${events.url}/events`, types: ['product.published'] });
    await api.addWebhook({ url: dead, types: [] });
    const bundle = productBundle({
      name: 'orders',
      edit: (p: DataProduct) => {
        p.spec.freshness = { target: '1h', alert_after: '2h' };
        p.metadata.oncall = 'sales-oncall@company.com';
      },
    });
    await platform.publish(bundle);
    await dispatcher.tick();
    expect(events.received).toHaveLength(1);
    expect(events.received[0].headers['content-type']).toBe('application/cloudevents+json');
    expect(events.received[0].headers['webhook-signature']).toBeUndefined(); // no secret set
    expect(events.received[0].body).toMatchObject({
      specversion: '1.0',
      type: 'dev.meshwork.product.published',
      subject: 'sales/orders',
      data: { version: '1.0.0' },
    });
    expect(slack.received).toHaveLength(0);
  });

  it('opens one incident when freshness is breached and alerts the on-call once', async () => {
    const monitor = new FreshnessMonitor({ registry: t.registry, now: () => new Date(clock.now) });
    clock.now = Date.now() + 1.5 * HOUR;
    expect((await monitor.tick()).opened).toEqual([]); // late, not yet past alert_after
    clock.now = Date.now() + 3 * HOUR;
    const first = await monitor.tick();
    expect(first.opened).toHaveLength(1);
    expect((await monitor.tick()).opened).toEqual([]);
    const [incident] = await api.listIncidents({ status: 'open' });
    expect(incident).toMatchObject({ product: 'sales/orders', kind: 'freshness', oncall: 'sales-oncall@company.com' });
    expect(incident.summary).toContain('never published');
    await dispatcher.tick();
    await dispatcher.tick();
    expect(slack.received.map((r) => (r.body as { text: string }).text)).toEqual([
      `:rotating_light: Incident ${incident.id} opened for sales/orders: ${incident.summary} (on-call: sales-oncall@company.com)`,
    ]);
    const sla = await api.productSla('sales/orders');
    expect(sla).toMatchObject({
      state: 'never-published',
      lastGoodAt: null,
      openIncident: incident.id,
      objective: 0.995,
    });
    // Never published: there is no history to judge yet, so no figure rather than a made-up 0%.
    expect(sla.availability).toBeNull();
  });

  it('lets people acknowledge it from the CLI', async () => {
    const [incident] = await api.listIncidents({ status: 'open' });
    const list = await mesh(['incident', 'list', '--status', 'open'], { env: cliEnv });
    expect(list.stdout).toContain(incident.id);
    const ack = await mesh(['incident', 'ack', incident.id, '--json'], { env: { ...cliEnv, MESH_USER: 'bob' } });
    expect(JSON.parse(ack.stdout)).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'bob' });
  });

  it('resolves it on recovery and says so, once', async () => {
    const finishedAt = new Date(clock.now - 10 * 60_000).toISOString();
    await appendEvent(t.registry.db, {
      type: 'run.succeeded',
      subject: 'sales/orders',
      data: { product: 'sales/orders', runId: 'r1', snapshotId: 's1', finishedAt },
    });
    const monitor = new FreshnessMonitor({ registry: t.registry, now: () => new Date(clock.now) });
    expect((await monitor.tick()).resolved).toHaveLength(1);
    expect((await monitor.tick()).resolved).toHaveLength(0);
    await dispatcher.tick();
    await dispatcher.tick();
    const texts = slack.received.map((r) => (r.body as { text: string }).text);
    expect(texts).toHaveLength(3);
    expect(texts[1]).toContain('acknowledged by bob');
    expect(texts[2]).toMatch(/^:white_check_mark: Incident inc-\w+ for sales\/orders resolved by meshwork:monitor/);
    const sla = JSON.parse((await mesh(['sla', 'sales/orders', '--json'], { env: cliEnv })).stdout);
    expect(sla.state).toBe('fresh');
    expect(sla.lastGoodAt).toBe(finishedAt);
    expect(sla.openIncident).toBeNull();
  });

  it('retries a dead endpoint, then records it as failed; the platform is unaffected', async () => {
    for (let i = 0; i < 4; i++) await dispatcher.tick();
    const hooks = await api.listWebhooks();
    const deadHook = hooks.find((h) => h.url === dead)!;
    const deliveries = await api.listDeliveries(deadHook.id);
    expect(deliveries.length).toBeGreaterThanOrEqual(4);
    for (const d of deliveries) expect(d).toMatchObject({ status: 'failed', attempts: 3, lastError: 'ECONNREFUSED' });
    const live = await api.listDeliveries(hooks.find((h) => h.url.startsWith(events.url))!.id);
    // The one product.published event (sales/orders) reached the live endpoint at the first attempt.
    expect(live.map((d) => ({ status: d.status, attempts: d.attempts }))).toEqual([
      { status: 'delivered', attempts: 1 },
    ]);
    expect((await platform.publish(productBundle({ name: 'still-works' }))).status).toBe('created');
  });

  it("routes alerts to a domain's own channel (mesh webhook add --domain)", async () => {
    const hrChannel = await startReceiver();
    const added = await mesh(
      ['webhook', 'add', hrChannel.url, '--types', 'incident.*', '--format', 'slack', '--domain', 'hr', '--json'],
      { env: cliEnv },
    );
    expect(JSON.parse(added.stdout)).toMatchObject({ domains: ['hr'], types: ['incident.*'], format: 'slack' });
    await platform.publish(
      productBundle({
        name: 'staff',
        domain: 'hr',
        edit: (p: DataProduct) => {
          p.spec.freshness = { target: '1h', alert_after: '2h' };
          p.metadata.oncall = 'hr-oncall@company.com';
        },
      }),
    );
    const monitor = new FreshnessMonitor({ registry: t.registry, now: () => new Date(Date.now() + 3 * HOUR) });
    const { opened } = await monitor.tick();
    expect(opened.length).toBeGreaterThanOrEqual(1); // hr/staff (and any other stale product)
    await dispatcher.tick();
    const texts = hrChannel.received.map((r) => (r.body as { text: string }).text);
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('opened for hr/staff');
    expect(texts[0]).toContain('(on-call: hr-oncall@company.com)');
    expect((await mesh(['webhook', 'list'], { env: cliEnv })).stdout).toMatch(/incident\.\*\s+hr/);
    await hrChannel.close();
  });

  it('signs every request the Standard Webhooks way when a secret is set, with one id across retries', async () => {
    const secret = `whsec_${Buffer.from('a secret only the platform and the receiver know').toString('base64')}`;
    const signed = new WebhookDispatcher({
      registry: t.registry,
      maxAttempts: 3,
      backoffMs: () => 0,
      signingSecret: secret,
    });
    const receiver = await startReceiver();
    try {
      receiver.status = 500;
      await api.addWebhook({ url: `${receiver.url}/signed`, types: ['product.published'] });
      await platform.publish(productBundle({ name: 'signed-orders' }));
      await signed.tick();
      receiver.status = 200;
      await signed.tick();
      expect(receiver.received).toHaveLength(2);
      const [failed, delivered] = receiver.received;
      const verifier = new Webhook(secret);
      const headersOf = (r: typeof failed) =>
        Object.fromEntries(
          ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((k) => [k, String(r.headers[k])]),
        );
      expect(verifier.verify(delivered.text, headersOf(delivered))).toMatchObject({
        type: 'dev.meshwork.product.published',
        subject: 'sales/signed-orders',
      });
      expect(delivered.headers['webhook-id']).toBe(failed.headers['webhook-id']);
      // Anything else is refused: another secret, or a body changed on the way.
      expect(() =>
        new Webhook(`whsec_${Buffer.from('somebody else entirely, guessing').toString('base64')}`).verify(
          delivered.text,
          headersOf(delivered),
        ),
      ).toThrow(WebhookVerificationError);
      expect(() =>
        verifier.verify(delivered.text.replace('signed-orders', 'forged-orders'), headersOf(delivered)),
      ).toThrow(WebhookVerificationError);
    } finally {
      await receiver.close();
    }
  });

  it('refuses a malformed signing secret without echoing it', () => {
    expect(() => webhookSigner('not-a-secret!')).toThrow(/MESH_WEBHOOK_SECRET must be a Standard Webhooks secret/);
    try {
      webhookSigner('whsec_short');
    } catch (error) {
      expect((error as Error).message).not.toContain('short');
    }
    expect.assertions(2);
  });

  it('retries an endpoint that answers 500 until it recovers', async () => {
    const flaky = await startReceiver();
    flaky.status = 500;
    const hook = await api.addWebhook({ url: flaky.url, types: ['product.published'] });
    await platform.publish(productBundle({ name: 'flaky-target' }));
    await dispatcher.tick();
    await dispatcher.tick();
    expect((await api.listDeliveries(hook.id))[0]).toMatchObject({
      status: 'pending',
      attempts: 2,
      lastError: 'HTTP 500',
    });
    flaky.status = 200;
    await dispatcher.tick();
    expect((await api.listDeliveries(hook.id))[0]).toMatchObject({ status: 'delivered', attempts: 3 });
    expect(flaky.received).toHaveLength(3);
    await flaky.close();
  });
  it('waits 1 s, 2 s, then 4 s between attempts by default (exponential backoff), and does not retry early', async () => {
    const flaky = await startReceiver();
    flaky.status = 500;
    const backoff = new WebhookDispatcher({ registry: t.registry }); // the defaults a server runs with
    const hook = await api.addWebhook({ url: flaky.url, types: ['product.published'] });
    await platform.publish(productBundle({ name: 'backoff-target' }));
    const delivery = async () => (await api.listDeliveries(hook.id))[0];
    for (const [attempt, waitMs] of [
      [1, 1000],
      [2, 2000],
      [3, 4000],
    ] as const) {
      const before = Date.now();
      await backoff.tick();
      const after = Date.now();
      const d = await delivery();
      expect(d).toMatchObject({ status: 'pending', attempts: attempt, lastError: 'HTTP 500' });
      const next = Date.parse(d.nextAttemptAt);
      expect(next).toBeGreaterThanOrEqual(before + waitMs);
      expect(next).toBeLessThanOrEqual(after + waitMs);
      await backoff.tick(); // not due yet: no attempt
      expect((await delivery()).attempts).toBe(attempt);
      await new Promise((r) => setTimeout(r, next - Date.now() + 20));
    }
    expect(flaky.received).toHaveLength(3);
    flaky.status = 200;
    await backoff.tick();
    expect(await delivery()).toMatchObject({ status: 'delivered', attempts: 4 });
    await flaky.close();
  }, 30_000);

  it('judges history by the freshness target each version promised, from the first good publication', async () => {
    const young = (version: string, target: string) =>
      productBundle({
        name: 'young',
        version,
        edit: (p: DataProduct) => {
          p.spec.freshness = { target };
        },
      });
    await platform.publish(young('1.0.0', '1h'));
    const now = Date.now();
    // 1.0.0 was published five hours ago (moved back in the record: the history under test).
    await t.registry.db
      .updateTable('product_versions')
      .set({ published_at: new Date(now - 5 * HOUR).toISOString() })
      .where('product_id', '=', 'sales/young')
      .execute();
    await appendEvent(t.registry.db, {
      type: 'run.succeeded',
      subject: 'sales/young',
      data: {
        product: 'sales/young',
        runId: 'y1',
        snapshotId: 's1',
        finishedAt: new Date(now - 4 * HOUR).toISOString(),
      },
    });
    await platform.publish(young('1.1.0', '1m'));
    const sla = await new LocalServerApi(
      async () => t.registry,
      { user: 'alice', role: 'admin', domains: [] },
      () => new Date(now + 60_000),
    ).productSla('sales/young');
    // From the first run (4h ago): fresh 1h under 1.0.0's 1h target; 1.1.0's 1m target applies only from now on.
    expect(sla.windowStart).toBe(new Date(now - 4 * HOUR).toISOString());
    expect(sla.windowMs).toBe(4 * HOUR + 60_000);
    expect(sla.availability).toBeCloseTo(HOUR / (4 * HOUR + 60_000), 2);
    expect(sla.target).toBe('1m');
  });
});

describe('availability over the rolling window', () => {
  const product = productBundle({ name: 'x' });
  const descriptor = (freshness: { target: string; alert_after?: string }) => {
    const d = JSON.parse(product.yaml) as DataProduct;
    d.spec.freshness = freshness;
    return d;
  };
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  const at = (h: number) => new Date(t0 + h * HOUR).toISOString();
  const pub = (h: number) => ({ runId: null, snapshotId: null, finishedAt: at(h) });

  it('counts the time within the target after each good publication', () => {
    // Good publications at 0h and 5h; target 2h; now 10h → fresh 0–2h and 5–7h: 4h of 10h.
    const sla = computeSla({
      product: 'sales/x',
      descriptor: descriptor({ target: '2h', alert_after: '4h' }),
      publications: [pub(0), pub(5)],
      now: new Date(t0 + 10 * HOUR),
    });
    expect(sla.availability).toBeCloseTo(0.4, 6);
    expect(sla).toMatchObject({ state: 'breached', ageMs: 5 * HOUR, lastGoodAt: at(5), windowMs: 10 * HOUR });
  });

  it('gives each of the last 30 days its own share within target, for the product page chart', () => {
    // Target 12h; good publications at day 0 00:00 and day 2 06:00; now day 3 12:00.
    const day = 24;
    const sla = computeSla({
      product: 'sales/x',
      descriptor: descriptor({ target: '12h' }),
      publications: [pub(0), pub(2 * day + 6)],
      now: new Date(t0 + (3 * day + 12) * HOUR),
    });
    expect(sla.daily).toHaveLength(30);
    expect(sla.daily.slice(-4)).toEqual([
      { day: '2026-01-01', availability: 0.5 }, // fresh 00–12h
      { day: '2026-01-02', availability: 0 },
      { day: '2026-01-03', availability: 0.5 }, // fresh 06–18h
      { day: '2026-01-04', availability: 0 }, // 12 hours so far, all late
    ]);
    expect(sla.daily[0]).toEqual({ day: '2025-12-06', availability: null }); // before the first good publication
  });

  it('counts from the first good publication, not from when the product was published', () => {
    // Published at 0h, first run 3 minutes later, fresh ever since: 100%, over a window that says it is 57 minutes.
    const sla = computeSla({
      product: 'sales/x',
      descriptor: descriptor({ target: '15m', alert_after: '30m' }),
      targets: [{ from: at(0), target: '15m', alertAfter: '30m' }],
      publications: [pub(0.05), pub(0.25), pub(0.45), pub(0.65), pub(0.85)],
      now: new Date(t0 + HOUR),
    });
    expect(sla.availability).toBe(1);
    expect(sla.windowStart).toBe(at(0.05));
    expect(sla.windowMs).toBe(0.95 * HOUR);
  });

  it('judges each moment by the target in force then, not by a later version', () => {
    // 0–10h: target 1h, publications every 2h at 0, 2, 4, 6, 8 → fresh 5h of 10h.
    // 10h: 1.1.0 raises the target to 4h; publications at 10h and 14h, now 20h → fresh 10–14h, 14–18h: 8h of 10h.
    const sla = computeSla({
      product: 'sales/x',
      descriptor: descriptor({ target: '4h' }),
      targets: [
        { from: at(-1), target: '1h', alertAfter: null },
        { from: at(10), target: '4h', alertAfter: null },
      ],
      publications: [pub(0), pub(2), pub(4), pub(6), pub(8), pub(10), pub(14)],
      now: new Date(t0 + 20 * HOUR),
    });
    expect(sla.availability).toBeCloseTo(13 / 20, 6);
    // Re-judging the whole history by today's 4h target would say 18h of 20h.
    expect(sla.availability).not.toBeCloseTo(18 / 20, 2);
  });

  it('does not judge time when no target was in force', () => {
    // 0–10h no target; from 10h target 1h; publications at 0h and 10h; now 12h → judged 2h, fresh 1h.
    const sla = computeSla({
      product: 'sales/x',
      descriptor: descriptor({ target: '1h' }),
      targets: [
        { from: at(-1), target: null, alertAfter: null },
        { from: at(10), target: '1h', alertAfter: null },
      ],
      publications: [pub(0), pub(10)],
      now: new Date(t0 + 12 * HOUR),
    });
    expect(sla.availability).toBeCloseTo(0.5, 6);
  });

  it('uses 30 days at most, and the state follows target and alert_after', () => {
    const now = new Date(t0 + 40 * 24 * HOUR);
    // Published every hour for 40 days, the last 30 minutes ago; target 1h → always fresh.
    const pubs = Array.from({ length: 40 * 24 }, (_, i) => ({
      runId: null,
      snapshotId: null,
      finishedAt: new Date(now.getTime() - 30 * 60_000 - (40 * 24 - 1 - i) * HOUR).toISOString(),
    }));
    const sla = computeSla({
      product: 'sales/x',
      descriptor: descriptor({ target: '1h', alert_after: '2h' }),
      publications: pubs,
      now,
    });
    expect(sla.windowStart).toBe(new Date(now.getTime() - 30 * 24 * HOUR).toISOString());
    expect(sla.windowMs).toBe(30 * 24 * HOUR);
    expect(sla.state).toBe('fresh');
    expect(sla.availability).toBe(1);
    const stricter = computeSla({
      product: 'sales/x',
      descriptor: descriptor({ target: '10m', alert_after: '1h' }),
      publications: pubs,
      now,
    });
    expect(stricter.state).toBe('late');
    expect(stricter.availability).toBeCloseTo(10 / 60, 6);
  });
});
