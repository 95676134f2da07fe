import type { Command } from 'commander';
import { hasErrors } from '../../core/diagnostic.js';
import { ConflictError, InputError } from '../../core/errors.js';
import { publishRefusal } from '../../platform/publish-refusal.js';
import type { CliContext } from '../cli-context.js';
import { impactLines } from '../../lineage/change-impact.js';
import { checkPaths } from './validate-command.js';

export function registerPublishCommand(program: Command, ctx: CliContext): void {
  program
    .command('publish')
    .description('validate, then record a new immutable version in the catalog')
    .argument('[path]', 'a product.yaml or its folder (default: .)')
    .option('--json', 'machine-readable output')
    .action(async (path: string | undefined, opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const results = await checkPaths(ctx, [path ?? '.']);
      if (results.length !== 1)
        throw new InputError(`found ${results.length} descriptors under ${path ?? '.'}; publish one product at a time`);
      const [checked] = results;
      if (hasErrors(checked.diagnostics)) {
        const refusal = publishRefusal(checked.file, checked.product, checked.diagnostics);
        if (refusal instanceof ConflictError) throw refusal;
        ctx.exitCode = 1;
        // A breaking change: who it would break, before anything is published.
        const impact = checked.diagnostics.some((d) => d.code === 'breaking-change' && d.severity === 'error')
          ? (await ctx.platform().diff(checked.bundle)).impact
          : undefined;
        if (opts.json)
          return out.data({
            published: false,
            file: checked.file,
            diagnostics: checked.diagnostics,
            ...(impact ? { impact } : {}),
          });
        out.diagnostics(checked.diagnostics);
        if (impact) for (const line of impactLines(impact)) out.line(line);
        out.line(out.colors.red(`not published: ${checked.file} has errors`));
        return;
      }
      const outcome = await ctx.platform().publish(checked.bundle);
      if (opts.json) return out.data({ published: outcome.status === 'created', ...outcome });
      out.diagnostics(outcome.diagnostics);
      if (outcome.status === 'unchanged')
        out.line(`${outcome.product}@${outcome.version} is already published with identical content; nothing to do`);
      else
        out.line(
          out.colors.green(`published ${outcome.product}@${outcome.version}`) +
            out.colors.dim(`  (${outcome.contentHash.slice(0, 12)})`),
        );
    });
}
