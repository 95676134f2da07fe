import { NotFoundError } from '../../../core/errors.js';
import { nowIso, writeTransaction, type Registry, type RegistryTx } from '../../registry.js';
import { appendEvent } from '../events/append-event.js';
import { ratingRecord, type RatingRecord } from './rating-records.js';

export interface RatingFilter {
  readonly product?: string;
  readonly domain?: string;
  readonly team?: string;
  readonly quarter?: string;
  /** Quarters from this one on (`2026-Q1`), for trends. */
  readonly sinceQuarter?: string;
}

/** Ratings, newest first. */
export async function listRatings(db: RegistryTx, filter: RatingFilter = {}): Promise<RatingRecord[]> {
  let query = db.selectFrom('ratings').selectAll();
  if (filter.product) query = query.where('product_id', '=', filter.product);
  if (filter.domain) query = query.where('domain', '=', filter.domain);
  if (filter.team) query = query.where('team', '=', filter.team);
  if (filter.quarter) query = query.where('quarter', '=', filter.quarter);
  if (filter.sinceQuarter) query = query.where('quarter', '>=', filter.sinceQuarter);
  const rows = await query.orderBy('rated_at', 'desc').orderBy('id').execute();
  return rows.map(ratingRecord);
}

export async function getRating(db: RegistryTx, id: string): Promise<RatingRecord> {
  const row = await db.selectFrom('ratings').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row)
    throw new NotFoundError(`no rating ${id}`, { details: { hint: 'mesh ratings list --product <p> shows ids' } });
  return ratingRecord(row);
}

/** The owners' answer to a rating's comment (replacing an earlier answer), with a `rating.answered` event. */
export async function answerRating(
  registry: Registry,
  input: { id: string; answer: string; answeredBy: string },
): Promise<RatingRecord> {
  return writeTransaction(registry, async (tx) => {
    const rating = await getRating(tx, input.id);
    const answeredAt = nowIso();
    await tx
      .updateTable('ratings')
      .set({ answer: input.answer, answered_by: input.answeredBy, answered_at: answeredAt })
      .where('id', '=', input.id)
      .execute();
    await appendEvent(tx, {
      type: 'rating.answered',
      subject: rating.product,
      actor: input.answeredBy,
      data: { rating: rating.id, product: rating.product, team: rating.team, answer: input.answer },
    });
    return { ...rating, answer: input.answer, answeredBy: input.answeredBy, answeredAt };
  });
}
