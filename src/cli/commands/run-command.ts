import { dirname } from 'node:path';
import type { Command } from 'commander';
import { EXIT_USAGE, InputError } from '../../core/errors.js';
import { displayPath, findDescriptorFiles, loadDescriptorFile } from '../../platform/descriptor-bundle.js';
import { LocalPlatform } from '../../platform/local-platform.js';
import type { RunOutcome } from '../../runner/run-outcome.js';
import type { RunObserver } from '../../runner/run-observer.js';
import type { CliContext } from '../cli-context.js';
import type { Output } from '../output.js';

export function registerRunCommand(program: Command, ctx: CliContext): void {
  program
    .command('run')
    .description("run a product's pipeline: extract, transform, conform, audit, publish")
    .argument(
      '[product]',
      'domain/name of a published product (runs its latest version), or domain/name@major for an older major before its sunset',
    )
    .option('--path <dir>', 'dry-run a local, unpublished product folder (publishes nothing)')
    .option('--json', 'machine-readable output')
    .action(async (ref: string | undefined, opts: { path?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      if (!ref === !opts.path) {
        ctx.streams.err(
          `error: ${ref ? 'give either a product or --path, not both' : 'name a product (mesh run sales/invoices-daily) or a folder (mesh run --path ./invoices-daily)'}\n(run mesh run --help for usage)\n`,
        );
        ctx.exitCode = EXIT_USAGE;
        return;
      }
      const observer = !opts.json && ctx.streams.isTTY ? progressObserver(ctx) : undefined;
      const platform = ctx.platform();
      const local = platform instanceof LocalPlatform ? platform : undefined;
      let outcome: RunOutcome;
      if (opts.path) {
        const files = findDescriptorFiles([opts.path], ctx.cwd);
        if (files.length !== 1)
          throw new InputError(`found ${files.length} descriptors under ${opts.path}; run one product at a time`);
        const checked = loadDescriptorFile(files[0], displayPath(files[0], ctx.cwd));
        const request = { observer, baseDir: dirname(files[0]) };
        // File inputs are the user's files: a dry run reading them runs here, even with --server.
        const readsFiles = checked.product?.spec.inputs.some((i) => i.source?.type === 'file') ?? false;
        const here = local ?? (readsFiles ? ctx.onThisMachine() : undefined);
        outcome = here
          ? await here.dryRun(checked.bundle, { ...request, env: ctx.env })
          : await platform.dryRun(checked.bundle, request);
      } else {
        outcome = local
          ? await local.runProduct(ref!, { observer, env: ctx.env, baseDir: ctx.cwd })
          : await platform.runProduct(ref!, { observer });
      }
      if (outcome.status !== 'succeeded') ctx.exitCode = 1;
      if (opts.json) return out.data(outcome);
      printOutcome(out, outcome);
    });
}

function progressObserver(ctx: CliContext): RunObserver {
  let current = '';
  const write = (text: string) => ctx.streams.err(`\r\x1b[2K${text}`);
  return {
    onStepStart: (step) => {
      current = step;
      write(`${step}…`);
    },
    onProgress: (p) =>
      write(`${current}${p.input ? ` ${p.input}` : ''}: ${p.rows.toLocaleString('en-US')} rows so far`),
    onStep: (s) =>
      ctx.streams.err(
        `\r\x1b[2K${s.status === 'succeeded' ? '✓' : '✗'} ${s.name} ${s.ms} ms${s.rows !== undefined ? `, ${s.rows.toLocaleString('en-US')} rows` : ''}\n`,
      ),
  };
}

function printOutcome(out: Output, o: RunOutcome): void {
  const c = out.colors;
  const title = `${o.product}@${o.version}${o.dryRun ? ' (dry run)' : ''}`;
  out.line(
    o.status === 'succeeded'
      ? c.green(`✓ ${title}: run ${o.runId} succeeded`)
      : c.red(`✗ ${title}: run ${o.runId} failed`),
  );
  out.table(
    o.steps.map((s) => ({ step: s.name, status: s.status, ms: s.ms, rows: s.rows ?? '' })),
    ['step', 'status', 'ms', 'rows'],
  );
  if (o.inputs.length) {
    out.line();
    out.table(
      o.inputs.map((i) => ({ input: i.name, kind: i.kind, rows: i.rowsIn, watermark: i.watermark ?? '' })),
      ['input', 'kind', 'rows', 'watermark'],
    );
  }
  if (o.checks.length) {
    out.line();
    out.table(
      o.checks.map((k) => ({
        check: k.name,
        severity: k.severity,
        status: k.status === 'pass' ? 'pass' : 'FAIL',
        result: k.message,
      })),
      ['check', 'severity', 'status', 'result'],
    );
    for (const k of o.checks.filter((c) => c.status === 'fail' && c.samples?.length)) {
      out.line(c.dim(`  sample rows failing ${k.name} (PII masked):`));
      for (const row of k.samples!.slice(0, 3)) out.line(c.dim(`    ${JSON.stringify(row)}`));
    }
  }
  out.line();
  if (o.status === 'succeeded') {
    out.line(
      `${o.rowsOut ?? 0} rows${o.snapshotId ? ` published as snapshot ${o.snapshotId}` : ' (dry run: nothing published)'}`,
    );
    for (const p of o.ports) out.line(c.dim(`  ${p.name} (${p.type}): ${p.location}`));
    const note = o.steps.find((s) => s.name === 'publish')?.note;
    if (note) out.line(c.dim(`  ${note}`));
  } else {
    out.line(c.red(`error: ${o.error}`));
    if (!o.dryRun) out.line(c.dim('nothing was published; the last good snapshot stays current'));
  }
}
