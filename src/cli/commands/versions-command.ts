import { nowIso } from '../../core/clock.js';
import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';
import { flagValue } from '../flag-values.js';

function isoTime(text: string): string {
  const at = new Date(text);
  if (Number.isNaN(at.getTime())) throw new Error('Expected an ISO time, e.g. 2027-01-01T00:00:00Z.');
  return at.toISOString();
}

export function registerVersionsCommands(program: Command, ctx: CliContext): void {
  const versions = program
    .command('versions')
    .description('version lifecycle: deprecated majors are retired after their sunset');
  versions
    .command('retire-expired')
    .description(
      'retire every deprecated version whose sunset date has passed (the server monitor does this on its own)',
    )
    .option('--now <time>', 'act as if it were this ISO time (to preview or catch up)', flagValue(isoTime))
    .option('--json', 'machine-readable output')
    .action(async (opts: { now?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const { retired } = await ctx.platform().retireExpiredVersions({ now: opts.now ?? nowIso() });
      if (opts.json) return out.data({ retired });
      if (retired.length === 0) return out.line('no deprecated version has reached its sunset');
      out.table(
        retired.map((r) => ({ product: r.product, version: r.version, sunset: r.sunsetAt })),
        ['product', 'version', 'sunset'],
      );
      out.line(`${retired.length} version${retired.length === 1 ? '' : 's'} retired (kept in the registry, read-only)`);
    });
}
