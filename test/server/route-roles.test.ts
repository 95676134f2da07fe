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
import { PG_ADMIN_URL } from '../helpers/registries.js';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setCurrentSnapshot } from '../../src/registry/operations/runs/current-snapshot.js';
import { openEngine } from '../../src/engine/duckdb-engine.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { snapshotFile, writeCurrentPointer } from '../../src/ports/warehouse.js';
import { createAccessRequest } from '../../src/registry/operations/access/create-access-request.js';
import { decideAccessRequest } from '../../src/registry/operations/access/decide-access-request.js';
import { saveRating } from '../../src/registry/operations/ratings/save-rating.js';

/**
 * `governance-in-team` and `consumer-in-team` belong to a team owning the `sales` domain: a
 * team gives a member write rights there, but never lifts another role to a member's rights.
 */
type Caller =
  | 'anonymous'
  | 'admin'
  | 'governance'
  | 'governance-in-team'
  | 'member-own'
  | 'member-other'
  | 'consumer'
  | 'consumer-in-team';
const CALLERS: Caller[] = [
  'anonymous',
  'admin',
  'governance',
  'governance-in-team',
  'member-own',
  'member-other',
  'consumer',
  'consumer-in-team',
];
const AUTHENTICATED: Caller[] = CALLERS.filter((c) => c !== 'anonymous');
/** A role's rights do not depend on its teams, except a member's: the in-team callers get what their role gets. */
const withTeamCallers = (allowed: readonly Caller[]): readonly Caller[] => [
  ...allowed,
  ...(allowed.includes('governance') && !allowed.includes('governance-in-team') ? ['governance-in-team' as const] : []),
  ...(allowed.includes('consumer') && !allowed.includes('consumer-in-team') ? ['consumer-in-team' as const] : []),
];
/** Every role but consumer (README: a consumer reads the catalog, SLAs, events, incidents, runs and checks). */
const INSIDERS: Caller[] = AUTHENTICATED.filter((c) => c !== 'consumer' && c !== 'consumer-in-team');

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

/** A pending request for sales/orders by sam's team, made straight in the registry. */
const pendingRequest = async (t: TestServer) =>
  (
    await createAccessRequest(t.registry, {
      product: 'sales/orders',
      major: null,
      team: 'sam-team',
      purpose: 'roles',
      pii: false,
      expires: null,
      requestedBy: 'sam',
    })
  ).id;

/** sales/rated, published once, which hana's team (domain hr) consumes: a grant from an approved request. */
let rated: Promise<unknown> | undefined;
const hanaConsumes = (t: TestServer) => (rated ??= publishRated(t));
const publishRated = async (t: TestServer) => {
  const published = await fetch(`${t.url}/v1/products`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(productBundle({ name: 'rated', domain: 'sales' })),
  });
  expect(published.status).toBe(201);
  return decideAccessRequest(t.registry, {
    id: (
      await createAccessRequest(t.registry, {
        product: 'sales/rated',
        major: null,
        team: 'hana-team',
        purpose: 'ratings',
        pii: false,
        expires: null,
        requestedBy: 'hana',
      })
    ).id,
    approve: true,
    decidedBy: 'test',
    reason: null,
  });
};

