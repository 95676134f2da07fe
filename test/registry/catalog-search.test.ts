/**
 * Catalog search on both registries' full-text engines: ranking by field, prefixes, phrases,
 * typo tolerance, exact facet counts with filters, cursor paging while others publish, the
 * index kept current and rebuilt, and every kind of awkward input answered with a result or
 * an InputError — never an engine syntax error.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { migrateTo, migrateToLatest } from '../../src/registry/migrations/migrate.js';
import { reindexRegistry } from '../../src/registry/operations/products/search-index.js';
import { openRegistry } from '../../src/registry/registry.js';
import { productBundle } from '../helpers/products.js';
import { BACKENDS, createTestDatabase, createTestRegistry, type TestRegistry } from '../helpers/registries.js';

/** A fixed corpus: who has which word where is the point of each product. */
const CORPUS: Array<{
  name: string;
  domain: string;
  description: string;
  tags?: string[];
  owner?: string;
  column?: { name: string; description?: string; pii?: 'none' | 'indirect' | 'direct' | 'sensitive' };
}> = [
  { name: 'customer-revenue', domain: 'sales', description: 'Monthly totals by account.', tags: ['finance'] },
  {
    name: 'orders-daily',
    domain: 'sales',
    description: 'Orders with the customer who placed them.',
    tags: ['orders'],
  },
  {
    name: 'ledger',
    domain: 'finance',
    description: 'General ledger lines.',
    tags: ['finance', 'revenue'],
    owner: 'finance-data@company.com',
    column: { name: 'party_ref', description: 'the customer paying', pii: 'indirect' },
  },
  {
    name: 'people',
    domain: 'hr',
    description: 'Employees and managers; שלום עולם, café au lait.',
    owner: 'hr-data@company.com',
    column: { name: 'email', description: 'work address', pii: 'direct' },
  },
  {
    name: 'daily-invoice-totals',
    domain: 'sales',
    description: 'Invoice totals per country, each day.',
    tags: ['finance'],
  },
  {
    name: 'invoice-archive',
    domain: 'finance',
    description: 'Every invoice ever sent; totals daily are elsewhere.',
    owner: 'finance-data@company.com',
  },
];

function bundleOf(p: (typeof CORPUS)[number], version = '1.0.0') {
  return productBundle({
    name: p.name,
    domain: p.domain,
    version,
    description: p.description,
    tags: p.tags,
    edit: (d: DataProduct) => {
      if (p.owner) d.metadata.owner = p.owner;
      if (p.column)
        d.spec.schema.columns.push({ type: 'varchar', nullable: true, ...p.column, pii: p.column.pii ?? 'none' });
    },
  });
}

const ids = (r: { hits: Array<{ id: string }> }) => r.hits.map((h) => h.id);

