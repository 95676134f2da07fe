/**
 * Every documented route × every role × own/other domain: allowed calls succeed, the others
 * are refused with 403 (401 without a token). The list of cases is checked against the
 * OpenAPI document, so a new route without a case fails this test.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openIncident } from '../../src/registry/operations/incidents/incidents.js';
import { createToken } from '../../src/registry/operations/identity/tokens.js';
import { addWebhook } from '../../src/registry/operations/webhooks/webhooks.js';
import { applyPolicySet } from '../../src/registry/operations/policies/apply-policy-set.js';
import { openApiDocument } from '../../src/server/openapi.js';
import { productBundle } from '../helpers/products.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

type Caller = 'anonymous' | 'admin' | 'governance' | 'member-own' | 'member-other' | 'consumer';
const CALLERS: Caller[] = ['anonymous', 'admin', 'governance', 'member-own', 'member-other', 'consumer'];
const AUTHENTICATED: Caller[] = CALLERS.filter((c) => c !== 'anonymous');

interface Case {
  readonly allowed: readonly Caller[];
  /** Builds a fresh request (state-changing cases get their own target each time). */
  request(t: TestServer, n: number): Promise<{ method: string; path: string; body?: unknown }>;
}

let counter = 0;
const fresh = () => ++counter;
const incidentFor = async (t: TestServer, domain: string) =>
  (await openIncident(t.registry, {
    product: `${domain}/late-${fresh()}`,
    kind: 'freshness',
    summary: 'late',
    oncall: null,
  }))!.id;

/** A bundle reading another product (no file inputs, which a server-side dry run refuses). */
const productInputBundle = (name: string) =>
  productBundle({
    name,
    domain: 'sales',
    edit: (p) => {
      p.spec.inputs = [{ name: 'records', product: 'sales/orders@1' }];
    },
  });

/** A harmless policy set (an info-level rule that always holds), so applying it blocks no other case. */
const infoSet = (name: string) =>
  `apiVersion: mesh/v1\nkind: PolicySet\nmetadata:\n  name: ${name}\n  owner: governance@company.com\n  scope: global\nspec:\n  rules:\n    - id: ${name}-noted\n      severity: info\n      cel: 'true'\n      message: always holds\n`;

