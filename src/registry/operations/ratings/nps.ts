/**
 * Net promoter score of consumer ratings: promoters (9–10) minus detractors (0–6), as a
 * percentage of the ratings, from -100 to 100. A score from few ratings says so.
 */
export const FEW_RATINGS = 5;

export interface NpsFigure {
  /** `mesh`, a domain, or a product id. */
  readonly scope: string;
  readonly quarter: string;
  readonly ratings: number;
  readonly promoters: number;
  readonly passives: number;
  readonly detractors: number;
  /** null without ratings; one decimal. */
  readonly nps: number | null;
  /** Fewer than FEW_RATINGS ratings: the score moves a lot with one more. */
  readonly fewRatings: boolean;
  readonly note: string | null;
}

export function npsOf(scope: string, quarter: string, scores: readonly number[]): NpsFigure {
  const promoters = scores.filter((s) => s >= 9).length;
  const detractors = scores.filter((s) => s <= 6).length;
  const ratings = scores.length;
  return {
    scope,
    quarter,
    ratings,
    promoters,
    passives: ratings - promoters - detractors,
    detractors,
    nps: ratings ? Math.round(((promoters - detractors) / ratings) * 1000) / 10 : null,
    fewRatings: ratings < FEW_RATINGS,
    note:
      ratings === 0
        ? 'no ratings'
        : ratings < FEW_RATINGS
          ? `based on ${ratings} rating${ratings === 1 ? '' : 's'} only`
          : null,
  };
}

/** "NPS 33.3 (3 ratings: based on 3 ratings only)" */
export function npsText(f: NpsFigure): string {
  if (f.nps === null) return 'NPS – (no ratings)';
  const sign = f.nps > 0 ? '+' : '';
  return `NPS ${sign}${f.nps} (${f.ratings} rating${f.ratings === 1 ? '' : 's'}${f.note ? `: ${f.note}` : ''})`;
}

/** Each group's NPS (ratings grouped by `key`), sorted by key. */
export function npsBy<T extends { score: number }>(
  items: readonly T[],
  key: (item: T) => string,
  quarter: string,
): NpsFigure[] {
  const groups = new Map<string, number[]>();
  for (const item of items) {
    const k = key(item);
    (groups.get(k) ?? groups.set(k, []).get(k)!).push(item.score);
  }
  return [...groups.keys()].sort().map((k) => npsOf(k, quarter, groups.get(k)!));
}
