/**
 * Catalog search through a server, as a client sees it: the same results, facets and paging
 * as in-process (HttpPlatform implements MeshApi), filters as repeated query parameters, bad
 * input as 400 `input` errors, and a publication visible in the server's next search.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpPlatform } from '../../src/server/client/http-platform.js';
import { productBundle } from '../helpers/products.js';
import { BACKENDS } from '../helpers/registries.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe.each(BACKENDS)('catalog search over the API (%s)', (backend) => {
  let t: TestServer;
  let client: HttpPlatform;
  beforeAll(async () => {
    t = await startTestServer(backend);
    client = new HttpPlatform({ baseUrl: t.url, token: t.adminToken, retries: 0 });
    await client.publish(
      productBundle({ name: 'customer-revenue', description: 'Revenue per customer and month.', tags: ['finance'] }),
    );
    await client.publish(
      productBundle({ name: 'revenue-plan', description: 'Planned revenue for each quarter.', tags: ['planning'] }),
    );
    await client.publish(
      productBundle({
        name: 'revenue-ledger',
        domain: 'finance',
        description: 'Booked revenue lines of the ledger.',
        tags: ['finance'],
      }),
    );
  });
  afterAll(async () => t?.close());

  const get = async (query: string) => {
    const response = await fetch(`${t.url}/v1/catalog/search?${query}`, {
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  it('filters by repeated facet parameters and counts facets', async () => {
    const { status, body } = await get('q=revenue&domain=sales&domain=finance&tag=finance');
    expect(status).toBe(200);
    expect(body.hits.map((h: { id: string }) => h.id).sort()).toEqual([
      'finance/revenue-ledger',
      'sales/customer-revenue',
    ]);
    expect(body.facets.domain).toEqual([
      { value: 'finance', count: 1 },
      { value: 'sales', count: 1 },
    ]);
    const viaClient = await client.searchProducts('revenue', { domain: ['sales', 'finance'], tag: ['finance'] });
    expect(viaClient).toEqual(body);
  });

  it('flags a stale product in the hits, judged when read even if the search was cached', async () => {
    const before = await client.searchProducts('ledger');
    expect(before.hits.map((h) => [h.id, h.stale])).toEqual([['finance/revenue-ledger', null]]);
    // Age the product by 100 days: published, never run, never read.
    const aged = new Date(Date.now() - 100 * 86_400_000).toISOString();
    await t.registry.db
      .updateTable('products')
      .set({ created_at: aged })
      .where('id', '=', 'finance/revenue-ledger')
      .execute();
    const after = await client.searchProducts('ledger');
    expect(after.hits[0].stale).toBe('never published data in 100 days (freshness target 1d)');
    const { body } = await get('q=ledger');
    expect(body.hits[0]).toMatchObject({ id: 'finance/revenue-ledger', stale: after.hits[0].stale });
  });

  it('pages with the cursor and corrects typos, through the client', async () => {
    const first = await client.searchProducts('revenue', { limit: 2 });
    const second = await client.searchProducts('revenue', { limit: 2, cursor: first.nextCursor! });
    expect([...first.hits, ...second.hits].map((h) => h.id).sort()).toEqual([
      'finance/revenue-ledger',
      'sales/customer-revenue',
      'sales/revenue-plan',
    ]);
    expect(second.nextCursor).toBeNull();
    const typo = await client.searchProducts('revnue plann');
    expect(typo.correctedFrom).toBe('revnue plann');
    expect(typo.hits.map((h) => h.id)).toEqual(['sales/revenue-plan']);
  });

  it('answers bad input with 400 input errors, engine syntax with results', async () => {
    for (const query of [
      `q=${'x'.repeat(10_000)}`,
      'q=revenue&lifecycle=gone',
      'q=revenue&pii=public',
      'q=revenue&limit=0',
      'q=revenue&cursor=garbage',
      'q=revenue&typos=maybe',
      `q=${encodeURIComponent('🙂🙂')}`,
    ]) {
      const { status, body } = await get(query);
      expect(status, query.slice(0, 40)).toBe(400);
      expect(body.error.kind).toBe('input');
    }
    for (const text of ['" * ( ) : ^ NEAR AND OR NOT -', "'; drop table products; --", '"unbalanced', 'עולם 🙂']) {
      const { status, body } = await get(`q=${encodeURIComponent(text)}`);
      expect(status, text).toBe(200);
      expect(Array.isArray(body.hits)).toBe(true);
    }
    const { status, body } = await get('q=revenue&domain=no-such-domain');
    expect(status).toBe(200);
    expect(body.total).toBe(0);
  });

  it('shows a publication in the next search on the same server (read-your-writes)', async () => {
    const before = await client.searchProducts('', { domain: ['sales'] });
    expect((await client.searchProducts('', { domain: ['sales'] })).total).toBe(before.total); // now cached
    await client.publish(
      productBundle({ name: 'revenue-daily', description: 'Daily revenue of every shop.', tags: ['finance'] }),
    );
    const after = await client.searchProducts('', { domain: ['sales'] });
    expect(after.total).toBe(before.total + 1);
    expect(after.facets.tag.find((f) => f.value === 'finance')?.count).toBe(
      (before.facets.tag.find((f) => f.value === 'finance')?.count ?? 0) + 1,
    );
    // The first API's route still answers with the hits.
    const legacy = await fetch(`${t.url}/v1/search?q=revenue%20daily`, {
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect(((await legacy.json()) as Array<{ id: string }>).map((h) => h.id)).toEqual(['sales/revenue-daily']);
  });
});
