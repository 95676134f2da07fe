import { Option, type Command } from 'commander';
import { hasErrors, type Diagnostic } from '../../core/diagnostic.js';
import { toSarif } from '../../governance/sarif.js';
import { displayPath, findDescriptorFiles, loadDescriptorFile } from '../../platform/descriptor-bundle.js';
import type { CheckResult, MeshApi } from '../../platform/mesh-api.js';
import { LocalPlatform } from '../../platform/local-platform.js';
import type { CliContext } from '../cli-context.js';
import { VERSION } from '../version.js';

/** Checks descriptors (and the policies in force); shared by validate and publish. */
export async function checkPaths(ctx: CliContext, paths: string[]) {
  const files = findDescriptorFiles(paths, ctx.cwd);
  const platform = ctx.platform();
  const results: Array<CheckResult & { bundle: ReturnType<typeof loadDescriptorFile>['bundle'] }> = [];
  for (const file of files) {
    const loaded = loadDescriptorFile(file, displayPath(file, ctx.cwd));
    const result =
      platform instanceof LocalPlatform ? await platform.checkLoaded(loaded) : await remoteCheck(platform, loaded);
    results.push({ ...result, bundle: loaded.bundle });
  }
  return results;
}

/**
 * Problems in the policy files, shown once per command. They warn instead of failing the
 * product: a governance team's typo must not block every domain, and the broken rule is
 * named so nobody mistakes its absence for a pass.
 */
export function policyProblems(ctx: CliContext): Diagnostic[] {
  return (ctx.policies().loadDiagnostics ?? []).map((d) => ({
    ...d,
    severity: d.severity === 'error' ? 'warn' : d.severity,
    message: `policy not applied: ${d.message}`,
  }));
}

/**
 * Against a server: it re-checks the bundle with the policies in force there; the file checks
 * (transform file present, paths) only exist here. Local errors stop early; otherwise the
 * server's findings plus any local one it could not make.
 */
async function remoteCheck(platform: MeshApi, loaded: ReturnType<typeof loadDescriptorFile>): Promise<CheckResult> {
  if (hasErrors(loaded.diagnostics)) return { file: loaded.bundle.file, diagnostics: [...loaded.diagnostics] };
  const remote = await platform.check(loaded.bundle);
  const key = (d: Diagnostic) => `${d.code}|${d.path ?? ''}|${d.message}`;
  const seen = new Set(remote.diagnostics.map(key));
  return {
    ...remote,
    file: loaded.bundle.file,
    diagnostics: [...remote.diagnostics, ...loaded.diagnostics.filter((d) => !seen.has(key(d)))],
  };
}

export function registerValidateCommand(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description('check descriptors: structure, references, files and the governance policies in force')
    .argument('[paths...]', 'product.yaml files or folders to search (default: .)')
    .option('--json', 'print the diagnostics as JSON')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'sarif']).default('text'))
    .action(async (paths: string[], opts: { json?: boolean; format: 'text' | 'json' | 'sarif' }) => {
      const format = opts.json ? 'json' : opts.format;
      const out = ctx.output({ json: format !== 'text' });
      const results = await checkPaths(ctx, paths);
      const policy = policyProblems(ctx);
      const all: Diagnostic[] = results.flatMap((r) => r.diagnostics);
      ctx.exitCode = hasErrors(all) ? 1 : 0;
      if (format === 'sarif') {
        const engine = ctx.policies();
        const domains = new Set(results.map((r) => r.product?.id.split('/')[0]).filter((d): d is string => Boolean(d)));
        const rules = new Map(
          [...engine.globalRules(), ...[...domains].flatMap((d) => engine.rulesFor(d))].map((r) => [
            r.id,
            { title: r.title, rationale: r.rationale },
          ]),
        );
        return out.data(toSarif([...policy, ...all], VERSION, (id) => rules.get(id)));
      }
      if (format === 'json') {
        return out.data({
          ok: !hasErrors(all),
          files: results.map((r) => ({ file: r.file, product: r.product, diagnostics: r.diagnostics })),
          policyDiagnostics: policy,
        });
      }
      out.diagnostics([...policy, ...all]);
      out.summary(all, results.length);
    });
}
