/** Ratings as the registry returns them, and the quarter a moment falls in. */
import type { Selectable } from 'kysely';
import type { RatingTable } from '../../registry-schema.js';

export interface RatingRecord {
  readonly id: string;
  readonly product: string;
  readonly domain: string;
  readonly team: string;
  /** `2026-Q4`, of the rating's time in UTC. */
  readonly quarter: string;
  readonly score: number;
  readonly comment: string | null;
  readonly ratedBy: string;
  readonly ratedAt: string;
  /** The owners' answer to the comment, if any. */
  readonly answer: string | null;
  readonly answeredBy: string | null;
  readonly answeredAt: string | null;
}

export function ratingRecord(r: Selectable<RatingTable>): RatingRecord {
  return {
    id: r.id,
    product: r.product_id,
    domain: r.domain,
    team: r.team,
    quarter: r.quarter,
    score: Number(r.score),
    comment: r.comment,
    ratedBy: r.rated_by,
    ratedAt: r.rated_at,
    answer: r.answer,
    answeredBy: r.answered_by,
    answeredAt: r.answered_at,
  };
}

/** The calendar quarter of an ISO time or a Date, in UTC: `2026-Q4`. */
export function quarterOf(time: string | Date): string {
  const d = typeof time === 'string' ? new Date(time) : time;
  return `${d.getUTCFullYear()}-Q${Math.floor(d.getUTCMonth() / 3) + 1}`;
}

export const QUARTER_PATTERN = /^\d{4}-Q[1-4]$/;
