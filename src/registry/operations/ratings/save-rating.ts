import { randomBytes } from 'node:crypto';
import { nowIso, writeTransaction, type Registry } from '../../registry.js';
import { appendEvent } from '../events/append-event.js';
import { quarterOf, ratingRecord, type RatingRecord } from './rating-records.js';

/** Below this a rating is a detractor's, and its owners hear of it (an event, so webhooks carry it). */
export const LOW_RATING_BELOW = 7;

export interface NewRating {
  readonly product: string;
  readonly team: string;
  readonly score: number;
  readonly comment: string | null;
  readonly ratedBy: string;
  /** Default: now. */
  readonly ratedAt?: string;
}

export interface SavedRating {
  readonly rating: RatingRecord;
  /** The team had already rated the product this quarter: that rating was replaced. */
  readonly replaced: boolean;
  /** A `rating.low` event was appended for the owners. */
  readonly notified: boolean;
}

/** Stores a team's rating for the quarter (replacing an earlier one of the same quarter), with its event when low. */
export async function saveRating(registry: Registry, input: NewRating): Promise<SavedRating> {
  const ratedAt = input.ratedAt ?? nowIso();
  const quarter = quarterOf(ratedAt);
  return writeTransaction(registry, async (tx) => {
    const previous = await tx
      .selectFrom('ratings')
      .select('id')
      .where('product_id', '=', input.product)
      .where('team', '=', input.team)
      .where('quarter', '=', quarter)
      .executeTakeFirst();
    const row = {
      id: `rat-${randomBytes(5).toString('hex')}`,
      product_id: input.product,
      domain: input.product.split('/')[0],
      team: input.team,
      quarter,
      score: input.score,
      comment: input.comment,
      rated_by: input.ratedBy,
      rated_at: ratedAt,
      answer: null,
      answered_by: null,
      answered_at: null,
    };
    // The unique (product, team, quarter) index makes a concurrent second rating replace, not duplicate.
    await tx
      .insertInto('ratings')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['product_id', 'team', 'quarter']).doUpdateSet({
          score: row.score,
          comment: row.comment,
          rated_by: row.rated_by,
          rated_at: row.rated_at,
          answer: null,
          answered_by: null,
          answered_at: null,
        }),
      )
      .execute();
    const stored = await tx
      .selectFrom('ratings')
      .selectAll()
      .where('product_id', '=', input.product)
      .where('team', '=', input.team)
      .where('quarter', '=', quarter)
      .executeTakeFirstOrThrow();
    const rating = ratingRecord(stored);
    const notified = rating.score < LOW_RATING_BELOW;
    if (notified)
      await appendEvent(tx, {
        type: 'rating.low',
        subject: input.product,
        actor: input.ratedBy,
        data: {
          rating: rating.id,
          product: rating.product,
          team: rating.team,
          score: rating.score,
          quarter,
          comment: rating.comment,
        },
      });
    return { rating, replaced: previous !== undefined, notified };
  });
}
