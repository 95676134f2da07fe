import type { Command } from 'commander';
import type { CliContext } from '../cli-context.js';

export function registerTeamCommands(program: Command, ctx: CliContext): void {
  const team = program.command('team').description('teams: their members may publish into the team’s domains');
  team
    .command('create')
    .description('create a team for one or more domains (or add domains to it)')
    .argument('<name>', 'team name, kebab-case')
    .requiredOption('--domain <domain...>', 'domains the team owns')
    .option('--json', 'machine-readable output')
    .action(async (name: string, opts: { domain: string[]; json?: boolean }) => {
      const out = ctx.output(opts);
      const created = await ctx.serverApi().createTeam({ name, domains: opts.domain });
      if (opts.json) return out.data(created);
      out.line(`team ${created.name}: domains ${created.domains.join(', ')}`);
    });
  team
    .command('add-member')
    .description('add a user to a team')
    .argument('<team>', 'team name')
    .argument('<user>', 'user name (as on their tokens)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, user: string, opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const updated = await ctx.serverApi().addTeamMember(name, user);
      if (opts.json) return out.data(updated);
      out.line(`${user} is a member of ${updated.name} (domains: ${updated.domains.join(', ') || 'none'})`);
    });
  team
    .command('list')
    .description('teams with their domains and members')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const teams = await ctx.serverApi().listTeams();
      if (opts.json) return out.data(teams);
      if (teams.length === 0) return out.line('no teams yet: mesh team create <name> --domain <domain>');
      out.table(
        teams.map((t) => ({ team: t.name, domains: t.domains.join(', '), members: t.members.join(', ') })),
        ['team', 'domains', 'members'],
      );
    });
}
