/**
 * What a client sees when things go wrong: bad tokens (401, nothing leaked), a member
 * publishing elsewhere (403), bad bodies (400/413), and the database dropping its
 * connections under load (503, then recovery without intervention).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, revokeToken } from '../../src/registry/operations/identity/tokens.js';
import { createApp } from '../../src/server/app.js';
import { openApiDocument } from '../../src/server/openapi.js';
import { Metrics } from '../../src/server/ops/metrics.js';
import { PG_ADMIN_URL } from '../helpers/registries.js';
import { productBundle } from '../helpers/products.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const call = (
  t: TestServer,
  path: string,
  init: { method?: string; token?: string; body?: string; headers?: Record<string, string> } = {},
) =>
  fetch(`${t.url}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body,
  });

describe('API faults and operations (SQLite)', () => {
  let t: TestServer;
  const logs: string[] = [];

  beforeAll(async () => {
    t = await startTestServer('sqlite', { log: (entry) => logs.push(JSON.stringify(entry)) });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 401 for missing, forged, expired and revoked tokens, with nothing leaked', async () => {
    const expired = await t.token('old', 'consumer', { expiresAt: new Date(Date.now() - 1000).toISOString() });
    const revoked = await createToken(t.registry, { user: 'gone', role: 'admin', createdBy: 'test' });
    await revokeToken(t.registry, revoked.id);
    const forged = `mesh_${Buffer.from('x'.repeat(24)).toString('base64url')}`;
    const missing = await call(t, '/v1/products');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    expect((await missing.json()).error.message).toContain('missing bearer token');
    const bodies = [];
    for (const token of [forged, expired, revoked.token, 'not-even-a-token']) {
      const res = await call(t, '/v1/products', { token });
      expect(res.status).toBe(401);
      bodies.push(await res.json());
    }
    // The same answer whatever was wrong: a prober learns nothing about which tokens exist.
    for (const b of bodies)
      expect(b).toEqual({ error: { kind: 'unauthenticated', message: 'invalid, expired or revoked token' } });
    expect(logs.join('\n')).not.toContain(revoked.token);
    expect(logs.join('\n')).not.toContain(expired);
  });

  it('refuses a member publishing into another domain (403) and accepts their own', async () => {
    const token = await t.token('hana', 'member', { domains: ['hr'] });
    const other = await call(t, '/v1/products', {
      method: 'POST',
      token,
      body: JSON.stringify(productBundle({ name: 'orders', domain: 'sales' })),
    });
    expect(other.status).toBe(403);
    expect((await other.json()).error.message).toContain('hana may not publish in domain sales');
    const own = await call(t, '/v1/products', {
      method: 'POST',
      token,
      body: JSON.stringify(productBundle({ name: 'staff', domain: 'hr' })),
    });
    expect(own.status).toBe(201);
    const show = await (await call(t, '/v1/products/hr/staff', { token })).json();
    expect(show.version.publishedBy).toBe('hana');
  });

  it('answers 400 for malformed JSON and 413 for oversized bodies', async () => {
    const bad = await call(t, '/v1/products', { method: 'POST', token: t.adminToken, body: '{"yaml": ' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { kind: 'input', message: 'the request body is not valid JSON' } });
    const notObject = await call(t, '/v1/check', { method: 'POST', token: t.adminToken, body: '[1,2]' });
    expect(notObject.status).toBe(400);
    const missingField = await call(t, '/v1/check', { method: 'POST', token: t.adminToken, body: '{}' });
    expect((await missingField.json()).error.message).toBe('"yaml" is required');
    const huge = await call(t, '/v1/products', {
      method: 'POST',
      token: t.adminToken,
      body: JSON.stringify({ yaml: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect((await huge.json()).error.kind).toBe('too-large');
    const badQuery = await call(t, '/v1/products?limit=abc', { token: t.adminToken });
    expect(badQuery.status).toBe(400);
  });

  it('publishes events as CloudEvents 1.0', async () => {
    const res = await call(t, '/v1/events?after=0', { token: t.adminToken });
    expect(res.headers.get('content-type')).toContain('application/cloudevents-batch+json');
    const events = await res.json();
    const published = events.find((e: { type: string }) => e.type === 'dev.meshwork.product.published');
    expect(published).toMatchObject({
      specversion: '1.0',
      source: '/meshwork/registry',
      subject: 'hr/staff',
      datacontenttype: 'application/json',
      data: { product: 'hr/staff', version: '1.0.0' },
    });
    expect(published.id).toMatch(/^\d+$/);
    expect(Date.parse(published.time)).not.toBeNaN();
    const later = await call(t, '/v1/products', {
      method: 'POST',
      token: t.adminToken,
      body: JSON.stringify(productBundle({ name: 'events-later', domain: 'hr' })),
    });
    expect(later.status).toBe(201);
    const after: { id: string; subject: string }[] = await (
      await call(t, `/v1/events?after=${published.id}`, { token: t.adminToken })
    ).json();
    expect(after.map((e) => e.subject)).toContain('hr/events-later');
    expect(after.filter((e) => Number(e.id) <= Number(published.id))).toEqual([]);
  });

  it('serves health, readiness and Prometheus metrics, and logs one JSON line per request', async () => {
    expect(await (await call(t, '/healthz')).json()).toEqual({ status: 'ok' });
    expect(await (await call(t, '/readyz')).json()).toEqual({ status: 'ready' });
    const metrics = await (await call(t, '/metrics')).text();
    expect(metrics).toContain('# TYPE mesh_http_requests_total counter');
    expect(metrics).toMatch(/mesh_http_requests_total\{method="GET",route="\/v1\/\*",status="401"\} \d+/);
    expect(metrics).toContain('mesh_http_request_duration_seconds_bucket{method="GET",route="/v1/products",le="0.1"}');
    expect(metrics).toMatch(/mesh_products \d+/);
    const line = logs.map((l) => JSON.parse(l)).find((l) => l.path === '/v1/products/hr/staff');
    expect(line).toMatchObject({
      msg: 'request',
      method: 'GET',
      status: 200,
      route: '/v1/products/:domain/:name',
      user: 'hana',
    });
    expect(typeof line.durationMs).toBe('number');
  });

  it('documents every route in a valid OpenAPI 3.1 document', async () => {
    const served = await (await call(t, '/openapi.json')).json();
    expect(served.openapi).toBe('3.1.0');
    const app = createApp({
      authenticate: async () => undefined,
      platformFor: () => {
        throw new Error('unused');
      },
      ready: async () => undefined,
      metrics: new Metrics(),
    });
    // The web catalog's files (`/`, `/assets/*`) are pages, not API operations.
    const webFiles = new Set(['/', '/assets/*']);
    const routes = app.routes
      .filter((r) => r.method !== 'ALL' && !webFiles.has(r.path))
      .map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    const doc = openApiDocument() as {
      paths: Record<
        string,
        Record<
          string,
          { operationId: string; responses: Record<string, unknown>; parameters?: Array<{ name: string; in: string }> }
        >
      >;
      components: { schemas: Record<string, unknown>; responses: Record<string, unknown> };
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect([...new Set(routes)].sort()).toEqual(documented.sort());
    // Structural rules of OpenAPI 3.1: unique operationIds, responses on every operation, path parameters declared, $refs resolve.
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const op of Object.values(ops)) {
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))
          expect(
            op.parameters?.some((p) => p.in === 'path' && p.name === name),
            `${path} ${name}`,
          ).toBe(true);
      }
    }
    const text = JSON.stringify(doc);
    for (const m of text.matchAll(/"\$ref":"#\/components\/(schemas|responses)\/(\w+)"/g))
      expect(doc.components[m[1] as 'schemas'][m[2]], m[0]).toBeDefined();
  });
});

describe('the database dropping connections under load (PostgreSQL)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer('postgres');
    await call(t, '/v1/products', {
      method: 'POST',
      token: t.adminToken,
      body: JSON.stringify(productBundle({ name: 'orders', domain: 'sales' })),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('fails requests cleanly with 503 and recovers by itself', async () => {
    const dbName = new URL(t.db.url).pathname.slice(1);
    const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
    await admin.connect();
    const statuses: number[] = [];
    const kinds = new Set<string>();
    for (let round = 0; round < 8; round++) {
      const load = Array.from({ length: 30 }, (_, i) =>
        call(t, i % 2 ? '/v1/products' : '/v1/search?q=orders', { token: t.adminToken }),
      );
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [dbName],
      );
      for (const res of await Promise.all(load)) {
        statuses.push(res.status);
        const body = await res.json();
        if (res.status !== 200) kinds.add(body.error.kind);
      }
    }
    await admin.end();
    expect(statuses).toHaveLength(8 * 30);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(statuses).toContain(200);
    expect([...kinds]).toEqual(['unavailable']);
    // Recovery: the pool replaces the dead connections; nothing to restart.
    await new Promise((r) => setTimeout(r, 300));
    const after = await Promise.all(Array.from({ length: 20 }, () => call(t, '/v1/products', { token: t.adminToken })));
    expect(after.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect((await call(t, '/readyz')).status).toBe(200);
  });
});
