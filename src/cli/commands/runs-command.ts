import type { Command } from 'commander';
import type { CheckResultView } from '../../access/check-samples.js';
import type { CliContext } from '../cli-context.js';
import { wholeNumber } from '../flag-values.js';

export function registerRunsCommand(program: Command, ctx: CliContext): void {
  program
    .command('runs')
    .description('the run history of a product (every major): status, version, step times, rows, snapshot, error')
    .argument('<product>', 'domain/name')
    .option('--limit <n>', 'at most this many runs', wholeNumber(1, 1000), 20)
    .option('--json', 'machine-readable output')
    .action(async (ref: string, opts: { limit: number; json?: boolean }) => {
      const out = ctx.output(opts);
      const runs = await ctx.platform().listRuns(ref, { limit: opts.limit });
      if (opts.json) return out.data(runs);
      if (runs.length === 0) return out.line(`${ref} has not run yet: mesh run ${ref}`);
      out.table(
        runs.map((r) => ({
          run: r.id,
          status: r.status,
          version: r.version,
          started: r.startedAt,
          ms: r.finishedAt ? Date.parse(r.finishedAt) - Date.parse(r.startedAt) : '',
          steps: r.steps.map((s) => `${s.name} ${s.ms}`).join(', '),
          'rows in': r.inputs.map((i) => `${i.name}=${i.rowsIn}`).join(' '),
          'rows out': r.rowsOut ?? '',
          snapshot: r.snapshotId ?? '',
          error: r.error ? (r.error.length > 80 ? `${r.error.slice(0, 79)}…` : r.error) : '',
        })),
        ['run', 'status', 'version', 'started', 'ms', 'steps', 'rows in', 'rows out', 'snapshot', 'error'],
      );
    });

  program
    .command('checks')
    .description('the latest quality check results of a product and the trend of each check')
    .argument('<product>', 'domain/name')
    .option('--runs <n>', 'how many recent runs the trend covers', wholeNumber(1, 1000), 10)
    .option('--as <team>', 'read with the grants of one of your teams only (sample rows need read access)')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, opts: { runs: number; as?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const results = await ctx.platform().listCheckResults(ref, { runs: opts.runs, scope: ctx.accessScope(opts.as) });
      const summary = summarise(results);
      if (opts.json) return out.data({ latest: summary.latest, trend: summary.trend });
      if (results.length === 0) return out.line(`${ref} has no check results yet: mesh run ${ref}`);
      out.line(out.colors.bold(`latest run ${summary.latest[0]?.runId}`));
      out.table(
        summary.latest.map((c) => ({
          check: c.name,
          severity: c.severity,
          status: c.status === 'pass' ? 'pass' : 'FAIL',
          result: c.message,
          trend: summary.trend[c.name]?.map((s) => (s === 'pass' ? '✓' : '✗')).join('') ?? '',
        })),
        ['check', 'severity', 'status', 'result', 'trend'],
      );
      const withheld = summary.latest.find((c) => c.samplesWithheld)?.samplesWithheld;
      if (withheld) out.line(`\nsample rows withheld: ${withheld}`);
      const samples = summary.latest.filter((c) => c.samples?.length);
      for (const c of samples) {
        out.line();
        out.line(out.colors.bold(`sample failing rows of ${c.name}`));
        for (const row of c.samples!) out.line(`  ${JSON.stringify(row)}`);
      }
    });
}

/** The newest run's results, and per check its statuses oldest → newest. */
function summarise(results: readonly CheckResultView[]) {
  const latestRun = results[0]?.runId;
  const latest = results.filter((r) => r.runId === latestRun);
  const trend: Record<string, Array<'pass' | 'fail'>> = {};
  for (const r of [...results].reverse()) (trend[r.name] ??= []).push(r.status);
  return { latest, trend };
}