describe.each(BACKENDS)('catalog search (%s)', (backend) => {
  let t: TestRegistry;
  let platform: LocalPlatform;
  beforeAll(async () => {
    t = await createTestRegistry(backend);
    platform = new LocalPlatform({ registry: t.registry, config: { ...configFromEnv(), actor: 'test' } });
    for (const p of CORPUS) await platform.publish(bundleOf(p));
  });
  afterAll(async () => t?.dispose());

  it('ranks a name match above a description match, and that above a column description match', async () => {
    const result = await platform.searchProducts('customer');
    expect(ids(result)).toEqual(['sales/customer-revenue', 'sales/orders-daily', 'finance/ledger']);
    const [name, description, column] = result.hits.map((h) => h.score);
    expect(name).toBeGreaterThan(description);
    expect(description).toBeGreaterThan(column);
    expect(result.total).toBe(3);
  });

  it('matches the last word as a prefix, the others whole, and "quoted" words as a phrase', async () => {
    expect(ids(await platform.searchProducts('invoice tot'))).toEqual([
      'sales/daily-invoice-totals',
      'finance/invoice-archive',
    ]);
    // "tot " is finished (a trailing space): a whole word, which no product has.
    expect((await platform.searchProducts('invoice tot ', { typos: false })).total).toBe(0);
    expect(ids(await platform.searchProducts('"totals daily"'))).toEqual(['finance/invoice-archive']);
    expect(ids(await platform.searchProducts('"daily invoice"'))).toEqual(['sales/daily-invoice-totals']);
  });

  it('searches tags, owners, domains, column descriptions, accents and right-to-left text', async () => {
    expect(ids(await platform.searchProducts('revenue'))).toEqual(['sales/customer-revenue', 'finance/ledger']);
    expect(ids(await platform.searchProducts('hr-data'))).toEqual(['hr/people']);
    expect(ids(await platform.searchProducts('paying party'))).toEqual(['finance/ledger']);
    expect(ids(await platform.searchProducts('party_ref'))).toEqual(['finance/ledger']);
    expect(ids(await platform.searchProducts('CAFÉ'))).toEqual(['hr/people']);
    expect(ids(await platform.searchProducts('cafe'))).toEqual(['hr/people']);
    expect(ids(await platform.searchProducts('שלום'))).toEqual(['hr/people']);
    expect(ids(await platform.searchProducts('🙂 עולם 🚀'))).toEqual(['hr/people']);
  });

  it('corrects typos when nothing matches, and suggests the nearest words', async () => {
    const corrected = await platform.searchProducts('custmer revnue');
    expect(corrected.correctedFrom).toBe('custmer revnue');
    expect(corrected.query).toBe('customer revenue');
    expect(ids(corrected)).toEqual(['sales/customer-revenue', 'finance/ledger']);
    // Nothing matches even corrected: the suggestion is still offered.
    const none = await platform.searchProducts('custmer zzzzzzzz');
    expect(none.total).toBe(0);
    expect(none.suggestions).toContain('customer');
    expect((await platform.searchProducts('custmer', { typos: false })).total).toBe(0);
  });

  it('counts facets exactly over the whole matching set, and combines filters with the text', async () => {
    const all = await platform.searchProducts('', { limit: 2 });
    expect(all.total).toBe(CORPUS.length);
    expect(all.hits).toHaveLength(2);
    const count = (facet: (p: (typeof CORPUS)[number]) => string[], value: string) =>
      CORPUS.filter((p) => facet(p).includes(value)).length;
    expect(all.facets.domain).toEqual([
      { value: 'sales', count: count((p) => [p.domain], 'sales') },
      { value: 'finance', count: count((p) => [p.domain], 'finance') },
      { value: 'hr', count: 1 },
    ]);
    expect(all.facets.tag[0]).toEqual({ value: 'finance', count: count((p) => p.tags ?? [], 'finance') });
    expect(all.facets.owner.find((o) => o.value === 'finance-data@company.com')?.count).toBe(2);
    expect(all.facets.pii).toEqual([
      { value: 'direct', count: 1 },
      { value: 'indirect', count: 1 },
    ]);
    expect(all.facets.lifecycle).toEqual([{ value: 'active', count: CORPUS.length }]);

    const finance = await platform.searchProducts('invoice', { domain: ['finance'] });
    expect(ids(finance)).toEqual(['finance/invoice-archive']);
    expect(finance.facets.domain).toEqual([{ value: 'finance', count: 1 }]);
    const tagged = await platform.searchProducts('revenue', { domain: ['sales', 'finance'], tag: ['finance'] });
    expect(ids(tagged)).toEqual(['sales/customer-revenue', 'finance/ledger']);
    expect(tagged.facets.tag).toEqual([
      { value: 'finance', count: 2 },
      { value: 'revenue', count: 1 },
    ]);
    expect(ids(await platform.searchProducts('', { pii: ['direct'] }))).toEqual(['hr/people']);
    const nowhere = await platform.searchProducts('invoice', { domain: ['no-such-domain'] });
    expect(nowhere.total).toBe(0);
    expect(nowhere.facets.domain).toEqual([]);
  });

  it('answers awkward input with a result or an InputError, never an engine error', async () => {
    for (const text of [
      '" * ( ) : ^ NEAR AND OR NOT -',
      'customer AND NOT revenue OR (orders*) NEAR/3 ^ledger:',
      "o'brien'; drop table products; --",
      '"unbalanced quote customer',
      'customer"',
      '-customer',
      'a'.repeat(900),
    ]) {
      const result = await platform.searchProducts(text);
      expect(result.total, text.slice(0, 30)).toBeGreaterThanOrEqual(0);
    }
    expect(ids(await platform.searchProducts('"unbalanced customer'))).toEqual([]);
    expect(ids(await platform.searchProducts('-customer'))).toEqual(ids(await platform.searchProducts('customer')));
    await expect(platform.searchProducts('x'.repeat(10_000))).rejects.toThrow(InputError);
    await expect(platform.searchProducts('x'.repeat(10_000))).rejects.toThrow('at most 1000 are searched');
    await expect(platform.searchProducts('🙂🚀')).rejects.toThrow('has no letters or digits');
    await expect(platform.searchProducts('customer', { lifecycle: ['gone'] })).rejects.toThrow(
      'not a lifecycle value; use one of active, deprecated, retired',
    );
    await expect(platform.searchProducts('customer', { cursor: 'not-a-cursor' })).rejects.toThrow(
      'the cursor is not one a search returned',
    );
    await expect(
      platform.searchProducts('customer', { cursor: Buffer.from('[1.5,"x"]').toString('base64url') }),
    ).rejects.toThrow(InputError);
    const many = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
    await expect(platform.searchProducts(many)).rejects.toThrow('at most 16 are searched');
    // The products table is intact after the quotes above.
    expect((await platform.listProducts()).length).toBe(CORPUS.length);
  });

  it('pages by cursor through every result exactly once while products are published', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let extra = 0;
    for (let page = 0; page < 20; page++) {
      const result = await platform.searchProducts('', { limit: 2, cursor });
      seen.push(...ids(result));
      // Someone publishes between pages: products sorting before and after the cursor.
      await platform.publish(bundleOf({ name: `aaa-paging-${extra}`, domain: 'paging', description: 'New.' }));
      await platform.publish(bundleOf({ name: `zzz-paging-${extra++}`, domain: 'zpaging', description: 'New.' }));
      if (!result.nextCursor) break;
      cursor = result.nextCursor;
    }
    expect(new Set(seen).size).toBe(seen.length);
    for (const p of CORPUS) expect(seen).toContain(`${p.domain}/${p.name}`);
    // Scored pages: the same order as one big page.
    const big = ids(await platform.searchProducts('invoice', { limit: 50 }));
    const paged: string[] = [];
    cursor = undefined;
    do {
      const r = await platform.searchProducts('invoice', { limit: 1, cursor });
      paged.push(...ids(r));
      cursor = r.nextCursor ?? undefined;
    } while (cursor);
    expect(paged).toEqual(big);
    expect(big.length).toBeGreaterThan(1);
  });

  it('finds a publication in the next search, by its latest version, and follows the lifecycle', async () => {
    const product = { name: 'stock-levels', domain: 'logistics', description: 'Warehouse stock per day.' };
    await platform.publish(bundleOf(product));
    expect(ids(await platform.searchProducts('warehouse stock'))).toEqual(['logistics/stock-levels']);
    await platform.publish(bundleOf({ ...product, description: 'Inventory per site per day.' }, '2.0.0'));
    expect((await platform.searchProducts('warehouse', { typos: false })).total).toBe(0);
    const found = await platform.searchProducts('inventory');
    expect(ids(found)).toEqual(['logistics/stock-levels']);
    // 1.0.0 is deprecated now: the product counts as active and deprecated.
    expect(found.facets.lifecycle).toEqual([
      { value: 'active', count: 1 },
      { value: 'deprecated', count: 1 },
    ]);
    expect(ids(await platform.searchProducts('', { lifecycle: ['deprecated'] }))).toEqual(['logistics/stock-levels']);
    const retired = await platform.retireExpiredVersions({ now: '2999-01-01T00:00:00Z' });
    expect(retired.retired.map((r) => r.product)).toContain('logistics/stock-levels');
    expect(ids(await platform.searchProducts('', { lifecycle: ['retired'] }))).toEqual(['logistics/stock-levels']);
  });

  it('rebuilds the index from the versions (mesh admin reindex)', async () => {
    await sql`delete from search_facets`.execute(t.registry.db);
    await sql`delete from search_documents`.execute(t.registry.db);
    if (backend === 'sqlite') await sql`delete from search_fts`.execute(t.registry.db);
    expect((await platform.searchProducts('customer', { typos: false })).total).toBe(0);
    const rebuilt = await reindexRegistry(t.registry);
    expect(rebuilt.products).toBe((await platform.listProducts()).length);
    expect(ids(await platform.searchProducts('customer'))).toEqual([
      'sales/customer-revenue',
      'sales/orders-daily',
      'finance/ledger',
    ]);
  });
});

