/**
 * Consumer ratings with their rules, in local and server mode alike: a team rates a product it
 * consumes (a grant to it or its domain, a product of its domain reading it as an input, or a
 * recorded read), for a team the caller belongs to, 0–10, once a quarter (a new rating replaces
 * the quarter's). Owners (admins, members of the owning domain) answer comments.
 */
import { now as clockNow } from '../../core/clock.js';
import { InputError, NotAllowedError, NotFoundError } from '../../core/errors.js';
import { parseProductRef, productId } from '../../descriptor/product-ref.js';
import { requireOwner, requireTeamMember } from '../../access/access-rights.js';
import type { AccessScope } from '../../access/principal.js';
import { resolveReader } from '../../access/resolve-reader.js';
import { consumerStanding } from '../../registry/operations/ratings/consumer-standing.js';
import { answerRating, getRating, listRatings } from '../../registry/operations/ratings/list-ratings.js';
import { QUARTER_PATTERN, quarterOf, type RatingRecord } from '../../registry/operations/ratings/rating-records.js';
import { saveRating, type SavedRating } from '../../registry/operations/ratings/save-rating.js';
import { nowIso, type Registry } from '../../registry/registry.js';
import { setDomain, type DomainChange, type DomainRecord } from '../../registry/operations/domains/domains.js';
import { NAME_PATTERN } from '../../descriptor/data-product-schema.js';
import { npsBy, npsOf, type NpsFigure } from '../../registry/operations/ratings/nps.js';

export const MAX_COMMENT = 2000;
const DOMAIN_NAME = new RegExp(NAME_PATTERN);

export interface RatingInput {
  readonly product: string;
  readonly team: string;
  readonly score: number;
  readonly comment?: string;
}

export interface RatingListOptions {
  readonly product?: string;
  readonly domain?: string;
  readonly team?: string;
  readonly quarter?: string;
}

export interface NpsOptions {
  readonly product?: string;
  readonly domain?: string;
  /** Default: the current quarter. */
  readonly quarter?: string;
}

export interface NpsReport {
  readonly quarter: string;
  readonly mesh: NpsFigure;
  readonly domains: NpsFigure[];
  readonly products: NpsFigure[];
  /** The scope asked for (product, else domain, else the mesh), quarter by quarter, oldest first. */
  readonly trend: NpsFigure[];
}

export async function rateProduct(registry: Registry, scope: AccessScope, input: RatingInput): Promise<SavedRating> {
  const product = productOf(input.product);
  if (typeof input.score !== 'number' || !Number.isInteger(input.score) || input.score < 0 || input.score > 10)
    throw new InputError(`invalid score ${JSON.stringify(input.score)}: a whole number from 0 to 10`, {
      details: { hint: '9–10 promote, 7–8 are passive, 0–6 detract (below 7 notifies the owners)' },
    });
  const team = input.team?.trim();
  if (!team) throw new InputError('a rating names the consumer team it is for: --team <team>');
  const comment = input.comment?.trim() || null;
  if (comment && comment.length > MAX_COMMENT)
    throw new InputError(`the comment is ${comment.length} characters; at most ${MAX_COMMENT}`);
  const reader = await resolveReader(registry.db, scope);
  requireTeamMember(reader, team, 'rate products');
  const exists = await registry.db.selectFrom('products').select('id').where('id', '=', product).executeTakeFirst();
  if (!exists)
    throw new NotFoundError(`no product ${product} in the catalog: nothing to rate`, {
      details: { hint: 'mesh catalog search <text> finds products' },
    });
  await requireConsumer(registry, product, team);
  return saveRating(registry, { product, team, score: input.score, comment, ratedBy: scope.principal.user });
}

/** The team exists, is not the owner, and consumes the product. */
async function requireConsumer(registry: Registry, product: string, team: string): Promise<void> {
  const known = await registry.db.selectFrom('teams').select('name').where('name', '=', team).executeTakeFirst();
  if (!known) throw new NotFoundError(`no team ${team}`, { details: { hint: 'mesh team list shows the teams' } });
  const domains = (
    await registry.db.selectFrom('team_domains').select('domain').where('team', '=', team).execute()
  ).map((d) => d.domain);
  const owner = product.split('/')[0];
  if (domains.includes(owner))
    throw new NotAllowedError(`team ${team} owns ${product} (domain ${owner}): owners do not rate their own products`, {
      details: { hint: 'ratings are the verdict of consumer teams outside the owning domain' },
    });
  const standing = await consumerStanding(registry.db, product, team, domains, nowIso());
  if (!standing.grant && standing.readsAsInput.length === 0 && !standing.read)
    throw new NotAllowedError(`team ${team} does not consume ${product}: no grant, no input reading it, no read`, {
      details: {
        hint: `a consumer team rates what it uses: mesh access request ${product} --team ${team} --purpose "<why>"`,
      },
    });
}

