import { resolve } from 'node:path';
import type { Command } from 'commander';
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
