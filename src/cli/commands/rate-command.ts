import type { Command } from 'commander';
import type { RatingRecord } from '../../platform/health/ratings-api.js';
import { npsText, type NpsFigure } from '../../registry/operations/ratings/nps.js';
import type { CliContext } from '../cli-context.js';
import { wholeNumber } from '../flag-values.js';

const figureRow = (f: NpsFigure) => ({
  scope: f.scope,
  nps: f.nps === null ? '–' : f.nps,
  ratings: f.ratings,
  promoters: f.promoters,
  passives: f.passives,
  detractors: f.detractors,
  note: f.note ?? '',
});
const FIGURE_COLUMNS = ['scope', 'nps', 'ratings', 'promoters', 'passives', 'detractors', 'note'];

/** `mesh rate`, `mesh ratings list|answer`, `mesh nps`: consumer teams' verdicts on products. */
export function registerRateCommands(program: Command, ctx: CliContext): void {
  program
    .command('rate')
    .description('rate a product you consume, 0–10, for one of your teams (once a quarter; a new rating replaces it)')
    .argument('<product>', 'domain/name')
    .argument(
      '<score>',
      'a whole number from 0 to 10 (9–10 promote, 0–6 detract and notify the owners)',
      wholeNumber(0, 10),
    )
    .requiredOption('--team <team>', 'the consumer team the rating is for (you must belong to it)')
    .option('--comment <text>', 'what works and what does not (the owners may answer)')
    .option('--as <team>', 'act as one of your teams only')
    .option('--json', 'machine-readable output')
    .action(
      async (product: string, score: number, opts: { team: string; comment?: string; as?: string; json?: boolean }) => {
        const out = ctx.output(opts);
        const saved = await ctx
          .platform()
          .rateProduct(ctx.accessScope(opts.as), { product, team: opts.team, score, comment: opts.comment });
        if (opts.json) return out.data(saved);
        const r = saved.rating;
        out.line(
          `${r.product} rated ${r.score}/10 by team ${r.team} for ${r.quarter}${saved.replaced ? ' (replaces the team’s earlier rating this quarter)' : ''}: ${r.id}`,
        );
        if (saved.notified) out.line(`below 7: the owners of ${r.product} are notified (event rating.low)`);
      },
    );
  const ratings = program.command('ratings').description('consumer ratings of products and the owners’ answers');
  ratings
    .command('list')
    .description('ratings, newest first')
    .option('--product <product>', 'domain/name')
    .option('--domain <domain>', 'the products of a domain')
    .option('--team <team>', 'ratings by a team')
    .option('--quarter <quarter>', 'e.g. 2026-Q4')
    .option('--json', 'machine-readable output')
    .action(async (opts: { product?: string; domain?: string; team?: string; quarter?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const { json: _json, ...filter } = opts;
      const rows = await ctx.platform().listRatings(filter);
      if (opts.json) return out.data(rows);
      if (rows.length === 0) return out.line('no ratings');
      out.table(rows.map(ratingRow), ['id', 'product', 'team', 'quarter', 'score', 'comment', 'answer']);
    });
  ratings
    .command('answer')
    .description('answer a rating’s comment (admins and members of the owning domain)')
    .argument('<id>', 'the rating id (mesh ratings list)')
    .requiredOption('--answer <text>', 'what the owners say')
    .option('--as <team>', 'act as one of your teams only')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { answer: string; as?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const r = await ctx.platform().answerRating(ctx.accessScope(opts.as), id, opts.answer);
      if (opts.json) return out.data(r);
      out.line(`rating ${r.id} of ${r.product} by team ${r.team}: answered`);
    });
  program
    .command('nps')
    .description('net promoter score of consumer ratings (promoters 9–10 minus detractors 0–6, in %) for a quarter')
    .option('--product <product>', 'one product (and its trend)')
    .option('--domain <domain>', 'one domain’s products (and its trend)')
    .option('--quarter <quarter>', 'e.g. 2026-Q4 (default: this quarter)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { product?: string; domain?: string; quarter?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const { json: _json, ...options } = opts;
      const report = await ctx.platform().nps(options);
      if (opts.json) return out.data(report);
      out.line(`${report.quarter}: mesh ${npsText(report.mesh)}`);
      if (report.products.length === 0) return;
      out.line();
      out.table([...report.domains, ...report.products].map(figureRow), FIGURE_COLUMNS);
      if (report.trend.length > 1) {
        out.line();
        out.line(
          `trend of ${report.trend[0].scope}: ${report.trend.map((f) => `${f.quarter} ${f.nps ?? '–'} (${f.ratings})`).join(', ')}`,
        );
      }
    });
}

function ratingRow(r: RatingRecord) {
  return {
    id: r.id,
    product: r.product,
    team: r.team,
    quarter: r.quarter,
    score: r.score,
    comment: r.comment ?? '',
    answer: r.answer ? `${r.answer} (${r.answeredBy})` : '',
  };
}
