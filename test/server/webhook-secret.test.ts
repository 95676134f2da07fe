/**
 * MESH_WEBHOOK_SECRET is read from the environment only: a server that signs deliveries with it
 * (to a live endpoint and to a dead one, so failures are logged too) never writes it, or the key
 * inside it, to any registry row or log line. On both registry backends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { sql } from 'kysely';
import { backgroundServices } from '../../src/server/background-services.js';
import { InProcessScheduler } from '../../src/server/scheduler/in-process-scheduler.js';
import { QueueScheduler } from '../../src/server/scheduler/queue-scheduler.js';
import { deadUrl, startReceiver, type Receiver } from '../helpers/http-receiver.js';
import { productBundle } from '../helpers/products.js';
import { recordingExecutor } from '../helpers/recording-executor.js';
import { BACKENDS } from '../helpers/registries.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const KEY = Buffer.from('the platform and the receiver share this, nobody else').toString('base64');
const SECRET = `whsec_${KEY}`;

describe.each(BACKENDS)('the webhook signing secret on %s', (backend) => {
  let t: TestServer;
  let receiver: Receiver;
  const logs: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestServer(backend, {
      log: (e) => logs.push(e),
      background: (registry, metrics) =>
        backgroundServices({
          registry,
          metrics,
          log: (e) => logs.push(e),
          env: { MESH_WEBHOOK_SECRET: SECRET, MESH_WEBHOOK_INTERVAL_MS: '100' },
          executor: recordingExecutor(registry),
          // The schedulers play no part here (and the queue one would need the database URL).
        }).filter((service) => !(service instanceof QueueScheduler || service instanceof InProcessScheduler)),
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('signs deliveries but never stores or logs the secret', async () => {
    const call = (path: string, body: unknown) =>
      fetch(`${t.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await call('/v1/webhooks', { url: `${receiver.url}/hook`, types: ['product.*'] })).status).toBe(201);
    expect((await call('/v1/webhooks', { url: await deadUrl(), types: ['product.*'] })).status).toBe(201);
    expect((await call('/v1/products', productBundle({ name: 'signed', domain: 'sales' }))).status).toBe(201);
    const deadline = Date.now() + 15_000;
    while (receiver.received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(receiver.received).toHaveLength(1);
    const [delivery] = receiver.received;
    // Signed with the secret: the receiver verifies it.
    expect(() =>
      new Webhook(SECRET).verify(JSON.stringify(delivery.body), delivery.headers as Record<string, string>),
    ).not.toThrow();
    await new Promise((r) => setTimeout(r, 500)); // the dead endpoint's attempts fail and are logged

    const tables = (await t.registry.db.introspection.getTables()).map((table) => table.name);
    expect(tables).toEqual(expect.arrayContaining(['webhooks', 'webhook_deliveries', 'events']));
    for (const table of tables) {
      const rows = await sql`SELECT * FROM ${sql.table(table)}`.execute(t.registry.db);
      const text = JSON.stringify(rows.rows);
      expect(text, table).not.toContain(KEY);
      expect(text, table).not.toContain(SECRET);
    }
    expect(logs.length).toBeGreaterThan(0);
    const logText = JSON.stringify(logs);
    expect(logText).not.toContain(KEY);
    expect(logText).toContain('"level"');
  });
});
