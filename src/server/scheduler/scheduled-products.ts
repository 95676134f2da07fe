import type { Registry } from '../../registry/registry.js';
import type { DataProduct } from '../../spec/data-product-schema.js';

/** Every product whose latest version has a `spec.schedule`, with its cron pattern. */
export async function scheduledProducts(registry: Registry): Promise<Map<string, string>> {
  const rows = await registry.db
    .selectFrom('products')
    .innerJoin('product_versions', (join) => join.onRef('product_versions.product_id', '=', 'products.id').onRef('product_versions.version', '=', 'products.latest_version'))
    .select(['products.id', 'product_versions.descriptor'])
    .orderBy('products.id')
    .execute();
  const result = new Map<string, string>();
  for (const r of rows) {
    const schedule = (JSON.parse(r.descriptor) as DataProduct).spec.schedule;
    if (schedule) result.set(r.id, schedule);
  }
  return result;
}

/**
 * What changed since `cursor` (a product.published event id): the products published since,
 * and the new cursor. Lets the in-process scheduler resync without re-reading every
 * descriptor (products are never deleted, so publications are the only change).
 */
export async function publishedSince(registry: Registry, cursor: number): Promise<{ cursor: number; products: string[] }> {
  const rows = await registry.db.selectFrom('events').select(['id', 'subject']).where('type', '=', 'product.published').where('id', '>', cursor).orderBy('id').execute();
  return { cursor: rows.length ? Number(rows.at(-1)!.id) : cursor, products: [...new Set(rows.map((r) => r.subject))] };
}

/** The current schedule (latest version) of each given product; absent when it has none. */
export async function schedulesOf(registry: Registry, ids: readonly string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await registry.db
      .selectFrom('products')
      .innerJoin('product_versions', (join) => join.onRef('product_versions.product_id', '=', 'products.id').onRef('product_versions.version', '=', 'products.latest_version'))
      .select(['products.id', 'product_versions.descriptor'])
      .where('products.id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      const schedule = (JSON.parse(r.descriptor) as DataProduct).spec.schedule;
      if (schedule) result.set(r.id, schedule);
    }
    if (ids.length > 500) await new Promise((resolve) => setImmediate(resolve)); // large catalogs: let requests through between chunks
  }
  return result;
}

/** Every product id, for a first full sync done in chunks. */
export async function allProductIds(registry: Registry): Promise<string[]> {
  return (await registry.db.selectFrom('products').select('id').orderBy('id').execute()).map((r) => r.id);
}

/** The id of the newest product.published event: where incremental syncs start. */
export async function publicationCursor(registry: Registry): Promise<number> {
  const row = await registry.db.selectFrom('events').select((eb) => eb.fn.max('id').as('max')).where('type', '=', 'product.published').executeTakeFirst();
  return Number(row?.max ?? 0);
}
