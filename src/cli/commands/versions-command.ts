import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import type { CliContext } from '../cli-context.js';

export function registerVersionsCommands(program: Command, ctx: CliContext): void {
  const versions = program.command('versions').description('version lifecycle: deprecated majors are retired after their sunset');
  versions
    .command('retire-expired')
    .description('retire every deprecated version whose sunset date has passed (the server monitor does this on its own)')
    .option('--now <time>', 'act as if it were this ISO time (to preview or catch up)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { now?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const now = opts.now ? new Date(opts.now) : new Date();
      if (Number.isNaN(now.getTime())) throw new InputError(`--now "${opts.now}" is not an ISO time, e.g. 2027-01-01T00:00:00Z`);
      const { retired } = await ctx.platform().retireExpiredVersions({ now: now.toISOString() });
      if (opts.json) return out.data({ retired });
      if (retired.length === 0) return out.line('no deprecated version has reached its sunset');
      out.table(retired.map((r) => ({ product: r.product, version: r.version, sunset: r.sunsetAt })), ['product', 'version', 'sunset']);
      out.line(`${retired.length} version${retired.length === 1 ? '' : 's'} retired (kept in the registry, read-only)`);
    });
}