export async function listProductRatings(registry: Registry, options: RatingListOptions = {}): Promise<RatingRecord[]> {
  if (options.quarter !== undefined) requireQuarter(options.quarter);
  return listRatings(registry.db, { ...options, product: options.product ? productOf(options.product) : undefined });
}

export async function answerProductRating(
  registry: Registry,
  scope: AccessScope,
  id: string,
  answer: string,
): Promise<RatingRecord> {
  const text = answer?.trim();
  if (!text) throw new InputError('an answer needs text: --answer "<what the owners say>"');
  if (text.length > MAX_COMMENT)
    throw new InputError(`the answer is ${text.length} characters; at most ${MAX_COMMENT}`);
  const rating = await getRating(registry.db, id);
  requireOwner(await resolveReader(registry.db, scope), rating.product, 'answer ratings');
  return answerRating(registry, { id, answer: text, answeredBy: scope.principal.user });
}

/** NPS of the quarter per product, per domain and for the mesh, and the trend of the scope asked for. */
export async function npsReport(registry: Registry, options: NpsOptions = {}, now = clockNow()): Promise<NpsReport> {
  const quarter = options.quarter ?? quarterOf(now);
  requireQuarter(quarter);
  const product = options.product ? productOf(options.product) : undefined;
  const domain = product?.split('/')[0] ?? options.domain;
  const all = await listRatings(registry.db, {});
  const inQuarter = all.filter((r) => r.quarter === quarter);
  const trendOf = all.filter((r) => (product ? r.product === product : domain ? r.domain === domain : true));
  return {
    quarter,
    mesh: npsOf(
      'mesh',
      quarter,
      inQuarter.map((r) => r.score),
    ),
    domains: npsBy(
      inQuarter.filter((r) => !domain || r.domain === domain),
      (r) => r.domain,
      quarter,
    ),
    products: npsBy(
      inQuarter.filter((r) => (product ? r.product === product : !domain || r.domain === domain)),
      (r) => r.product,
      quarter,
    ),
    trend: quarterTrend(product ?? domain ?? 'mesh', trendOf),
  };
}

function quarterTrend(scope: string, ratings: readonly RatingRecord[]): NpsFigure[] {
  const byQuarter = new Map<string, number[]>();
  for (const r of ratings) (byQuarter.get(r.quarter) ?? byQuarter.set(r.quarter, []).get(r.quarter)!).push(r.score);
  return [...byQuarter.keys()].sort().map((q) => npsOf(scope, q, byQuarter.get(q)!));
}

function requireQuarter(quarter: string): void {
  if (!QUARTER_PATTERN.test(quarter)) throw new InputError(`invalid quarter "${quarter}": write it as 2026-Q4`);
}

function productOf(ref: string): string {
  const parsed = parseProductRef(ref ?? '');
  if (!parsed || parsed.version || parsed.major !== undefined)
    throw new InputError(`"${ref}" is not a product; write domain/name`);
  return productId(parsed.domain, parsed.name);
}

/** Domains are set by admins (not acting as a team); the change names an existing team as owner. */
export async function changeDomain(
  registry: Registry,
  scope: AccessScope,
  name: string,
  change: DomainChange,
): Promise<DomainRecord> {
  if (!DOMAIN_NAME.test(name ?? ''))
    throw new InputError(`invalid domain "${name}": lower-case letters, digits and dashes`);
  if (change.ownerTeam === undefined && change.core === undefined && change.description === undefined)
    throw new InputError('nothing to set: give --owner <team>, --core/--no-core or --description <text>');
  if (change.core !== undefined && typeof change.core !== 'boolean')
    throw new InputError('"core" must be true or false');
  if (scope.principal.role !== 'admin' || scope.asTeam)
    throw new NotAllowedError(`${scope.principal.user} may not set domains: admins only`, {
      details: { hint: 'ask an admin: mesh domain set <domain> --owner <team>' },
    });
  return setDomain(registry, name, change, scope.principal.user);
}
