import type { Command } from 'commander';
import type { DomainRecord } from '../../platform/health/ratings-api.js';
import type { CliContext } from '../cli-context.js';

/** `mesh domain list|show|set`: owning team, members, and the core flag of a deliberate central core. */
export function registerDomainCommands(program: Command, ctx: CliContext): void {
  const domain = program.command('domain').description('domains: their owning team, teams, members and core flag');
  domain
    .command('list')
    .description('every domain with its owner, teams, members and products')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const domains = await ctx.platform().listDomains();
      if (opts.json) return out.data(domains);
      if (domains.length === 0) return out.line('no domains yet: mesh domain set <name> --owner <team>');
      out.table(
        domains.map((d) => ({
          domain: d.name,
          owner: d.ownerTeam ?? '(none)',
          core: d.core ? 'core' : '',
          teams: d.teams.join(', '),
          members: d.members.length,
          products: d.products,
        })),
        ['domain', 'owner', 'core', 'teams', 'members', 'products'],
      );
    });
  domain
    .command('show')
    .description('one domain in full')
    .argument('<domain>', 'domain name')
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const d = await ctx.platform().showDomain(name);
      if (opts.json) return out.data(d);
      printDomain(out.line.bind(out), d);
    });
  domain
    .command('set')
    .description('set a domain’s owning team, core flag or description (admins; creates the domain when new)')
    .argument('<domain>', 'domain name')
    .option('--owner <team>', 'the owning team (becomes a team of the domain)')
    .option('--core', 'a deliberate, centrally-owned core domain (not flagged as relabeling)')
    .option('--no-core', 'not a core domain')
    .option('--description <text>', 'what the domain is about')
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: { owner?: string; core?: boolean; description?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const d = await ctx
        .platform()
        .setDomain(ctx.accessScope(), name, { ownerTeam: opts.owner, core: opts.core, description: opts.description });
      if (opts.json) return out.data(d);
      printDomain(out.line.bind(out), d);
    });
}

function printDomain(line: (text: string) => void, d: DomainRecord): void {
  line(`domain ${d.name}${d.core ? ' (core)' : ''}`);
  if (d.description) line(`  ${d.description}`);
  line(`  owner:    ${d.ownerTeam ?? '(none: mesh domain set ' + d.name + ' --owner <team>)'}`);
  line(`  teams:    ${d.teams.join(', ') || '(none)'}`);
  line(`  members:  ${d.members.join(', ') || '(none)'}`);
  line(`  products: ${d.products}`);
}
