import { nowMs } from '../../core/clock.js';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { healthHtml } from '../../server/health/health-html.js';
import { readThresholdsFile } from '../../server/health/health-thresholds.js';
import { figureLines, healthMarkdown, scorecardMarkdown } from '../../server/health/health-markdown.js';
import type { MeshHealth } from '../../server/health/health-records.js';
import { MAX_WEEKS } from '../../server/health/compute-health.js';
import type { CliContext } from '../cli-context.js';
import type { Output } from '../output.js';
import { wholeNumber } from '../flag-values.js';

interface HealthFlags {
  domain?: string;
  now?: string;
  weeks?: number;
  report?: boolean;
  thresholds?: string;
  json?: boolean;
}

/** `mesh health` and `mesh scorecard <domain>`: whether the mesh works, with the evidence. */
export function registerHealthCommands(program: Command, ctx: CliContext): void {
  program
    .command('health')
    .description(
      'mesh health: ownership, velocity, SLA compliance, cross-domain use, NPS, stale products, and the failure patterns found',
    )
    .option('--domain <domain>', 'only this domain’s scorecard')
    .option('--now <time>', 'judge the history as of this ISO time')
    .option('--weeks <n>', 'weekly points back (default 26)', wholeNumber(0, MAX_WEEKS))
    .option('--report', 'the whole report as Markdown')
    .option('--thresholds <file>', 'a HealthThresholds YAML document overriding the diagnosis thresholds')
    .option('--json', 'machine-readable output')
    .action(async (opts: HealthFlags) => {
      const out = ctx.output(opts);
      const thresholds = opts.thresholds
        ? readThresholdsFile(resolve(ctx.cwd, opts.thresholds), opts.thresholds)
        : undefined;
      const health = await ctx
        .serverApi()
        .meshHealth({ domain: opts.domain, now: opts.now, weeks: opts.weeks, thresholds });
      if (opts.json) return out.data(health);
      if (opts.report) return ctx.streams.out(healthMarkdown(health));
      printHealth(out, health);
      // Exit 1 when a failure pattern of severity error is found: the checked thing failed.
      if (health.diagnosis.some((f) => f.severity === 'error')) ctx.exitCode = 1;
    });
  registerReportCommand(program, ctx);
  program
    .command('scorecard')
    .description(
      'a domain’s scorecard: products, owners and on-call, NPS, SLA, incidents, failing checks, outside consumers, velocity',
    )
    .argument('<domain>', 'domain name')
    .option('--now <time>', 'judge the history as of this ISO time')
    .option('--json', 'machine-readable output')
    .action(async (domain: string, opts: { now?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const card = await ctx.serverApi().domainScorecard(domain, { now: opts.now, weeks: 12 });
      if (opts.json) return out.data(card);
      for (const line of scorecardMarkdown(card)) out.line(line);
    });
}

function printHealth(out: Output, health: MeshHealth): void {
  out.line(`mesh health at ${health.now}`);
  for (const line of figureLines(health.mesh)) out.line(`  ${line}`);
  out.line();
  if (health.diagnosis.length === 0) out.line('diagnosis: no failure pattern found');
  for (const f of health.diagnosis) {
    out.line(
      `${f.severity === 'error' ? out.colors.red('error') : out.colors.yellow('warn')}  ${f.pattern}: ${f.summary}`,
    );
    if (f.evidence.products.length) out.line(`       products: ${f.evidence.products.join(', ')}`);
    out.line(`       remedy: ${f.remedy}`);
  }
  for (const d of health.domains) {
    out.line();
    out.line(`domain ${d.domain}${d.core ? ' (core)' : ''}: owner ${d.ownerTeam ?? '(none)'}`);
    for (const line of figureLines(d.figures)) out.line(`  ${line}`);
  }
}

interface ReportFlags {
  format: 'text' | 'json' | 'html';
  since?: string;
  now?: string;
  out?: string;
  thresholds?: string;
  json?: boolean;
}

const WEEK_MS = 7 * 86_400_000;

/** `mesh report`: the metrics, trends, scorecards and diagnosis in one text, JSON or HTML document. */
function registerReportCommand(program: Command, ctx: CliContext): void {
  program
    .command('report')
    .description('the mesh health report: metrics, weekly trends, domain scorecards and the diagnosis in one document')
    .addOption(
      new Option('--format <format>', 'text (Markdown), json, or html (one self-contained file with charts)')
        .choices(['text', 'json', 'html'])
        .default('text'),
    )
    .option('--since <time>', 'the first week of the trend (ISO date; default 26 weeks back)')
    .option('--now <time>', 'judge the history as of this ISO time')
    .option('--out <file>', 'write the report to this file instead of standard output')
    .option('--thresholds <file>', 'a HealthThresholds YAML document overriding the diagnosis thresholds')
    .option('--json', 'machine-readable output (same as --format json)')
    .action(async (opts: ReportFlags, command: Command) => {
      const weeks = weeksSince(opts.since, opts.now);
      if (typeof weeks === 'string') return command.error(`error: ${weeks}`);
      const thresholds = opts.thresholds
        ? readThresholdsFile(resolve(ctx.cwd, opts.thresholds), opts.thresholds)
        : undefined;
      const health = await ctx.serverApi().meshHealth({ now: opts.now, weeks, thresholds });
      const format = opts.json ? 'json' : opts.format;
      const text =
        format === 'json'
          ? `${JSON.stringify(health, null, 2)}\n`
          : format === 'html'
            ? healthHtml(health)
            : healthMarkdown(health);
      if (!opts.out) return ctx.streams.out(text);
      const file = resolve(ctx.cwd, opts.out);
      writeFileSync(file, text);
      ctx.output({ json: false }).line(`wrote the ${format} report to ${opts.out}`);
    });
}

/** Weekly points from `--since` to `--now` (the trend's length), or why the flags do not make one. */
function weeksSince(since: string | undefined, now: string | undefined): number | undefined | string {
  if (since === undefined) return undefined;
  const from = Date.parse(since);
  if (Number.isNaN(from)) return `invalid --since "${since}": an ISO date such as 2026-06-01`;
  const to = now === undefined ? nowMs() : Date.parse(now);
  if (Number.isNaN(to)) return `invalid --now "${now}": an ISO time such as 2026-12-01T00:00:00Z`;
  if (from > to) return `--since ${since} is after the report's time`;
  const weeks = Math.ceil((to - from) / WEEK_MS);
  if (weeks > MAX_WEEKS) return `--since ${since} is ${weeks} weeks back; the report covers at most ${MAX_WEEKS} weeks`;
  return weeks;
}
