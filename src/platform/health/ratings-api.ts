/**
 * What MeshApi offers for consumer ratings and domains (mesh health's part below the server;
 * scorecards and the diagnosis need the SLA history, so they are in server/health).
 */
import type { AccessScope } from '../../access/principal.js';
import type { DomainChange, DomainRecord } from '../../registry/operations/domains/domains.js';
import type { RatingRecord } from '../../registry/operations/ratings/rating-records.js';
import type { SavedRating } from '../../registry/operations/ratings/save-rating.js';
import type { NpsOptions, NpsReport, RatingInput, RatingListOptions } from './ratings-service.js';

export interface RatingsApi {
  /** A consumer team's 0–10 verdict on a product, once a quarter (a new one replaces it); below 7 notifies the owners. */
  rateProduct(scope: AccessScope, input: RatingInput): Promise<SavedRating>;
  /** Ratings (metadata, visible to every role), newest first. */
  listRatings(options?: RatingListOptions): Promise<RatingRecord[]>;
  /** The owners' answer to a rating's comment: admins and members of the owning domain. */
  answerRating(scope: AccessScope, id: string, answer: string): Promise<RatingRecord>;
  /** NPS of a quarter per product, per domain and for the mesh, with the trend. */
  nps(options?: NpsOptions): Promise<NpsReport>;
  listDomains(): Promise<DomainRecord[]>;
  showDomain(name: string): Promise<DomainRecord>;
  /** Owning team, core flag, description (admins). */
  setDomain(scope: AccessScope, name: string, change: DomainChange): Promise<DomainRecord>;
}

export type {
  DomainChange,
  DomainRecord,
  NpsOptions,
  NpsReport,
  RatingInput,
  RatingListOptions,
  RatingRecord,
  SavedRating,
};
export type { NpsFigure } from '../../registry/operations/ratings/nps.js';