const CASES: Record<string, Case> = {
  healthz: { allowed: CALLERS, request: async () => ({ method: 'GET', path: '/healthz' }) },
  readyz: { allowed: CALLERS, request: async () => ({ method: 'GET', path: '/readyz' }) },
  metrics: { allowed: CALLERS, request: async () => ({ method: 'GET', path: '/metrics' }) },
  openapi: { allowed: CALLERS, request: async () => ({ method: 'GET', path: '/openapi.json' }) },
  checkBundle: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'POST', path: '/v1/check', body: productBundle({ name: 'checked' }) }),
  },
  publishProduct: {
    allowed: ['admin', 'member-own'],
    request: async () => ({
      method: 'POST',
      path: '/v1/products',
      body: productBundle({ name: `pub-${fresh()}`, domain: 'sales' }),
    }),
  },
  listProducts: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/products?domain=sales' }) },
  searchProducts: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/search?q=orders' }) },
  searchCatalog: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'GET', path: '/v1/catalog/search?q=orders&domain=sales' }),
  },
  showProduct: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/products/sales/orders' }) },
  productSla: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'GET', path: '/v1/products/sales/orders/sla' }),
  },
  runProduct: {
    allowed: ['admin', 'member-own'],
    request: async () => ({ method: 'POST', path: '/v1/products/sales/orders/runs' }),
  },
  listRuns: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'GET', path: '/v1/products/sales/orders/runs' }),
  },
  listCheckResults: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'GET', path: '/v1/products/sales/orders/checks' }),
  },
  dryRun: {
    allowed: ['admin', 'member-own'],
    request: async () => ({ method: 'POST', path: '/v1/dry-runs', body: productInputBundle(`dry-${fresh()}`) }),
  },
  listEvents: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/events?after=0' }) },
  whoami: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/whoami' }) },
  listTeams: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/teams' }) },
  createTeam: {
    allowed: ['admin'],
    request: async () => ({ method: 'POST', path: '/v1/teams', body: { name: `team-${fresh()}`, domains: ['sales'] } }),
  },
  addTeamMember: {
    allowed: ['admin'],
    request: async () => ({ method: 'POST', path: '/v1/teams/sales-crew/members', body: { user: `u${fresh()}` } }),
  },
  listTokens: { allowed: ['admin'], request: async () => ({ method: 'GET', path: '/v1/tokens' }) },
  createToken: {
    allowed: ['admin'],
    request: async () => ({ method: 'POST', path: '/v1/tokens', body: { user: `bot-${fresh()}`, role: 'consumer' } }),
  },
  revokeToken: {
    allowed: ['admin'],
    request: async (t) => ({
      method: 'DELETE',
      path: `/v1/tokens/${(await createToken(t.registry, { user: 'victim', role: 'consumer', createdBy: 'test' })).id}`,
    }),
  },
  listIncidents: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'GET', path: '/v1/incidents?status=open' }),
  },
  getIncident: {
    allowed: AUTHENTICATED,
    request: async (t) => ({ method: 'GET', path: `/v1/incidents/${await incidentFor(t, 'sales')}` }),
  },
  acknowledgeIncident: {
    allowed: ['admin', 'member-own'],
    request: async (t) => ({ method: 'POST', path: `/v1/incidents/${await incidentFor(t, 'sales')}/ack` }),
  },
  resolveIncident: {
    allowed: ['admin', 'member-own'],
    request: async (t) => ({ method: 'POST', path: `/v1/incidents/${await incidentFor(t, 'sales')}/resolve` }),
  },
  listPolicies: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/policies?domain=sales' }) },
  applyPolicySet: {
    allowed: ['admin', 'governance'],
    request: async (t, n) => ({
      method: 'PUT',
      path: `/v1/policy-sets/set-${n}`,
      body: { file: `set-${n}.yaml`, yaml: infoSet(`set-${n}`) },
    }),
  },
  removePolicySet: {
    allowed: ['admin', 'governance'],
    request: async (t, n) => {
      await applyPolicySet(t.registry, {
        name: `gone-${n}`,
        scope: 'global',
        yaml: infoSet(`gone-${n}`),
        updatedBy: 'test',
      });
      return { method: 'DELETE', path: `/v1/policy-sets/gone-${n}` };
    },
  },
  diffBundle: {
    allowed: AUTHENTICATED,
    request: async () => ({
      method: 'POST',
      path: '/v1/diff',
      body: { ...productBundle({ name: 'orders', domain: 'sales' }), against: '1.0.0' },
    }),
  },
  retireExpiredVersions: {
    allowed: ['admin', 'governance'],
    request: async () => ({ method: 'POST', path: '/v1/versions/retire-expired', body: {} }),
  },
  listWebhooks: { allowed: ['admin'], request: async () => ({ method: 'GET', path: '/v1/webhooks' }) },
  addWebhook: {
    allowed: ['admin'],
    request: async () => ({
      method: 'POST',
      path: '/v1/webhooks',
      body: { url: 'http://127.0.0.1:9/hook', types: ['product.*'] },
    }),
  },
  removeWebhook: {
    allowed: ['admin'],
    request: async (t) => ({
      method: 'DELETE',
      path: `/v1/webhooks/${(await addWebhook(t.registry, { url: 'http://127.0.0.1:9/x', types: [], format: 'cloudevents', createdBy: 'test' })).id}`,
    }),
  },
  listDeliveries: {
    allowed: ['admin'],
    request: async (t) => ({
      method: 'GET',
      path: `/v1/webhooks/${(await addWebhook(t.registry, { url: 'http://127.0.0.1:9/y', types: [], format: 'cloudevents', createdBy: 'test' })).id}/deliveries`,
    }),
  },
};

describe('route × role', () => {
  let t: TestServer;
  const tokens = new Map<Caller, string | undefined>();

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    tokens.set('anonymous', undefined);
    tokens.set('admin', t.adminToken);
    tokens.set('governance', await t.token('gina', 'governance'));
    tokens.set('member-own', await t.token('sam', 'member', { domains: ['sales'] }));
    tokens.set('member-other', await t.token('hana', 'member', { domains: ['hr'] }));
    tokens.set('consumer', await t.token('carl', 'consumer'));
    await fetch(`${t.url}/v1/teams`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'sales-crew', domains: ['sales'] }),
    });
    const first = await fetch(`${t.url}/v1/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(productBundle({ name: 'orders', domain: 'sales' })),
    });
    expect(first.status).toBe(201);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('has a case for every documented operation', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { operationId: string }>> };
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(ids.sort()).toEqual(Object.keys(CASES).sort());
  });

  it("refuses a server-side dry run with file inputs: they would read the server's files", async () => {
    const res = await fetch(`${t.url}/v1/dry-runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(productBundle({ name: 'reads-files', domain: 'sales' })),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toContain('cannot read file inputs');
  });

  for (const [operation, c] of Object.entries(CASES)) {
    it(`${operation}: allows ${c.allowed.join(', ')}; refuses the rest`, async () => {
      for (const caller of CALLERS) {
        const req = await c.request(t, fresh());
        const token = tokens.get(caller);
        const res = await fetch(`${t.url}${req.path}`, {
          method: req.method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(req.body ? { 'content-type': 'application/json' } : {}),
          },
          body: req.body ? JSON.stringify(req.body) : undefined,
        });
        const text = await res.text();
        const expected = c.allowed.includes(caller) ? 'allow' : caller === 'anonymous' ? 401 : 403;
        const label = `${operation} as ${caller}: ${res.status} ${text.slice(0, 200)}`;
        if (expected === 'allow') expect(res.status, label).toBeLessThan(300);
        else {
          expect(res.status, label).toBe(expected);
          expect(JSON.parse(text).error.kind, label).toBe(expected === 401 ? 'unauthenticated' : 'not-allowed');
        }
      }
    });
  }
});
