import type { Registry } from '../../registry/registry.js';
import type { DataProduct } from '../../descriptor/data-product-schema.js';

/**
 * What the schedulers run, keyed by run ref: `domain/name` for every product whose latest
 * version has a `spec.schedule`, and `domain/name@major` for every older major that is
 * deprecated but not yet retired (its consumers read it until its sunset, so it stays fresh).
 */
export async function scheduledProducts(registry: Registry): Promise<Map<string, string>> {
  const rows = await registry.db
    .selectFrom('products')
    .innerJoin('product_versions', (join) =>
      join
        .onRef('product_versions.product_id', '=', 'products.id')
        .onRef('product_versions.version', '=', 'products.latest_version'),
    )
    .select(['products.id', 'product_versions.descriptor'])
    .orderBy('products.id')
    .execute();
  const result = new Map<string, string>();
  for (const r of rows) {
    const schedule = (JSON.parse(r.descriptor) as DataProduct).spec.schedule;
    if (schedule) result.set(r.id, schedule);
  }
  for (const [ref, schedule] of await deprecatedMajorSchedules(registry)) result.set(ref, schedule);
  return result;
}

/** The product a run ref is about (`domain/name@2` → `domain/name`). */
export function productOfRef(ref: string): string {
  const at = ref.indexOf('@');
  return at === -1 ? ref : ref.slice(0, at);
}

/** `domain/name@major` → schedule of the latest version of each deprecated, not yet retired, older major (of `ids`, or of every product). */
async function deprecatedMajorSchedules(registry: Registry, ids?: readonly string[]): Promise<Map<string, string>> {
  let query = registry.db
    .selectFrom('product_versions')
    .innerJoin('products', 'products.id', 'product_versions.product_id')
    .select([
      'product_versions.product_id',
      'product_versions.major',
      'product_versions.minor',
      'product_versions.patch',
      'product_versions.descriptor',
      'products.latest_version',
    ])
    .where('product_versions.status', '=', 'deprecated');
  if (ids) query = query.where('product_versions.product_id', 'in', ids);
  const newest = new Map<string, { minor: number; patch: number; schedule?: string }>();
  for (const r of await query.execute()) {
    if (Number(r.major) === Number(r.latest_version.split('.')[0])) continue; // the current major runs as domain/name
    const ref = `${r.product_id}@${Number(r.major)}`;
    const seen = newest.get(ref);
    const [minor, patch] = [Number(r.minor), Number(r.patch)];
    if (seen && (seen.minor > minor || (seen.minor === minor && seen.patch >= patch))) continue;
    newest.set(ref, { minor, patch, schedule: (JSON.parse(r.descriptor) as DataProduct).spec.schedule });
  }
  const result = new Map<string, string>();
  for (const [ref, v] of newest) if (v.schedule) result.set(ref, v.schedule);
  return result;
}

/** Events after which a product's schedules may differ: a publication (which may deprecate older majors) and a retirement. */
const SCHEDULE_CHANGES = ['product.published', 'product.retired'];

/**
 * What changed since `cursor` (a product.published or product.retired event id): the products published since,
 * and the new cursor. Lets the in-process scheduler resync without re-reading every
 * descriptor (products are never deleted, so publications are the only change).
 */
export async function publishedSince(
  registry: Registry,
  cursor: number,
): Promise<{ cursor: number; products: string[] }> {
  const rows = await registry.db
    .selectFrom('events')
    .select(['id', 'subject'])
    .where('type', 'in', SCHEDULE_CHANGES)
    .where('id', '>', cursor)
    .orderBy('id')
    .execute();
  return { cursor: rows.length ? Number(rows.at(-1)!.id) : cursor, products: [...new Set(rows.map((r) => r.subject))] };
}

/** The schedules of the given products, keyed by run ref as in scheduledProducts. */
export async function schedulesOf(registry: Registry, ids: readonly string[]): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await registry.db
      .selectFrom('products')
      .innerJoin('product_versions', (join) =>
        join
          .onRef('product_versions.product_id', '=', 'products.id')
          .onRef('product_versions.version', '=', 'products.latest_version'),
      )
      .select(['products.id', 'product_versions.descriptor'])
      .where('products.id', 'in', ids.slice(i, i + 500))
      .execute();
    for (const r of rows) {
      const schedule = (JSON.parse(r.descriptor) as DataProduct).spec.schedule;
      if (schedule) result.set(r.id, schedule);
    }
    for (const [ref, schedule] of await deprecatedMajorSchedules(registry, ids.slice(i, i + 500)))
      result.set(ref, schedule);
    if (ids.length > 500) await new Promise((resolve) => setImmediate(resolve)); // large catalogs: let requests through between chunks
  }
  return result;
}

/** Every product id, for a first full sync done in chunks. */
export async function allProductIds(registry: Registry): Promise<string[]> {
  return (await registry.db.selectFrom('products').select('id').orderBy('id').execute()).map((r) => r.id);
}

/** The id of the newest event that can change schedules: where incremental syncs start. */
export async function publicationCursor(registry: Registry): Promise<number> {
  const row = await registry.db
    .selectFrom('events')
    .select((eb) => eb.fn.max('id').as('max'))
    .where('type', 'in', SCHEDULE_CHANGES)
    .executeTakeFirst();
  return Number(row?.max ?? 0);
}
