import type { Command } from 'commander';
import { formatDuration } from '../../descriptor/duration.js';
import { SLA_WINDOW_MS } from '../../server/monitor/compute-sla.js';
import type { CliContext } from '../cli-context.js';

export function registerSlaCommand(program: Command, ctx: CliContext): void {
  program
    .command('sla')
    .description(
      'freshness of a product (age of its last good publication) and its availability over the last 30 days (or since its first good publication)',
    )
    .argument('<product>', 'domain/name')
    .option('--json', 'machine-readable output')
    .action(async (ref: string, opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const sla = await ctx.serverApi().productSla(ref);
      if (opts.json) return out.data(sla);
      const c = out.colors;
      const colour =
        sla.state === 'fresh' ? c.green : sla.state === 'late' ? c.yellow : sla.state === 'no-target' ? c.dim : c.red;
      out.line(`${c.bold(sla.product)}  ${colour(sla.state)}`);
      out.line(
        `freshness:     target ${sla.target ?? 'none'}${sla.alertAfter ? `, alert after ${sla.alertAfter}` : ''}`,
      );
      out.line(
        `last good:     ${sla.lastGoodAt ? `${sla.lastGoodAt} (${formatDuration(sla.ageMs ?? 0)} ago)` : 'never'}`,
      );
      const availability = sla.availability === null ? 'n/a' : `${(sla.availability * 100).toFixed(2)}%`;
      const objective =
        sla.objective === null
          ? ''
          : `  (objective ${(sla.objective * 100).toFixed(2)}%: ${sla.availability !== null && sla.availability >= sla.objective ? c.green('met') : c.red('missed')})`;
      const window =
        sla.availability === null
          ? 'no good publication yet'
          : sla.windowMs >= SLA_WINDOW_MS
            ? `over the last 30 days (since ${sla.windowStart})`
            : `over ${formatDuration(sla.windowMs)} only, since the first good publication (${sla.windowStart})`;
      out.line(`availability:  ${availability} ${window}${objective}`);
      if (sla.openIncident) out.line(c.red(`open incident: ${sla.openIncident}`));
    });
}
