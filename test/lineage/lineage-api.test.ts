/**
 * The lineage contract through a server (HttpPlatform, the same MeshApi) on both registries:
 * the same graph as in-process, OpenLineage events from other tools joined to products (400
 * with the reason when an event fails the schema; a 10,000-event burst kept whole; unknown
 * products kept as external nodes), and `mesh lineage` in local and server mode.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { HttpPlatform } from '../../src/server/client/http-platform.js';
import { productBundle } from '../helpers/products.js';
import { BACKENDS } from '../helpers/registries.js';
import { mesh } from '../helpers/run-mesh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const reading = (name: string, upstream: string) =>
  productBundle({
    name,
    edit: (p) => {
      p.spec.inputs = [{ name: 'records', product: upstream }];
    },
  });

const runEvent = (job: string, inputs: object[], outputs: object[], extra: Record<string, unknown> = {}) => ({
  eventType: 'COMPLETE',
  eventTime: '2026-12-01T10:00:00.000Z',
  producer: 'https://github.com/apache/airflow',
  schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
  run: { runId: '0190b0b4-6c3e-7d2a-9f4e-1a2b3c4d5e6f' },
  job: { namespace: 'airflow-prod', name: job },
  inputs,
  outputs,
  ...extra,
});

describe.each(BACKENDS)('lineage over the API (%s registry)', (backend) => {
  let t: TestServer;
  let client: HttpPlatform;
  let local: LocalPlatform;
  beforeAll(async () => {
    t = await startTestServer(backend);
    client = new HttpPlatform({ baseUrl: t.url, token: t.adminToken, retries: 0 });
    local = new LocalPlatform({ registry: t.registry });
    await client.publish(productBundle({ name: 'orders' }));
    await client.publish(reading('revenue', 'sales/orders@1'));
  });
  afterAll(async () => t?.close());

  it('answers the same graph as in-process, every role may read it', async () => {
    const remote = await client.lineage('sales/revenue', { depth: 2 });
    expect(remote).toEqual(await local.lineage('sales/revenue', { depth: 2 }));
    expect(remote.nodes.map((n) => n.id)).toEqual([
      'product:sales/revenue',
      'product:sales/orders',
      'source:sales/orders/records',
    ]);
    const consumer = new HttpPlatform({ baseUrl: t.url, token: await t.token('carol', 'consumer'), retries: 0 });
    expect((await consumer.lineage('sales/orders', { direction: 'downstream' })).nodes.map((n) => n.id)).toEqual([
      'product:sales/orders',
      'product:sales/revenue',
    ]);
  });

  it('joins other tools’ jobs to products by dataset namespace/name, unknown products kept as external nodes', async () => {
    await client.ingestLineageEvents(
      runEvent(
        'reports.weekly',
        [
          { namespace: 'meshwork', name: 'sales/revenue' },
          { namespace: 'meshwork', name: 'ghost/not-published' },
        ],
        [{ namespace: 's3://reports', name: '/weekly/revenue.csv' }],
      ),
    );
    const down = await client.lineage('sales/revenue', { direction: 'downstream' });
    const byId = new Map(down.nodes.map((n) => [n.id, n]));
    expect(byId.get('job:airflow-prod/reports.weekly')).toMatchObject({
      kind: 'job',
      depth: 1,
      external: true,
      status: { lastRun: { status: 'succeeded', at: '2026-12-01T10:00:00.000Z' } },
    });
    expect(byId.get('dataset:s3://reports/weekly/revenue.csv')).toMatchObject({ kind: 'dataset', depth: 2 });
    const up = await client.lineage('sales/revenue', { direction: 'upstream', depth: 1 });
    expect(up.nodes.map((n) => n.id)).toEqual(['product:sales/revenue', 'product:sales/orders']);
    // The unknown product is a node of the graph (walking from it needs it in the catalog).
    const [ghost] = await t.registry.db
      .selectFrom('lineage_nodes')
      .selectAll()
      .where('id', '=', 'product:ghost/not-published')
      .execute();
    expect(ghost).toMatchObject({ kind: 'product', external: 1 });
  });

  it('refuses events that fail the OpenLineage schema with 400 and the reason', async () => {
    const post = async (body: unknown) => {
      const response = await fetch(`${t.url}/v1/lineage/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as { error?: { message: string } } };
    };
    const { producer: _producer, ...noProducer } = runEvent('x', [], []);
    const cases: Array<[unknown, RegExp]> = [
      [noProducer, /required property 'producer'/],
      [runEvent('x', [], [], { eventTime: 'yesterday' }), /eventTime.*date-time/],
      [runEvent('x', [{ name: 'no-namespace' }], []), /inputs\/0.*namespace/],
      [runEvent('x', [], [], { eventType: 'EXPLODED' }), /eventType/],
      [[runEvent('ok', [], []), { hello: 'world' }], /event 1 is not an OpenLineage RunEvent/],
      [[], /no events/],
    ];
    for (const [body, reason] of cases) {
      const answer = await post(body);
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error?.message).toMatch(reason);
    }
    await expect(client.ingestLineageEvents({ nope: true })).rejects.toMatchObject({ kind: 'input' });
    const consumer = new HttpPlatform({ baseUrl: t.url, token: await t.token('dave', 'consumer'), retries: 0 });
    await expect(consumer.ingestLineageEvents(runEvent('x', [], []))).rejects.toMatchObject({ kind: 'not-allowed' });
  });

  it('lets a member speak only for their own domains’ products: another domain’s job or output is refused, nothing kept', async () => {
    const member = new HttpPlatform({
      baseUrl: t.url,
      token: await t.token('fiona', 'member', { domains: ['finance'] }),
      retries: 0,
    });
    const before = await client.lineage('sales/orders', { direction: 'both' });
    const writes = runEvent('finance.sync', [], [{ namespace: 'meshwork', name: 'sales/orders@1' }]);
    await expect(member.ingestLineageEvents(writes)).rejects.toMatchObject({
      kind: 'not-allowed',
      message:
        'fiona may not send lineage events that write sales/orders in domain sales: not a member of a team of that domain',
    });
    const impersonates = { ...runEvent('x', [], []), job: { namespace: 'meshwork', name: 'sales/orders' } };
    await expect(member.ingestLineageEvents([runEvent('ok', [], []), impersonates])).rejects.toMatchObject({
      kind: 'not-allowed',
    });
    expect(await client.lineage('sales/orders', { direction: 'both' })).toEqual(before);
    // Reading another domain's product and writing one's own are the member's to say.
    const own = runEvent(
      'finance.sync',
      [{ namespace: 'meshwork', name: 'ghost/not-published' }],
      [{ namespace: 'meshwork', name: 'finance/ledger' }],
    );
    expect(await member.ingestLineageEvents(own)).toEqual({ accepted: 1 });
  });

  it('keeps every event of a 10,000-event burst', async () => {
    const events = Array.from({ length: 10_000 }, (_, i) =>
      runEvent(`burst.task_${i}`, [{ namespace: 'meshwork', name: 'sales/orders' }], []),
    );
    // 2,000 single-event requests from 100 senders at once, and the rest as batches of 1,000, concurrently.
    const queue = events.slice(0, 2_000);
    const sender = async () => {
      let accepted = 0;
      for (let e = queue.shift(); e; e = queue.shift()) accepted += (await client.ingestLineageEvents(e)).accepted;
      return { accepted };
    };
    const singles = Array.from({ length: 100 }, sender);
    const batches = Array.from({ length: 8 }, (_, b) =>
      client.ingestLineageEvents(events.slice(2_000 + b * 1_000, 3_000 + b * 1_000)),
    );
    const answers = await Promise.all([...singles, ...batches]);
    expect(answers.reduce((n, a) => n + a.accepted, 0)).toBe(10_000);
    const down = await client.lineage('sales/orders', { direction: 'downstream', depth: 1, limit: 1000 });
    expect(down.total).toBe(10_000 + 2); // the root, sales/revenue and the burst's jobs
    expect(down.nodes).toHaveLength(1000);
  }, 120_000);

  it('answers bad lineage requests with 400 input errors', async () => {
    for (const query of ['', 'product=sales/orders&depth=0', 'product=sales/orders&direction=up', 'product=x']) {
      const response = await fetch(`${t.url}/v1/lineage?${query}`, {
        headers: { authorization: `Bearer ${t.adminToken}` },
      });
      expect(response.status, query).toBe(400);
    }
    const missing = await fetch(`${t.url}/v1/lineage?product=sales/missing`, {
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect(missing.status).toBe(404);
  });
});

describe.each(['local', 'server'] as const)('mesh lineage (%s mode)', (mode) => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  let server: TestServer | undefined;
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), `mesh-lineage-cli-${mode}-`));
    if (mode === 'server') {
      server = await startTestServer('sqlite');
      env = { MESH_SERVER: server.url, MESH_TOKEN: server.adminToken, MESH_HOME: join(work, 'unused') };
    } else env = { MESH_HOME: join(work, '.mesh'), MESH_SERVER: '', MESH_TOKEN: '', MESH_DATABASE_URL: '' };
    const platform = server
      ? new HttpPlatform({ baseUrl: server.url, token: server.adminToken })
      : new LocalPlatform({ config: { ...(await import('../../src/core/mesh-config.js')).configFromEnv(env) } });
    await platform.publish(productBundle({ name: 'orders' }));
    await platform.publish(reading('revenue', 'sales/orders@1'));
    await platform.close();
  });
  afterAll(async () => server?.close());

  const run = (args: string[]) => mesh(args, { cwd: work, env: { ...env, MESH_DATABASE_URL: '' } });

  it('prints the graph as text, JSON, DOT and Mermaid', async () => {
    const text = await run(['lineage', 'sales/revenue']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('product sales/revenue  [never run, never-run]');
    expect(text.stdout).toMatch(/upstream:\n {2}← product sales\/orders/);
    const json = JSON.parse((await run(['lineage', 'sales/orders', '--downstream', '--json'])).stdout);
    expect(json.nodes.map((n: { id: string }) => n.id)).toEqual(['product:sales/orders', 'product:sales/revenue']);
    const dot = (await run(['lineage', 'sales/revenue', '--format', 'dot'])).stdout;
    expect(dot).toMatch(/^digraph lineage \{/);
    expect(dot).toContain('"product:sales/orders" -> "product:sales/revenue";');
    const mermaid = (await run(['lineage', 'sales/revenue', '--format', 'mermaid', '--upstream'])).stdout;
    expect(mermaid).toMatch(/^flowchart LR/);
    expect(mermaid).toContain('n1 --> n0');
    const columns = await run(['lineage', 'sales/revenue', '--upstream', '--depth', '1', '--columns']);
    expect(columns.stdout).toContain('columns of sales/revenue:');
  });

  it('exits 2 on usage errors and 1 on an unknown product', async () => {
    expect((await run(['lineage', 'sales/revenue', '--depth', '99'])).code).toBe(2);
    expect((await run(['lineage', 'sales/revenue', '--format', 'png'])).code).toBe(2);
    expect((await run(['lineage', 'sales/revenue', '--upstream', '--downstream'])).code).toBe(2);
    expect((await run(['lineage', 'sales/missing'])).code).toBe(1);
  });
});
