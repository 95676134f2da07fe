import semver from 'semver';
import { ConflictError } from '../../../core/errors.js';
import type { DataProduct } from '../../../descriptor/data-product-schema.js';
import { productId } from '../../../descriptor/product-ref.js';
import {
  isUniqueViolation,
  nowIso,
  writeTransaction,
  type Registry,
  type RegistryDialect,
  type RegistryTx,
} from '../../registry.js';
import { appendEvent } from '../events/append-event.js';
import { indexProducts, refreshSearchLifecycle } from './search-index.js';

export interface NewVersion {
  readonly descriptor: DataProduct;
  readonly sourceYaml: string;
  readonly transformSql?: string;
  readonly contentHash: string;
  readonly publishedBy: string;
}

export interface PublishResult {
  readonly status: 'created' | 'unchanged';
  readonly product: string;
  readonly version: string;
  readonly contentHash: string;
  readonly publishedAt: string;
}

/**
 * Records an immutable version. Identical content under an existing version is a no-op;
 * different content is a ConflictError naming the version. Concurrent publishers of the same
 * new version race on the primary key: exactly one insert wins, the rest see the conflict.
 */
/**
 * `afterInsert` runs inside the publishing transaction once the new version is written, so
 * what follows from it (a new major deprecating the old one, consumer events) commits or
 * fails with it.
 */
export async function publishVersion(
  registry: Registry,
  input: NewVersion,
  afterInsert?: (tx: RegistryTx, result: PublishResult) => Promise<void>,
): Promise<PublishResult> {
  const { metadata } = input.descriptor;
  const id = productId(metadata.domain, metadata.name);
  const existing = await findVersion(registry.db, id, metadata.version);
  if (existing) return sameOrConflict(id, metadata.version, existing, input.contentHash);
  try {
    return await writeTransaction(registry, async (tx) => {
      const result = await insertVersion(tx, registry.dialect, id, input);
      await afterInsert?.(tx, result);
      // Older majors may have been deprecated just now: the lifecycle facet follows.
      await refreshSearchLifecycle(tx, [id]);
      return result;
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const winner = await findVersion(registry.db, id, metadata.version);
    if (!winner) throw error;
    return sameOrConflict(id, metadata.version, winner, input.contentHash);
  }
}

async function findVersion(db: RegistryTx, id: string, version: string) {
  return db
    .selectFrom('product_versions')
    .select(['content_hash', 'published_at'])
    .where('product_id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst();
}

function sameOrConflict(
  id: string,
  version: string,
  existing: { content_hash: string; published_at: string },
  hash: string,
): PublishResult {
  if (existing.content_hash === hash)
    return { status: 'unchanged', product: id, version, contentHash: hash, publishedAt: existing.published_at };
  throw new ConflictError(`${id}@${version} is already published with different content; versions are immutable`, {
    details: { product: id, version, hint: 'bump metadata.version (mesh diff shows which bump the change needs)' },
  });
}

async function insertVersion(
  tx: RegistryTx,
  dialect: RegistryDialect,
  id: string,
  input: NewVersion,
): Promise<PublishResult> {
  const { metadata } = input.descriptor;
  const now = nowIso();
  const parsed = semver.parse(metadata.version)!;
  await tx
    .insertInto('domains')
    .values({ name: metadata.domain, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  await tx
    .insertInto('teams')
    .values({ name: metadata.owner, email: metadata.owner, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const current = await tx.selectFrom('products').select(['latest_version']).where('id', '=', id).executeTakeFirst();
  // The newest version by semver is the one the catalog shows; publishing a 1.x patch after 2.0 does not demote 2.0.
  const becomesLatest = !current || semver.gt(metadata.version, current.latest_version);
  const productRow = {
    owner: metadata.owner,
    oncall: metadata.oncall ?? null,
    description: metadata.description ?? null,
    latest_version: metadata.version,
    updated_at: now,
  };
  if (!current) {
    await tx
      .insertInto('products')
      .values({ id, domain: metadata.domain, name: metadata.name, created_at: now, ...productRow })
      .execute();
  } else if (becomesLatest) {
    await tx.updateTable('products').set(productRow).where('id', '=', id).execute();
  }
  await tx
    .insertInto('product_versions')
    .values({
      product_id: id,
      version: metadata.version,
      major: parsed.major,
      minor: parsed.minor,
      patch: parsed.patch,
      descriptor: JSON.stringify(input.descriptor),
      source_yaml: input.sourceYaml,
      transform_sql: input.transformSql ?? null,
      content_hash: input.contentHash,
      published_by: input.publishedBy,
      published_at: now,
      status: 'active',
      sunset_at: null,
    })
    .execute();
  // The catalog shows the latest version, so search finds it by that one, from this commit on.
  if (becomesLatest) await indexProducts(tx, dialect, [{ productId: id, descriptor: input.descriptor }]);
  await appendEvent(tx, {
    type: 'product.published',
    subject: id,
    actor: input.publishedBy,
    data: { product: id, version: metadata.version, contentHash: input.contentHash, latest: becomesLatest },
  });
  return {
    status: 'created',
    product: id,
    version: metadata.version,
    contentHash: input.contentHash,
    publishedAt: now,
  };
}
