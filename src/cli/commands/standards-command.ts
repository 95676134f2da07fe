/**
 * `mesh import <standard> <file>` and `mesh export <standard> <product>`: the open standards
 * (ODCS data contracts) in and out of Meshwork. The mapping lives in src/standards; this
 * shell reads and writes files and prints.
 */
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { toYaml } from '../../standards/yaml-text.js';
import { hasErrors, type Diagnostic } from '../../core/diagnostic.js';
import { readYamlFile } from '../../descriptor/yaml-source.js';
import { loadDescriptorFile } from '../../platform/descriptor-bundle.js';
import type { DataProduct } from '../../descriptor/data-product-schema.js';
import { importOdcs } from '../../standards/odcs/import-odcs.js';
import { importOdps } from '../../standards/odps/import-odps.js';
import { writeProductFolder } from '../../standards/product-folder.js';
import type { CliContext } from '../cli-context.js';

interface ImportOptions {
  dir?: string;
  domain?: string;
  name?: string;
  owner?: string;
  force?: boolean;
  json?: boolean;
}

export function registerStandardsCommands(program: Command, ctx: CliContext): void {
  const importCommand = program
    .command('import')
    .description('create a product folder from an open-standard document (ODCS data contract, ODPS product)');
  importCommand
    .command('odcs')
    .description('write a product folder (product.yaml + transform.sql) from an ODCS v3.1.0 data contract')
    .argument('<contract>', 'the contract, YAML (e.g. orders.odcs.yaml)')
    .option('--dir <path>', 'folder to write (default: ./<product name>)')
    .option('--domain <domain>', 'the product domain (default: the contract domain)')
    .option('--name <name>', 'the product name (default: the contract name)')
    .option('--owner <email>', "the owning team's e-mail (default: the contract team member with role owner)")
    .option('--force', 'replace an existing product.yaml in the folder')
    .option('--json', 'machine-readable output')
    .action((file: string, opts: ImportOptions) => importCommandFor(ctx, 'odcs', file, opts));

  importCommand
    .command('odps')
    .description('write a product skeleton folder from an ODPS v1.0.0 data product (ports, owner, inputs; no columns)')
    .argument('<product>', 'the data product, YAML (e.g. orders.odps.yaml)')
    .option('--dir <path>', 'folder to write (default: ./<product name>)')
    .option('--domain <domain>', 'the product domain (default: the document domain)')
    .option('--name <name>', 'the product name (default: the document name)')
    .option('--owner <email>', "the owning team's e-mail (default: the team member with role owner)")
    .option('--force', 'replace an existing product.yaml in the folder')
    .option('--json', 'machine-readable output')
    .action((file: string, opts: ImportOptions) => importCommandFor(ctx, 'odps', file, opts));

  const exportCommand = program
    .command('export')
    .description('print a published product as an open-standard document (ODCS contract, ODPS product)');
  for (const standard of ['odcs', 'odps'] as const)
    exportCommand
      .command(standard)
      .description(
        standard === 'odcs'
          ? 'print a published product as an ODCS v3.1.0 data contract (YAML; JSON with --json)'
          : 'print a published product as an ODPS v1.0.0 data product: input ports linked to the contracts they read, output and management ports (YAML; JSON with --json)',
      )
      .argument('<product>', 'domain/name, domain/name@major or domain/name@x.y.z')
      .option('--json', 'the document as JSON')
      .action(async (ref: string, opts: { json?: boolean }) => {
        const out = ctx.output(opts);
        const document = await ctx.platform().exportStandard(ref, standard);
        if (opts.json) return out.data(document);
        ctx.streams.out(toYaml(document));
      });
}

function importCommandFor(ctx: CliContext, standard: 'odcs' | 'odps', file: string, opts: ImportOptions): void {
  const out = ctx.output(opts);
  const source = readYamlFile(resolve(ctx.cwd, file), file);
  const names = { domain: opts.domain, name: opts.name, owner: opts.owner };
  const imported: {
    product?: DataProduct;
    transform?: { file?: string; sql: string };
    documentation?: string[];
    diagnostics: Diagnostic[];
  } = standard === 'odcs' ? importOdcs(source, names) : importOdps(source, names);
  const fail = (diagnostics: Diagnostic[], message: string) => {
    ctx.exitCode = 1;
    if (opts.json) return out.data({ ok: false, diagnostics });
    out.diagnostics(diagnostics);
    out.line(out.colors.red(message));
  };
  if (!imported.product || hasErrors(imported.diagnostics))
    return fail(imported.diagnostics, `${file} could not be imported; nothing was written`);
  const dir = resolve(ctx.cwd, opts.dir ?? imported.product.metadata.name);
  const written = writeProductFolder(
    dir,
    {
      ...imported,
      product: imported.product,
      origin: standard === 'odcs' ? `the ODCS data contract ${file}` : `the ODPS data product ${file}`,
    },
    { force: opts.force },
  );
  const shown = (path: string) => relative(ctx.cwd, path) || '.';
  const checked = loadDescriptorFile(written[0], shown(written[0]));
  const diagnostics = [...imported.diagnostics, ...checked.diagnostics];
  const ok = !hasErrors(checked.diagnostics);
  ctx.exitCode = ok ? 0 : 1;
  const id = `${imported.product.metadata.domain}/${imported.product.metadata.name}`;
  if (opts.json) return out.data({ ok, product: id, dir: shown(dir), files: written.map(shown), diagnostics });
  out.diagnostics(diagnostics);
  out.line(`wrote ${id} to ${shown(dir)}: ${written.map((f) => relative(dir, f)).join(', ')}`);
  out.line(
    ok
      ? 'next: review product.yaml, then `mesh validate` and `mesh publish` in that folder'
      : 'the folder does not validate yet; fix the errors above',
  );
}