describe('the same ranking on SQLite and PostgreSQL', () => {
  const registries: TestRegistry[] = [];
  afterAll(async () => {
    for (const r of registries) await r.dispose();
  });

  it('returns the same top results and scores for a fixed corpus and queries', async () => {
    const results: Record<string, unknown[]> = {};
    for (const backend of BACKENDS) {
      const t = await createTestRegistry(backend);
      registries.push(t);
      const platform = new LocalPlatform({ registry: t.registry, config: { ...configFromEnv(), actor: 'test' } });
      for (const p of CORPUS) await platform.publish(bundleOf(p));
      results[backend] = [];
      for (const q of ['customer', 'invoice', 'finance', 'daily', 'tot', '"invoice totals"', 'custmer', 'sales data'])
        results[backend].push(
          await platform
            .searchProducts(q, { limit: 5 })
            .then((r) => ({ q, hits: r.hits.map((h) => [h.id, h.score]), facets: r.facets })),
        );
    }
    expect(results.postgres).toEqual(results.sqlite);
    expect(results.sqlite.length).toBe(8);
  });
});

describe.each(BACKENDS)('migration 009 (%s)', (backend) => {
  it('indexes the products published before it and drops the term table', async () => {
    let url: string;
    let drop = async () => {};
    if (backend === 'postgres') {
      const db = await createTestDatabase();
      url = db.url;
      drop = db.drop;
    } else url = (await createTestRegistry('sqlite')).url.replace('registry.sqlite', 'old.sqlite');
    const registry = await openRegistry({ url, migrate: false });
    try {
      await migrateTo(registry, '006-major-watermarks');
      const descriptor = JSON.parse(bundleOf(CORPUS[0]).yaml) as DataProduct;
      const now = new Date().toISOString();
      await registry.db
        .insertInto('products')
        .values({
          id: 'sales/customer-revenue',
          domain: 'sales',
          name: 'customer-revenue',
          owner: descriptor.metadata.owner,
          oncall: null,
          description: descriptor.metadata.description ?? null,
          latest_version: '1.0.0',
          created_at: now,
          updated_at: now,
        })
        .execute();
      await registry.db
        .insertInto('product_versions')
        .values({
          product_id: 'sales/customer-revenue',
          version: '1.0.0',
          major: 1,
          minor: 0,
          patch: 0,
          descriptor: JSON.stringify(descriptor),
          source_yaml: '',
          transform_sql: null,
          content_hash: 'h',
          published_by: 'old',
          published_at: now,
          status: 'active',
          sunset_at: null,
        })
        .execute();
      await migrateToLatest(registry);
      const platform = new LocalPlatform({ registry, config: { ...configFromEnv(), actor: 'test' } });
      expect(ids(await platform.searchProducts('revenue'))).toEqual(['sales/customer-revenue']);
      await expect(sql`select count(*) from search_terms`.execute(registry.db)).rejects.toThrow();
    } finally {
      await registry.close();
      await drop();
    }
  });
});

