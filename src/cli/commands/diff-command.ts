import type { Command } from 'commander';
import { hasErrors } from '../../core/diagnostic.js';
import { InputError } from '../../core/errors.js';
import { displayPath, findDescriptorFiles, loadDescriptorFile } from '../../platform/descriptor-bundle.js';
import type { CliContext } from '../cli-context.js';
import { impactLines } from '../../lineage/change-impact.js';

export function registerDiffCommand(program: Command, ctx: CliContext): void {
  program
    .command('diff')
    .description(
      'classify the changes of a descriptor against its published version and say which version bump they need',
    )
    .argument('[path]', 'a product.yaml or its folder (default: .)')
    .option('--against <version>', 'compare with this published version (default: the one the new version follows)')
    .option('--json', 'machine-readable output')
    .action(async (path: string | undefined, opts: { against?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const files = findDescriptorFiles([path ?? '.'], ctx.cwd);
      if (files.length !== 1)
        throw new InputError(`found ${files.length} descriptors under ${path ?? '.'}; diff one product at a time`);
      const loaded = loadDescriptorFile(files[0], displayPath(files[0], ctx.cwd));
      if (!loaded.product || hasErrors(loaded.diagnostics)) {
        ctx.exitCode = 1;
        if (opts.json) return out.data({ ok: false, file: loaded.bundle.file, diagnostics: loaded.diagnostics });
        out.diagnostics(loaded.diagnostics);
        return out.line(out.colors.red(`${loaded.bundle.file} has errors; fix them first`));
      }
      const result = await ctx.platform().diff(loaded.bundle, { against: opts.against });
      const id = result.product;
      if (!result.published) {
        if (opts.json)
          return out.data({
            ok: true,
            product: id,
            version: result.version,
            against: null,
            changes: [],
            required: 'none',
            diagnostics: [],
          });
        return out.line(`${id} is not published yet: nothing to compare with`);
      }
      ctx.exitCode = result.ok ? 0 : 1;
      const changes = result.changes;
      if (opts.json) {
        return out.data({
          ok: result.ok,
          product: id,
          version: result.version,
          against: result.against,
          mode: result.mode,
          changes,
          required: result.required,
          suggested: result.suggested,
          newMajor: result.newMajor,
          diagnostics: result.diagnostics,
          ...(result.impact ? { impact: result.impact } : {}),
        });
      }
      if (!result.against) {
        out.diagnostics(result.diagnostics);
        return out.line(`nothing to compare ${id}@${result.version} with`);
      }
      const sameNumber = result.against === result.version;
      out.line(
        out.colors.bold(
          sameNumber
            ? `${id}: the published ${result.against} → this file (same version number)`
            : `${id}: ${result.against} → ${result.version}`,
        ) + out.colors.dim(`  (${result.mode} compatibility)`),
      );
      if (changes.length === 0)
        out.line(sameNumber ? `no changes: this file is what ${result.against} published` : 'no changes');
      else
        out.table(
          changes.map((c) => ({
            change: c.category,
            breaking: c.breaking ? 'yes' : 'no',
            bump: c.bump,
            reason: c.reason,
          })),
          ['change', 'breaking', 'bump', 'reason'],
        );
      out.line();
      out.line(
        result.required === 'none'
          ? 'needs no version bump'
          : `needs a ${result.required} bump${result.newMajor ? '' : `: at least ${result.suggested}`}`,
      );
      if (result.impact) for (const line of impactLines(result.impact)) out.line(line);
      out.diagnostics(result.diagnostics);
    });
}
