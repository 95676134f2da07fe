/**
 * `mesh test <contract>`: an ODCS contract's schema checks and quality rules against the
 * server it names, before any product exists. Prints a table, writes JUnit XML and JSON for
 * CI, exits 1 when a check of severity error fails or the contract cannot be tested.
 */
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { readYamlFile } from '../../descriptor/yaml-source.js';
import { contractJUnit } from '../../platform/contract-junit.js';
import { testContract, type ContractTestReport } from '../../platform/contract-test.js';
import type { CliContext } from '../cli-context.js';
import type { Output } from '../output.js';

interface TestOptions {
  server?: string;
  junit?: string;
  report?: string;
  json?: boolean;
}

export function registerTestCommand(program: Command, ctx: CliContext): void {
  program
    .command('test')
    .description(
      "run an ODCS contract's schema checks and quality rules against the server it names (no product needed)",
    )
    .argument('<contract>', 'the contract, YAML (e.g. orders.odcs.yaml)')
    .option('--server <name>', "the contract's server to test (default: the first postgres, mysql or local file one)")
    .option('--junit <file>', 'also write the results as JUnit XML (for CI)')
    .option('--report <file>', 'also write the results as JSON')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: TestOptions) => {
      const out = ctx.output(opts);
      const path = resolve(ctx.cwd, file);
      const source = readYamlFile(path, file);
      // `--server` is also the global flag (a Meshwork server's URL), which takes it first; this
      // command talks to no Meshwork server, so here the flag names the contract's server.
      const server = opts.server ?? ctx.serverUrl;
      const report = await testContract(source, { server, env: ctx.env, baseDir: dirname(path) });
      if (opts.junit) writeFileSync(resolve(ctx.cwd, opts.junit), contractJUnit(report));
      if (opts.report) writeFileSync(resolve(ctx.cwd, opts.report), `${JSON.stringify(report, null, 2)}\n`);
      ctx.exitCode = report.passed ? 0 : 1;
      if (opts.json) return out.data(report);
      printReport(out, report);
    });
}

function printReport(out: Output, report: ContractTestReport): void {
  const c = out.colors;
  out.diagnostics(report.diagnostics);
  if (report.source)
    out.line(`${report.contract}: server ${report.server ?? '?'}, ${report.rows} row(s) read (${report.source})`);
  if (report.checks.length) {
    const status = (s: string, severity: string) =>
      s === 'pass'
        ? c.green('pass')
        : s === 'skip'
          ? c.dim('skip')
          : severity === 'warn'
            ? c.yellow('warn')
            : c.red('FAIL');
    out.table(
      report.checks.map((k) => ({
        status: status(k.status, k.severity),
        kind: k.kind,
        check: k.name,
        result: k.message,
      })),
      ['status', 'kind', 'check', 'result'],
    );
  }
  const failed = report.checks.filter((k) => k.status === 'fail' && k.severity === 'error').length;
  const passed = report.checks.filter((k) => k.status === 'pass').length;
  const line = `${passed} passed, ${failed} failed, ${report.checks.length - passed - failed} other, in ${report.durationMs} ms`;
  out.line(report.passed ? c.green(line) : c.red(line));
}