describe('migration 009 without the right to create pg_trgm', () => {
  it('says what to ask for instead of failing with a bare permission error', async () => {
    const db = await createTestDatabase();
    const role = `mesh_test_noext_${process.pid}_${Date.now().toString(36)}`;
    const admin = await openRegistry({ url: db.url, migrate: false });
    try {
      await sql`create role ${sql.raw(role)} login`.execute(admin.db);
      await sql`revoke create on database ${sql.raw(db.url.split('/').pop()!)} from public`.execute(admin.db);
      await sql`grant usage, create on schema public to ${sql.raw(role)}`.execute(admin.db);
      const url = db.url.replace('postgres@', `${role}@`);
      await expect(openRegistry({ url })).rejects.toThrow(
        /needs the PostgreSQL extension pg_trgm, and this role may not create it \(permission denied\); have the database owner or a superuser run "CREATE EXTENSION pg_trgm;"/,
      );
      // Once the extension is there, the same role migrates fine.
      await sql`create extension pg_trgm`.execute(admin.db);
      const registry = await openRegistry({ url });
      await registry.close();
    } finally {
      await admin.close();
      await db.drop();
      const cleanup = await openRegistry({ url: db.url.replace(/\/[^/]*$/, '/postgres'), migrate: false });
      await sql`drop role if exists ${sql.raw(role)}`.execute(cleanup.db);
      await cleanup.close();
    }
  });
});
