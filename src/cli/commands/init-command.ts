import { Option, type Command } from 'commander';
import { initProduct, TEMPLATES, type Template } from '../../platform/init-product.js';
import type { CliContext } from '../cli-context.js';

export function registerInitCommand(program: Command, ctx: CliContext): void {
  program
    .command('init')
    .description('create a product folder: a commented product.yaml, transform.sql and a README')
    .argument('<name>', 'product name, kebab-case (e.g. orders-daily)')
    .requiredOption('--domain <domain>', 'the owning domain, kebab-case')
    .requiredOption('--owner <email>', "the owning team's e-mail address")
    .option('--oncall <email>', 'who is paged when it breaks (default: the owner)')
    .addOption(new Option('--template <template>', 'where the data comes from').choices(TEMPLATES).default('postgres'))
    .option('--dir <path>', 'folder to create (default: ./<name>)')
    .option('--json', 'machine-readable output')
    .action(
      (
        name: string,
        opts: { domain: string; owner: string; oncall?: string; template: Template; dir?: string; json?: boolean },
      ) => {
        const out = ctx.output(opts);
        const result = initProduct({
          name,
          domain: opts.domain,
          owner: opts.owner,
          oncall: opts.oncall,
          template: opts.template,
          dir: opts.dir,
          cwd: ctx.cwd,
        });
        if (opts.json) return out.data(result);
        out.line(`created ${result.dir}`);
        for (const f of result.files) out.line(`  ${f}`);
        out.line('next: edit product.yaml, then `mesh validate` and `mesh publish` in that folder');
      },
    );
}
