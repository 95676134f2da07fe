import { resolve } from 'node:path';
import type { Command } from 'commander';
import { hasErrors } from '../../core/diagnostic.js';
import { InputError } from '../../core/errors.js';
import { GLOBAL_SCOPE } from '../../governance/policy-engine.js';
import { displayPath } from '../../platform/descriptor-bundle.js';
import type { PolicyListing, PolicyRuleListing } from '../../platform/mesh-api.js';
import { readYamlFile } from '../../descriptor/yaml-source.js';
import type { CliContext } from '../cli-context.js';

export function registerPolicyCommands(program: Command, ctx: CliContext): void {
  const policy = program
    .command('policy')
    .description('the governance policies in force: built-in rules, policy sets from files and from the registry');
  policy
    .command('list')
    .description(
      'list the rules in force for a product or a domain (default: the global rules) and where each comes from',
    )
    .option('--product <ref>', 'a product, domain/name: its domain rules whose selector matches it')
    .option('--domain <domain>', 'a domain: global rules plus its own')
    .option('--json', 'machine-readable output')
    .action(async (opts: { product?: string; domain?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      if (opts.product && opts.domain) throw new InputError('give --product or --domain, not both');
      const listing = await ctx.platform().listPolicies({ product: opts.product, domain: opts.domain });
      if (opts.json) return out.data(listing);
      const { rules, scope } = listing;
      out.line(
        out.colors.bold(
          `${rules.length} rules in force for ${scope === GLOBAL_SCOPE ? 'every product (global)' : scope}`,
        ) + out.colors.dim(`  policies: ${whereFrom(listing)}`),
      );
      out.table(
        rules.map((r) => ({
          rule: r.id,
          severity:
            r.effectiveSeverity +
            (r.enforceFrom && r.effectiveSeverity !== r.severity ? ` → ${r.severity} ${r.enforceFrom}` : ''),
          source: r.configuredBy.join(' > '),
          applies: r.selector
            ? [
                r.selector.domains && `domains ${r.selector.domains.join(',')}`,
                r.selector.tags && `tags ${r.selector.tags.join(',')}`,
              ]
                .filter(Boolean)
                .join('; ')
            : 'all',
          what: r.kind === 'cel' ? `cel: ${truncate(r.expression ?? '', 60)}` : describeParams(r),
        })),
        ['rule', 'severity', 'source', 'applies', 'what'],
      );
      if (listing.diagnostics.length > 0) {
        out.line();
        out.line(
          out.colors.yellow(
            `${listing.diagnostics.length} problem${listing.diagnostics.length === 1 ? '' : 's'} in the policy sets (those rules are not applied):`,
          ),
        );
        out.diagnostics(listing.diagnostics);
      }
    });
  policy
    .command('check')
    .description(
      'check the policy sets in force (structure, rule ids, params, CEL syntax and types, duplicates, weakening)',
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const listing = await ctx.platform().listPolicies();
      const problems = listing.diagnostics;
      ctx.exitCode = hasErrors(problems) ? 1 : 0;
      if (opts.json)
        return out.data({
          ok: !hasErrors(problems),
          policyFolder: listing.policyFolder,
          sets: listing.sets,
          diagnostics: problems,
        });
      out.diagnostics(problems);
      const sets = listing.sets;
      const stored = sets.filter((s) => s.origin === 'registry').length;
      out.line(
        `${sets.length} policy set${sets.length === 1 ? '' : 's'} checked${listing.policyFolder ? ` in ${listing.policyFolder}` : ''}${stored ? ` (${stored} from the registry)` : ''}, ${problems.filter((d) => d.severity === 'error').length} errors`,
      );
    });
  policy
    .command('apply')
    .description(
      'store a policy set in the registry (admin or governance role); in force from the next validate or publish',
    )
    .argument('<file>', 'a PolicySet YAML file')
    .option('--json', 'machine-readable output')
    .action(async (file: string, opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const label = displayPath(resolve(ctx.cwd, file), ctx.cwd);
      // Read with the same guards as descriptors; what the platform refuses comes back located in this file.
      const source = readYamlFile(resolve(ctx.cwd, file), label);
      if (source.value === undefined && hasErrors(source.diagnostics))
        throw new InputError(`${label} cannot be read as YAML; nothing was applied`, {
          details: { diagnostics: source.diagnostics },
        });
      const outcome = await ctx.platform().applyPolicySet({ file: label, yaml: source.text });
      if (opts.json) return out.data(outcome);
      out.diagnostics(outcome.diagnostics);
      const what = `policy set ${outcome.name} (${outcome.scope === GLOBAL_SCOPE ? 'global' : `domain ${outcome.scope}`}, ${outcome.rules} rule${outcome.rules === 1 ? '' : 's'})`;
      if (outcome.status === 'unchanged') out.line(`${what} is already in force with this content; nothing to do`);
      else
        out.line(
          out.colors.green(`${outcome.status === 'created' ? 'applied' : 'updated'} ${what}`) +
            out.colors.dim(`  (${outcome.contentHash.slice(0, 12)})`),
        );
    });
  policy
    .command('remove')
    .description('remove a policy set stored in the registry (admin or governance role)')
    .argument('<name>', 'the metadata.name of the set')
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const outcome = await ctx.platform().removePolicySet(name);
      if (opts.json) return out.data(outcome);
      out.line(`removed policy set ${outcome.name}; its rules no longer apply`);
    });
}

function whereFrom(listing: PolicyListing): string {
  const stored = listing.sets.filter((s) => s.origin === 'registry').length;
  const files = listing.policyFolder ?? 'no policies/ folder, MESH_POLICIES unset';
  return stored
    ? `${files}; ${stored} set${stored === 1 ? '' : 's'} from the registry`
    : (listing.policyFolder ?? `built-in only (${files})`);
}

function describeParams(rule: PolicyRuleListing): string {
  const entries = Object.entries(rule.params);
  if (entries.length === 0) return rule.message;
  return entries.map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.join(',')}]` : String(v)}`).join(' ');
}

function truncate(text: string, n: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > n ? `${flat.slice(0, n - 1)}…` : flat;
}
