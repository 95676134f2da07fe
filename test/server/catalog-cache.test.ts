/**
 * The catalog read cache keeps its promises: a publication through a server is visible in its
 * next response (list, search, product page), and one through another replica within the poll
 * interval.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { CatalogCache } from '../../src/server/catalog-cache.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { productBundle } from '../helpers/products.js';
import { createTestRegistry, type TestRegistry } from '../helpers/registries.js';
import { createToken } from '../../src/registry/operations/identity/tokens.js';
import { listProducts } from '../../src/registry/operations/products/read-products.js';
import { appendEvent } from '../../src/registry/operations/events/append-event.js';

describe('catalog cache across two replicas (PostgreSQL)', () => {
  let t: TestRegistry;
  const replicas: RunningServer[] = [];
  let token: string;
  beforeAll(async () => {
    t = await createTestRegistry('postgres');
    for (let i = 0; i < 2; i++) {
      const platform = new LocalPlatform({ config: { ...configFromEnv(), databaseUrl: t.url, actor: 'server' } });
      replicas.push(await startServer({ platform, port: 0 }));
    }
    token = (await createToken(t.registry, { user: 'root', role: 'admin', createdBy: 'test' })).token;
  });
  afterAll(async () => {
    for (const r of replicas) await r.close();
    await t?.dispose();
  });

  const get = async (r: RunningServer, path: string) =>
    (await fetch(`${r.url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json();
  const publish = async (r: RunningServer, bundle: unknown) =>
    fetch(`${r.url}/v1/products`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(bundle),
    });

  it('shows a publication on the same replica at once, and on the other within 600 ms (the 250 ms poll interval plus slack; the 250 ms itself is not measured)', async () => {
    const [a, b] = replicas;
    await publish(a, productBundle({ name: 'orders', description: 'Orders by day for the sales team.' }));
    // Warm both caches.
    for (const r of replicas) {
      expect((await get(r, '/v1/products')).map((p: { id: string }) => p.id)).toEqual(['sales/orders']);
      expect(await get(r, '/v1/search?q=invoices')).toEqual([]);
      expect((await get(r, '/v1/catalog/search?q=&domain=sales')).facets.domain).toEqual([
        { value: 'sales', count: 1 },
      ]);
      expect((await get(r, '/v1/products/sales/orders')).product.latestVersion).toBe('1.0.0');
    }
    expect(
      (
        await publish(
          a,
          productBundle({
            name: 'orders',
            version: '1.1.0',
            description: 'Orders and invoices by day for the sales team.',
          }),
        )
      ).status,
    ).toBe(201);
    expect((await publish(a, productBundle({ name: 'invoices', description: 'Invoices by day.' }))).status).toBe(201);
    // Same replica: read-your-writes.
    expect((await get(a, '/v1/products')).map((p: { id: string }) => p.id)).toEqual(['sales/invoices', 'sales/orders']);
    expect((await get(a, '/v1/search?q=invoices')).map((p: { id: string }) => p.id).sort()).toEqual([
      'sales/invoices',
      'sales/orders',
    ]);
    expect((await get(a, '/v1/products/sales/orders')).product.latestVersion).toBe('1.1.0');
    expect((await get(a, '/v1/catalog/search?q=&domain=sales')).facets.domain).toEqual([{ value: 'sales', count: 2 }]);
    // Other replica: after its 250 ms poll; 600 ms leaves room for a loaded machine.
    await new Promise((r) => setTimeout(r, 600));
    expect((await get(b, '/v1/products')).map((p: { id: string }) => p.id)).toEqual(['sales/invoices', 'sales/orders']);
    expect((await get(b, '/v1/search?q=invoices')).map((p: { id: string }) => p.id).sort()).toEqual([
      'sales/invoices',
      'sales/orders',
    ]);
    expect((await get(b, '/v1/products/sales/orders')).product.latestVersion).toBe('1.1.0');
    expect((await get(b, '/v1/catalog/search?q=&domain=sales')).facets.domain).toEqual([{ value: 'sales', count: 2 }]);
  });
});

describe('catalog list pages from memory (SQLite)', () => {
  it('match the registry page for page while products are published', async () => {
    const t = await createTestRegistry('sqlite');
    const server = await startServer({
      platform: new LocalPlatform({ registry: t.registry, config: { ...configFromEnv(), actor: 'server' } }),
      port: 0,
    });
    const token = (await createToken(t.registry, { user: 'root', role: 'admin', createdBy: 'test' })).token;
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    try {
      const names = ['mango', 'apple', 'kiwi', 'banana', 'zucchini', 'cherry', 'lime', 'fig'];
      for (const [i, name] of names.entries()) {
        await fetch(`${server.url}/v1/products`, {
          method: 'POST',
          headers,
          body: JSON.stringify(productBundle({ name, domain: i % 2 ? 'sales' : 'hr' })),
        });
        // Read between writes, so the in-memory list is loaded early and then updated row by row.
        for (const query of ['limit=3&offset=0', 'limit=3&offset=3', 'domain=sales&limit=2&offset=1', '']) {
          const served = await (await fetch(`${server.url}/v1/products?${query}`, { headers })).json();
          const params = new URLSearchParams(query);
          const direct = await listProducts(t.registry, {
            domain: params.get('domain') ?? undefined,
            limit: params.has('limit') ? Number(params.get('limit')) : undefined,
            offset: params.has('offset') ? Number(params.get('offset')) : undefined,
          });
          expect(served, `${query} after ${name}`).toEqual(JSON.parse(JSON.stringify(direct)));
        }
      }
      await fetch(`${server.url}/v1/products`, {
        method: 'POST',
        headers,
        body: JSON.stringify(
          productBundle({ name: 'kiwi', domain: 'hr', version: '2.0.0', description: 'Kiwis, now in version two.' }),
        ),
      });
      const page = await (await fetch(`${server.url}/v1/products?domain=hr`, { headers })).json();
      expect(page.find((p: { id: string }) => p.id === 'hr/kiwi')).toMatchObject({
        latestVersion: '2.0.0',
        description: 'Kiwis, now in version two.',
      });
    } finally {
      await server.close();
      await t.dispose();
    }
  });
});

describe('catalog cache invalidation', () => {
  let t: TestRegistry;
  let cache: CatalogCache;
  let loads: string[];
  beforeAll(async () => {
    t = await createTestRegistry('sqlite');
  });
  afterAll(async () => t?.dispose());

  const hits = (...ids: string[]) => ids.map((id) => ({ id }));
  const search = (text: string, value: unknown, gate?: Promise<void>) =>
    cache.read(`search||${text}`, { kind: 'search' }, async () => {
      loads.push(`search ${text}`);
      await gate;
      return value;
    });
  const show = (product: string, gate?: Promise<void>) =>
    cache.read(`show|${product}`, { kind: 'show', product }, async () => {
      loads.push(`show ${product}`);
      await gate;
      return { product };
    });
  const deferred = () => {
    let open!: () => void;
    return { gate: new Promise<void>((r) => (open = r)), open: () => open() };
  };

  it('drops the product pages and the searches a publication can change', async () => {
    cache = new CatalogCache(t.registry);
    loads = [];
    await search('inv', []);
    await search('pay', hits('sales/payments'));
    await search('ord', hits('sales/orders'));
    await show('sales/orders');
    await show('sales/payments');
    loads = [];
    // Any search's totals, facet counts or corrections may change; only other products' pages stay.
    cache.published('sales/orders', '1.1.0');
    for (const text of ['inv', 'pay', 'ord']) await search(text, []);
    await show('sales/orders');
    await show('sales/payments');
    expect(loads.sort()).toEqual(['search inv', 'search ord', 'search pay', 'show sales/orders']);
  });

  it('reads a search again after a run succeeds anywhere, and once it is older than its age limit (SLA and stale move with time)', async () => {
    cache = new CatalogCache(t.registry, { pollMs: 20, searchMaxAgeMs: 300 });
    await cache.start();
    try {
      loads = [];
      await search('ord', hits('sales/orders'));
      await show('sales/orders');
      await search('ord', hits('sales/orders'));
      expect(loads).toEqual(['search ord', 'show sales/orders']);
      await appendEvent(t.registry.db, { type: 'run.succeeded', subject: 'sales/orders', data: {} });
      await expect
        .poll(async () => {
          await search('ord', hits('sales/orders'));
          return loads.filter((l) => l === 'search ord').length;
        })
        .toBe(2);
      await show('sales/orders');
      expect(loads.filter((l) => l === 'show sales/orders')).toHaveLength(1); // a run changes no product page
      await new Promise((r) => setTimeout(r, 350));
      await search('ord', hits('sales/orders'));
      expect(loads.filter((l) => l === 'search ord')).toHaveLength(3);
    } finally {
      await cache.stop();
    }
  });

  it('keeps a read that raced with a publication only when that publication could not have changed it', async () => {
    cache = new CatalogCache(t.registry);
    loads = [];
    const slowUnrelated = deferred();
    const slowAffected = deferred();
    const unrelated = show('sales/payments', slowUnrelated.gate);
    const affected = show('sales/orders', slowAffected.gate);
    const racedSearch = search('pay', hits('sales/payments'));
    cache.published('sales/orders', '1.2.0');
    slowUnrelated.open();
    slowAffected.open();
    await Promise.all([unrelated, affected, racedSearch]);
    loads = [];
    await show('sales/payments');
    await show('sales/orders');
    expect(loads).toEqual(['show sales/orders']); // the page read during its own publication was not kept

    // A read older than the record of invalidations is never kept.
    const ancient = deferred();
    const old = show('sales/refunds', ancient.gate);
    for (let i = 0; i < 300; i++) cache.published(`sales/other-${i}`, '1.0.0');
    ancient.open();
    await old;
    loads = [];
    await show('sales/refunds');
    expect(loads).toEqual(['show sales/refunds']);
  });
});
