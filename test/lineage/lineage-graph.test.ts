/**
 * The lineage graph on both registries: edges kept in step at publish (products, sources,
 * grant-holding teams), runs resolving sources to OpenLineage datasets and recording status,
 * cycles reported without looping, and a product with 1,000 consumers answered page by page.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertEdges, ensureNodes } from '../../src/registry/operations/lineage/write-lineage.js';
import { writeTransaction } from '../../src/registry/registry.js';
import type { LineageGraph } from '../../src/lineage/lineage-graph-types.js';
import { createChinookDatabase, type ChinookDatabase } from '../helpers/chinook.js';
import { createPipelineHarness, pipelineBundle, type PipelineHarness } from '../helpers/pipelines.js';
import { BACKENDS } from '../helpers/registries.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';

type PipelineInputs = DataProduct['spec']['inputs'];

const columns = [
  { name: 'id', type: 'integer', nullable: false },
  { name: 'amount', type: 'double' },
];

const ids = (g: LineageGraph) => g.nodes.map((n) => n.id).sort();
const fileInput = [{ name: 'raw', source: { type: 'file' as const, path: 'orders.csv', format: 'csv' as const } }];

describe.each(BACKENDS)('lineage graph (%s registry)', (backend) => {
  let h: PipelineHarness;
  let chinook: ChinookDatabase;
  let dir: string;
  const publish = (ref: string, inputs: PipelineInputs, sql: string, version = '1.0.0') => {
    const [domain, name] = ref.split('/');
    return h.platform.publish(pipelineBundle({ domain, name, version, inputs, sql, columns, primaryKey: ['id'] }));
  };

  beforeAll(async () => {
    h = await createPipelineHarness(backend);
    chinook = await createChinookDatabase();
    dir = mkdtempSync(join(tmpdir(), 'mesh-lineage-'));
    writeFileSync(join(dir, 'orders.csv'), 'id,amount\n1,10.5\n2,20\n');
    await publish('sales/orders', fileInput, 'SELECT id, amount FROM raw');
    await publish(
      'sales/revenue',
      [{ name: 'orders', product: 'sales/orders@1' }],
      'SELECT id, amount * 2 AS amount FROM orders',
    );
    await publish(
      'finance/ledger',
      [{ name: 'revenue', product: 'sales/revenue@1' }],
      'SELECT id, amount FROM revenue',
    );
  });
  afterAll(async () => {
    await h?.dispose();
    await chinook?.drop();
  });

  it('walks upstream to sources and downstream to consuming products and grant-holding teams', async () => {
    const graph = await h.platform.lineage('sales/revenue');
    expect(graph.root).toBe('product:sales/revenue');
    expect(ids(graph)).toEqual([
      'product:finance/ledger',
      'product:sales/orders',
      'product:sales/revenue',
      'source:sales/orders/raw',
      // pipelineBundle grants team analytics on every product (access.allow).
      'team:analytics',
    ]);
    const byId = new Map(graph.nodes.map((n) => [n.id, n]));
    expect(byId.get('product:sales/orders')).toMatchObject({ side: 'upstream', depth: 1, kind: 'product' });
    expect(byId.get('source:sales/orders/raw')).toMatchObject({ side: 'upstream', depth: 2, kind: 'source' });
    expect(byId.get('product:finance/ledger')).toMatchObject({
      side: 'downstream',
      depth: 1,
      owner: 'finance-data@company.com',
      oncall: 'finance-oncall@company.com',
      status: { lastRun: null, freshness: 'never-run', failingChecks: 0 },
    });
    expect(graph.edges).toContainEqual({
      from: 'product:sales/revenue',
      to: 'team:analytics',
      kind: 'grant',
      origin: 'grant',
    });
    expect(graph.cycles).toEqual([]);
    expect(graph.nextCursor).toBeNull();

    const up = await h.platform.lineage('sales/revenue', { direction: 'upstream', depth: 1 });
    expect(ids(up)).toEqual(['product:sales/orders', 'product:sales/revenue']);
    const down = await h.platform.lineage('sales/orders', { direction: 'downstream', depth: 2 });
    expect(ids(down)).toEqual([
      'product:finance/ledger',
      'product:sales/orders',
      'product:sales/revenue',
      'team:analytics',
    ]);
  });

  it('follows a re-publication: an input removed is an edge removed', async () => {
    await publish(
      'finance/ledger',
      [{ name: 'orders', product: 'sales/orders@1' }],
      'SELECT id, amount FROM orders',
      '1.1.0',
    );
    const down = await h.platform.lineage('sales/revenue', { direction: 'downstream' });
    expect(ids(down)).toEqual(['product:sales/revenue', 'team:analytics']);
    const fromOrders = await h.platform.lineage('sales/orders', { direction: 'downstream', depth: 1 });
    expect(ids(fromOrders)).toContain('product:finance/ledger');
  });

  it('a run resolves its file source to an OpenLineage dataset and records the status', async () => {
    const outcome = await h.platform.runProduct('sales/orders', { baseDir: dir });
    expect(outcome.error).toBeNull();
    const graph = await h.platform.lineage('sales/orders', { direction: 'upstream' });
    expect(ids(graph)).toEqual([`dataset:file://${join(dir, 'orders.csv')}`, 'product:sales/orders']);
    const root = graph.nodes.find((n) => n.id === 'product:sales/orders')!;
    expect(root.status).toMatchObject({
      lastRun: { id: outcome.runId, status: 'succeeded' },
      freshness: 'fresh',
      failingChecks: 0,
    });
    expect(graph.nodes.find((n) => n.kind === 'dataset')).toMatchObject({
      namespace: 'file://',
      name: join(dir, 'orders.csv'),
    });
  });

  it('names a PostgreSQL input postgres://host:port and database.schema.table, parsed from its query, in graph and events', async () => {
    const events = join(dir, 'events.jsonl');
    await h.platform.publish(
      pipelineBundle({
        domain: 'identity',
        name: 'buyers',
        inputs: [
          {
            name: 'buyer',
            source: {
              type: 'postgres',
              connection: '${LINEAGE_DB_URI}',
              query:
                'WITH c AS (SELECT * FROM customer) SELECT c.customer_id AS id, i.total AS amount FROM c JOIN public.invoice i USING (customer_id)',
            },
          },
        ],
        sql: 'SELECT id, amount FROM buyer',
        columns,
      }),
    );
    const env = { ...process.env, LINEAGE_DB_URI: chinook.url, MESH_OPENLINEAGE_FILE: events };
    const outcome = await h.platform.runProduct('identity/buyers', { env });
    expect(outcome.error).toBeNull();
    const url = new URL(chinook.url);
    const namespace = `postgres://${url.hostname}:${url.port || 5432}`;
    const database = url.pathname.slice(1);
    const graph = await h.platform.lineage('identity/buyers', { direction: 'upstream' });
    expect(ids(graph)).toEqual([
      `dataset:${namespace}/${database}.public.customer`,
      `dataset:${namespace}/${database}.public.invoice`,
      'product:identity/buyers',
    ]);
    const complete = readFileSync(events, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { eventType: string; inputs: unknown[] })
      .find((e) => e.eventType === 'COMPLETE')!;
    expect(complete.inputs).toEqual([
      { namespace, name: `${database}.public.customer` },
      { namespace, name: `${database}.public.invoice` },
    ]);
    expect(JSON.stringify(complete)).not.toContain('LINEAGE_DB_URI');
  });

  it('reports a cycle between products and still ends the walk', async () => {
    await publish('loop/a', fileInput, 'SELECT id, amount FROM raw');
    await publish('loop/b', [{ name: 'a', product: 'loop/a@1' }], 'SELECT id, amount FROM a');
    await publish('loop/a', [{ name: 'b', product: 'loop/b@1' }], 'SELECT id, amount FROM b', '1.1.0');
    const graph = await h.platform.lineage('loop/a', { depth: 10 });
    expect(graph.cycles).toEqual([['product:loop/a', 'product:loop/b']]);
    expect(ids(graph)).toEqual(['product:loop/a', 'product:loop/b', 'team:analytics']);
  });

  it('answers a product with 1,000 direct consumers page by page, each node once', async () => {
    const consumers = Array.from({ length: 1000 }, (_, i) => `product:fan/c${String(i).padStart(4, '0')}`);
    await writeTransaction(h.registry.registry, async (tx) => {
      await ensureNodes(
        tx,
        consumers.map((id) => ({ id, kind: 'product', label: id.slice(8) })),
      );
      for (const id of consumers)
        await insertEdges(tx, id.slice(8), 'publish', [{ from: 'product:sales/orders', to: id, inputName: 'orders' }]);
    });
    const started = performance.now();
    const first = await h.platform.lineage('sales/orders', { direction: 'downstream', depth: 1, limit: 100 });
    const firstMs = performance.now() - started;
    expect(first.nodes).toHaveLength(100);
    expect(first.nodes[0].id).toBe('product:sales/orders');
    // The root, sales/revenue, finance/ledger (it reads orders since its 1.1.0), team analytics and the 1,000.
    expect(first.total).toBe(1004);
    expect(first.nextCursor).not.toBeNull();
    const seen = new Set(first.nodes.map((n) => n.id));
    const edges = [...first.edges];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = await h.platform.lineage('sales/orders', { direction: 'downstream', depth: 1, limit: 100, cursor });
      for (const n of page.nodes) {
        expect(seen.has(n.id)).toBe(false);
        seen.add(n.id);
      }
      edges.push(...page.edges);
      cursor = page.nextCursor;
    }
    expect(seen.size).toBe(first.total);
    for (const id of consumers) expect(seen.has(id)).toBe(true);
    expect(edges.filter((e) => e.from === 'product:sales/orders' && e.kind === 'reads')).toHaveLength(1002);
    // Consumers outside the catalog (rows written here, not published) are external nodes without status.
    expect(first.nodes.find((n) => n.id === consumers[0])).toMatchObject({ external: true });
    expect(firstMs).toBeLessThan(2000);
    await expect(h.platform.lineage('sales/revenue', { cursor: first.nextCursor! })).rejects.toThrow(
      /cursor does not belong/,
    );
  });

  it('refuses bad requests and unknown products', async () => {
    await expect(h.platform.lineage('nope/missing')).rejects.toThrow(/no product nope\/missing/);
    await expect(h.platform.lineage('not a ref')).rejects.toThrow(/not a product/);
    await expect(h.platform.lineage('sales/orders', { depth: 0 })).rejects.toThrow(/depth/);
    await expect(h.platform.lineage('sales/orders', { direction: 'sideways' as 'upstream' })).rejects.toThrow(
      /direction/,
    );
  });

  it('gives column lineage per product on request', async () => {
    const graph = await h.platform.lineage('sales/revenue', { direction: 'upstream', depth: 1, columns: true });
    expect(graph.columns?.['sales/revenue'].columns).toEqual([
      { column: 'id', kind: 'identity', inputs: [{ input: 'orders', column: 'id' }] },
      { column: 'amount', kind: 'transformation', inputs: [{ input: 'orders', column: 'amount' }] },
    ]);
  });
});
