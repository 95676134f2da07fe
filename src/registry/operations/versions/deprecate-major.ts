import type { RegistryTx } from '../../registry.js';
import { appendEvent } from '../events/append-event.js';
import { findConsumers } from './find-consumers.js';

export interface DeprecateMajorsInput {
  readonly productId: string;
  /** The new major: every active version of an older major is deprecated. */
  readonly newMajor: number;
  readonly replacement: string;
  readonly sunsetAt: string;
  readonly actor?: string;
}

export interface DeprecatedMajor {
  readonly major: number;
  readonly versions: string[];
  readonly sunsetAt: string;
  /** Products reading `productId@major`, each told by a `product.deprecated` event. */
  readonly consumers: string[];
}

/**
 * A new major is published beside the old ones, which become deprecated with a sunset date.
 * Every consumer of an old major gets a `product.deprecated` event (subject = the consumer),
 * in the caller's transaction (the one publishing the new major), so nobody is deprecated
 * silently and a failed publication deprecates nothing.
 */
export async function deprecateOlderMajors(tx: RegistryTx, input: DeprecateMajorsInput): Promise<DeprecatedMajor[]> {
  const rows = await tx
    .selectFrom('product_versions')
    .select(['version', 'major'])
    .where('product_id', '=', input.productId)
    .where('major', '<', input.newMajor)
    .where('status', '=', 'active')
    .execute();
  if (rows.length === 0) return [];
  await tx
    .updateTable('product_versions')
    .set({ status: 'deprecated', sunset_at: input.sunsetAt })
    .where('product_id', '=', input.productId)
    .where('major', '<', input.newMajor)
    .where('status', '=', 'active')
    .execute();
  const majors = [...new Set(rows.map((r) => Number(r.major)))].sort((a, b) => a - b);
  const result: DeprecatedMajor[] = [];
  for (const major of majors) {
    const consumers = await findConsumers(tx, input.productId, major);
    for (const consumer of consumers) {
      await appendEvent(tx, {
        type: 'product.deprecated',
        subject: consumer,
        actor: input.actor,
        data: {
          product: input.productId,
          major,
          input: `${input.productId}@${major}`,
          sunsetAt: input.sunsetAt,
          replacement: input.replacement,
        },
      });
    }
    result.push({
      major,
      versions: rows.filter((r) => Number(r.major) === major).map((r) => r.version),
      sunsetAt: input.sunsetAt,
      consumers,
    });
  }
  return result;
}