const CASES: Record<string, Case> = {
  rateProduct: {
    // For a consumer team of one's own (admins for any): hana's; owners (sales teams) and team-less callers are refused.
    allowed: ['admin', 'member-other'],
    request: async (t) => {
      await hanaConsumes(t);
      return { method: 'POST', path: '/v1/products/sales/rated/ratings', body: { team: 'hana-team', score: 9 } };
    },
  },
  listProductRatings: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'GET', path: '/v1/products/sales/orders/ratings' }),
  },
  listRatings: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/ratings?domain=sales' }) },
  answerRating: {
    allowed: ['admin', 'member-own'],
    request: async (t) => {
      const { rating } = await saveRating(t.registry, {
        product: 'sales/orders',
        team: `rater-${fresh()}`,
        score: 5,
        comment: 'slow',
        ratedBy: 'test',
      });
      return { method: 'POST', path: `/v1/ratings/${rating.id}/answer`, body: { answer: 'on it' } };
    },
  },
  nps: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/nps?domain=sales' }) },
  listDomains: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/domains' }) },
  showDomain: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/domains/sales' }) },
  setDomain: {
    allowed: ['admin'],
    request: async () => ({ method: 'PUT', path: '/v1/domains/sales', body: { description: 'orders and returns' } }),
  },
  meshHealth: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/health/mesh?weeks=2' }) },
  domainScorecard: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'GET', path: '/v1/health/domains/sales?weeks=2' }),
  },
  requestAccess: {
    // Only for a team of one's own (admins for any).
    allowed: ['admin', 'member-own'],
    request: async () => ({
      method: 'POST',
      path: '/v1/access/requests',
      body: { product: 'sales/orders', team: 'sam-team', purpose: 'roles' },
    }),
  },
  approveAccess: {
    allowed: ['admin', 'member-own'],
    request: async (t) => ({
      method: 'POST',
      path: `/v1/access/requests/${await pendingRequest(t)}/approve`,
      body: {},
    }),
  },
  denyAccess: {
    allowed: ['admin', 'member-own'],
    request: async (t) => ({ method: 'POST', path: `/v1/access/requests/${await pendingRequest(t)}/deny`, body: {} }),
  },
  revokeGrant: {
    allowed: ['admin', 'member-own'],
    request: async (t) => {
      const { grant } = await decideAccessRequest(t.registry, {
        id: await pendingRequest(t),
        approve: true,
        decidedBy: 'test',
        reason: null,
      });
      return { method: 'DELETE', path: `/v1/access/grants/${grant!.id}` };
    },
  },
  listAccess: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'GET', path: '/v1/access?product=sales/orders' }),
  },
  accessLog: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/access/log' }) },
  exportData: {
    // Data is not a role's right: the owning domain and admins here (nobody else holds a grant).
    allowed: ['admin', 'member-own'],
    request: async () => ({ method: 'GET', path: '/v1/products/sales/orders/data?format=csv' }),
  },
  runQuery: {
    // A query reads data: the decision per product, as for a download.
    allowed: ['admin', 'member-own'],
    request: async () => ({ method: 'POST', path: '/v1/query', body: { sql: 'SELECT * FROM sales.orders' } }),
  },
  explainQuery: {
    allowed: ['admin', 'member-own'],
    request: async () => ({ method: 'POST', path: '/v1/query/explain', body: { sql: 'SELECT id FROM sales.orders' } }),
  },
  healthz: { allowed: CALLERS, request: async () => ({ method: 'GET', path: '/healthz' }) },
  readyz: { allowed: CALLERS, request: async () => ({ method: 'GET', path: '/readyz' }) },
  metrics: { allowed: CALLERS, request: async () => ({ method: 'GET', path: '/metrics' }) },
  openapi: { allowed: CALLERS, request: async () => ({ method: 'GET', path: '/openapi.json' }) },
  checkBundle: {
    allowed: INSIDERS,
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
  exportOdcs: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'GET', path: '/v1/products/sales/orders/odcs' }),
  },
  versionChanges: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'GET', path: '/v1/products/sales/orders/changes' }),
  },
  exportOdps: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'GET', path: '/v1/products/sales/orders/odps' }),
  },
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
  describeSource: {
    // Connects with the platform's credentials, as a run does: the domain's members (and admins).
    allowed: ['admin', 'member-own'],
    request: async () => ({
      method: 'POST',
      path: '/v1/sources/describe',
      body: { domain: 'sales', type: 'postgres', connectionEnv: 'ROLES_DESCRIBE_DB', query: 'SELECT 1 AS one' },
    }),
  },
  dryRun: {
    allowed: ['admin', 'member-own'],
    request: async () => ({ method: 'POST', path: '/v1/dry-runs', body: productInputBundle(`dry-${fresh()}`) }),
  },
  listEvents: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/events?after=0' }) },
  // Lineage is catalog metadata: every signed-in role.
  ingestLineageEvents: {
    // Other tools' events (a scheduler's token): writers only.
    allowed: ['admin', 'member-own', 'member-other'],
    request: async () => ({
      method: 'POST',
      path: '/v1/lineage/events',
      body: {
        eventType: 'COMPLETE',
        eventTime: '2026-12-01T00:00:00Z',
        producer: 'https://example.com/airflow',
        schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
        run: { runId: '0190b0b4-6c3e-7d2a-9f4e-1a2b3c4d5e6f' },
        job: { namespace: 'airflow', name: `dag.task_${fresh()}` },
        inputs: [{ namespace: 'meshwork', name: 'sales/orders' }],
        outputs: [],
      },
    }),
  },
  lineage: {
    allowed: AUTHENTICATED,
    request: async () => ({ method: 'GET', path: '/v1/lineage?product=sales/orders&depth=2' }),
  },
  whoami: { allowed: AUTHENTICATED, request: async () => ({ method: 'GET', path: '/v1/whoami' }) },
  listTeams: { allowed: INSIDERS, request: async () => ({ method: 'GET', path: '/v1/teams' }) },
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
  listPolicies: { allowed: INSIDERS, request: async () => ({ method: 'GET', path: '/v1/policies?domain=sales' }) },
  listGovernanceRefusals: {
    allowed: INSIDERS,
    request: async () => ({ method: 'GET', path: '/v1/governance/refusals?domain=sales' }),
  },
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
    allowed: INSIDERS,
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

  let home: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mesh-roles-'));
    const savedHome = process.env.MESH_HOME;
    process.env.MESH_HOME = home;
    // The database a describe reads (the admin database, read only: nothing of another test's).
    process.env.ROLES_DESCRIBE_DB = PG_ADMIN_URL;
    try {
      t = await startTestServer('sqlite', {
        env: { ...process.env, MESH_ENV_GRANTS: 'sales=ROLES_DESCRIBE_DB' },
      });
    } finally {
      if (savedHome === undefined) delete process.env.MESH_HOME;
      else process.env.MESH_HOME = savedHome;
    }
    tokens.set('anonymous', undefined);
    tokens.set('admin', t.adminToken);
    tokens.set('governance', await t.token('gina', 'governance'));
    tokens.set('member-own', await t.token('sam', 'member', { domains: ['sales'] }));
    tokens.set('member-other', await t.token('hana', 'member', { domains: ['hr'] }));
    tokens.set('consumer', await t.token('carl', 'consumer'));
    tokens.set('governance-in-team', await t.token('gus', 'governance', { domains: ['sales'] }));
    tokens.set('consumer-in-team', await t.token('cora', 'consumer', { domains: ['sales'] }));
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
    await writeSnapshot(join(home, 'warehouse', 'sales', 'orders', 'v1'));
    // The registry is the commit point: the snapshot is current once it says so.
    await setCurrentSnapshot(t.registry.db, 'sales/orders', 1, {
      snapshotId: 'snap-roles',
      version: '1.0.0',
      runId: 'run-roles',
      rows: 1,
      publishedAt: new Date().toISOString(),
    });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(home, { recursive: true, force: true });
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
    const allowed = withTeamCallers(c.allowed);
    it(`${operation}: allows ${allowed.join(', ')}; refuses the rest`, async () => {
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
        const expected = allowed.includes(caller) ? 'allow' : caller === 'anonymous' ? 401 : 403;
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

/** A one-row snapshot of sales/orders, so that the download route has data to serve. */
async function writeSnapshot(dir: string): Promise<void> {
  const file = snapshotFile(dir, 'snap-roles');
  mkdirSync(join(dir, 'snapshots', 'snap-roles'), { recursive: true });
  const engine = await openEngine();
  try {
    await engine.connection.run(`COPY (SELECT 1 AS id) TO ${quoteLiteral(file)} (FORMAT parquet)`);
  } finally {
    engine.close();
  }
  writeCurrentPointer(dir, {
    snapshotId: 'snap-roles',
    version: '1.0.0',
    runId: 'run-roles',
    rows: 1,
    publishedAt: new Date().toISOString(),
  });
}
/**
 * The role table as the README documents it, for users who belong to a team of the domain
 * (issue 11, finding 9): a team gives a member their domain's writes, and gives a consumer or
 * governance user nothing beyond their role. Consumers read the trust signals (runs, check
 * status) but not check samples, teams, policies, and may not check or diff descriptors.
 */
describe('role table as documented, for users in a team of the domain', () => {
  let t: TestServer;
  const tokens = new Map<string, string>();
  type Who = 'consumer-in-team' | 'governance-in-team' | 'member-in-team';
  const WHO: Who[] = ['consumer-in-team', 'governance-in-team', 'member-in-team'];

  beforeAll(async () => {
    t = await startTestServer('sqlite');
    tokens.set('consumer-in-team', await t.token('cora', 'consumer', { domains: ['sales'] }));
    tokens.set('governance-in-team', await t.token('gus', 'governance', { domains: ['sales'] }));
    tokens.set('member-in-team', await t.token('mia', 'member', { domains: ['sales'] }));
    const first = await call(t.adminToken, 'POST', '/v1/products', productBundle({ name: 'orders', domain: 'sales' }));
    expect(first.status).toBe(201);
    await t.registry.db
      .insertInto('check_results')
      .values({
        run_id: 'run-with-samples',
        product_id: 'sales/orders',
        position: 0,
        name: 'not_null(email)',
        type: 'not_null',
        severity: 'error',
        status: 'fail',
        observed: JSON.stringify({ nulls: 1 }),
        threshold: null,
        message: '1 null',
        samples: JSON.stringify([{ customer_id: 7, email: null, full_name: 'Ada Secret' }]),
        time: new Date().toISOString(),
      })
      .execute();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function call(token: string, method: string, path: string, body?: unknown) {
    const res = await fetch(`${t.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, text: await res.text() };
  }

  const ROUTES: Array<{ name: string; allowed: Who[]; req: () => Promise<[string, string, unknown?]> }> = [
    { name: 'list products', allowed: WHO, req: async () => ['GET', '/v1/products'] },
    { name: 'show product', allowed: WHO, req: async () => ['GET', '/v1/products/sales/orders'] },
    { name: 'product SLA', allowed: WHO, req: async () => ['GET', '/v1/products/sales/orders/sla'] },
    { name: 'run history', allowed: WHO, req: async () => ['GET', '/v1/products/sales/orders/runs'] },
    { name: 'check results', allowed: WHO, req: async () => ['GET', '/v1/products/sales/orders/checks'] },
    { name: 'events', allowed: WHO, req: async () => ['GET', '/v1/events?after=0'] },
    { name: 'incidents', allowed: WHO, req: async () => ['GET', '/v1/incidents'] },
    { name: 'whoami', allowed: WHO, req: async () => ['GET', '/v1/whoami'] },
    { name: 'teams', allowed: ['governance-in-team', 'member-in-team'], req: async () => ['GET', '/v1/teams'] },
    {
      name: 'policies',
      allowed: ['governance-in-team', 'member-in-team'],
      req: async () => ['GET', '/v1/policies?domain=sales'],
    },
    {
      name: 'check a descriptor',
      allowed: ['governance-in-team', 'member-in-team'],
      req: async () => ['POST', '/v1/check', productBundle({ name: 'checked', domain: 'sales' })],
    },
    {
      name: 'diff a descriptor',
      allowed: ['governance-in-team', 'member-in-team'],
      req: async () => [
        'POST',
        '/v1/diff',
        { ...productBundle({ name: 'orders', domain: 'sales' }), against: '1.0.0' },
      ],
    },
    {
      name: 'publish in the team domain',
      allowed: ['member-in-team'],
      req: async () => ['POST', '/v1/products', productBundle({ name: `team-pub-${fresh()}`, domain: 'sales' })],
    },
    {
      name: 'dry run in the team domain',
      allowed: ['member-in-team'],
      req: async () => ['POST', '/v1/dry-runs', productInputBundle(`team-dry-${fresh()}`)],
    },
    {
      name: 'acknowledge an incident of the team domain',
      allowed: ['member-in-team'],
      req: async () => ['POST', `/v1/incidents/${await incidentFor(t, 'sales')}/ack`],
    },
    {
      name: 'create a team',
      allowed: [],
      req: async () => ['POST', '/v1/teams', { name: `x-${fresh()}`, domains: ['sales'] }],
    },
  ];

  for (const route of ROUTES) {
    it(`${route.name}: ${route.allowed.join(', ') || 'none of them'}`, async () => {
      for (const who of WHO) {
        const [method, path, body] = await route.req();
        const res = await call(tokens.get(who)!, method, path, body);
        const label = `${route.name} as ${who}: ${res.status} ${res.text.slice(0, 200)}`;
        if (route.allowed.includes(who)) expect(res.status, label).toBeLessThan(300);
        else {
          expect(res.status, label).toBe(403);
          expect(JSON.parse(res.text).error.kind, label).toBe('not-allowed');
        }
      }
    });
  }

  it('a consumer sees check status and observed values, but no sample rows; a member of the domain sees them', async () => {
    const asConsumer = JSON.parse(
      (await call(tokens.get('consumer-in-team')!, 'GET', '/v1/products/sales/orders/checks')).text,
    );
    expect(asConsumer).toEqual([
      expect.objectContaining({ name: 'not_null(email)', status: 'fail', observed: { nulls: 1 }, samples: null }),
    ]);
    expect(JSON.stringify(asConsumer)).not.toContain('Ada Secret');
    const asMember = JSON.parse(
      (await call(tokens.get('member-in-team')!, 'GET', '/v1/products/sales/orders/checks')).text,
    );
    expect(asMember[0].samples).toEqual([{ customer_id: 7, email: null, full_name: 'Ada Secret' }]);
  });
});
