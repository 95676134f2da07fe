/**
 * The registry conformance suite: the same scenarios on SQLite and on PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { BACKENDS, createTestRegistry, type TestRegistry } from '../helpers/registries.js';
import { productBundle } from '../helpers/products.js';

describe.each(BACKENDS)('registry on %s', (backend) => {
  let t: TestRegistry;
  let platform: LocalPlatform;

  beforeAll(async () => {
    t = await createTestRegistry(backend);
    platform = new LocalPlatform({ registry: t.registry, config: { ...configFromEnv(), actor: 'test:alice' } });
  });
  afterAll(async () => {
    await platform?.close();
    await t?.dispose();
  });

  it('publishes an immutable version with hash, publisher and time', async () => {
    const outcome = await platform.publish(productBundle({ name: 'orders-daily', version: '1.0.0' }));
    expect(outcome).toMatchObject({ status: 'created', product: 'sales/orders-daily', version: '1.0.0' });
    expect(outcome.contentHash).toMatch(/^[0-9a-f]{64}$/);
    const detail = await platform.showProduct('sales/orders-daily');
    expect(detail.version).toMatchObject({ version: '1.0.0', publishedBy: 'test:alice', status: 'active' });
    expect(detail.version.descriptor.metadata.name).toBe('orders-daily');
    expect(detail.version.transformSql).toContain('SELECT');
  });

  it('treats identical content as a no-op and says so', async () => {
    const again = await platform.publish(productBundle({ name: 'orders-daily', version: '1.0.0' }));
    expect(again.status).toBe('unchanged');
    expect((await platform.showProduct('sales/orders-daily')).versions).toHaveLength(1);
  });

  it('refuses different content under an existing version, naming it', async () => {
    const changed = productBundle({
      name: 'orders-daily',
      version: '1.0.0',
      description: 'Something else entirely, and longer than before.',
    });
    await expect(platform.publish(changed)).rejects.toThrow(ConflictError);
    await expect(platform.publish(changed)).rejects.toThrow(
      'sales/orders-daily@1.0.0 is already published with different content',
    );
  });

  it('keeps every version and shows the newest by semver', async () => {
    await platform.publish(productBundle({ name: 'orders-daily', version: '1.1.0' }));
    await platform.publish(productBundle({ name: 'orders-daily', version: '1.0.1' }));
    const detail = await platform.showProduct('sales/orders-daily');
    expect(detail.product.latestVersion).toBe('1.1.0');
    expect(detail.versions.map((v) => v.version)).toEqual(['1.1.0', '1.0.1', '1.0.0']);
    expect((await platform.showProduct('sales/orders-daily@1.0.1')).version.version).toBe('1.0.1');
    expect((await platform.showProduct('sales/orders-daily@1')).version.version).toBe('1.1.0');
  });

  it('lets exactly one of ten concurrent publishers of a new version win', async () => {
    const attempts = Array.from({ length: 10 }, (_, i) =>
      platform.publish(
        productBundle({
          name: 'race',
          version: '1.0.0',
          description: `Publisher number ${i} wrote this description for the race.`,
        }),
      ),
    );
    const settled = await Promise.allSettled(attempts);
    const won = settled.filter((s) => s.status === 'fulfilled');
    const lost = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(9);
    for (const l of lost) expect(l.reason).toBeInstanceOf(ConflictError);
    const detail = await platform.showProduct('sales/race');
    expect(detail.versions).toHaveLength(1);
    const published = (await platform.listEvents({ subject: 'sales/race' })).filter(
      (e) => e.type === 'product.published',
    );
    expect(published).toHaveLength(1);
  });

  it('lists by domain and searches with ranking', async () => {
    await platform.publish(
      productBundle({
        name: 'customers',
        domain: 'identity',
        description: 'Every customer with contact details and segment.',
        tags: ['customer', 'crm'],
      }),
    );
    await platform.publish(
      productBundle({
        name: 'invoices-daily',
        description: 'Daily invoice totals per customer country.',
        tags: ['revenue'],
      }),
    );
    expect((await platform.listProducts({ domain: 'identity' })).map((p) => p.id)).toEqual(['identity/customers']);
    expect((await platform.listProducts()).length).toBe(4);
    const { hits } = await platform.searchProducts('customer');
    expect(hits.map((h) => h.id)).toEqual(['identity/customers', 'sales/invoices-daily']);
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
    expect((await platform.searchProducts('invoice revenue')).hits.map((h) => h.id)).toEqual(['sales/invoices-daily']);
    expect((await platform.searchProducts('nothing-like-this')).hits).toEqual([]);
    // column names are searchable too
    expect((await platform.searchProducts('updated_at')).total).toBe(4);
  });

  it('appends events in order and reads them after an id', async () => {
    const events = await platform.listEvents();
    expect(events.length).toBeGreaterThanOrEqual(5);
    const ids = events.map((e) => e.id);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const later = await platform.listEvents({ after: ids[1] });
    expect(later[0].id).toBe(ids[2]);
  });

  it('never writes a partial version when publishing is refused', async () => {
    const bad = productBundle({ name: 'broken', version: '1.0.0' });
    await expect(platform.publish({ ...bad, yaml: bad.yaml.replace('"owner"', '"ownr"') })).rejects.toThrow(
      'has errors; nothing was published',
    );
    await expect(platform.showProduct('sales/broken')).rejects.toThrow('no product sales/broken');
  });
});
