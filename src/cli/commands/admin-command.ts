import type { Command } from 'commander';
import { ConflictError } from '../../core/errors.js';
import { createToken, hasLiveAdmin } from '../../registry/operations/identity/tokens.js';
import { reindexRegistry } from '../../registry/operations/products/search-index.js';
import { backfillStandingGrants } from '../../registry/operations/access/backfill-standing-grants.js';
import { writeTransaction } from '../../registry/registry.js';
import type { CliContext } from '../cli-context.js';

export function registerAdminCommands(program: Command, ctx: CliContext): void {
  const admin = program.command('admin').description('bootstrap the platform server; maintain its registry');
  admin
    .command('init')
    .description('create the first admin token, on the registry of this machine (refuses once an admin exists)')
    .option('--user <name>', 'the admin user', 'admin')
    .option('--json', 'machine-readable output')
    .action(async (opts: { user: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const registry = await ctx.local().registry();
      if (await hasLiveAdmin(registry)) {
        throw new ConflictError('an admin token already exists; ask an admin for a token (mesh token create)', {
          details: { hint: 'admins create further tokens with mesh token create --role admin' },
        });
      }
      const created = await createToken(registry, {
        user: opts.user,
        role: 'admin',
        label: 'bootstrap',
        createdBy: 'mesh admin init',
      });
      if (opts.json) return out.data(created);
      out.line(`admin token for ${created.user} (${created.id}); it is shown once, keep it safe:`);
      out.line(created.token);
      out.line('use it with: export MESH_TOKEN=<token> MESH_SERVER=http://127.0.0.1:8080');
    });
  admin
    .command('reindex')
    .description(
      'rebuild the catalog search index from the published versions, and the standing grants of majors that have none, on the registry of this machine ($MESH_HOME or MESH_DATABASE_URL)',
    )
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const registry = await ctx.local().registry();
      const rebuilt = await reindexRegistry(registry);
      // Majors without standing grants get those of their latest version's spec.access.
      const standing = await writeTransaction(registry, (tx) => backfillStandingGrants(tx, 'mesh admin reindex'));
      if (opts.json) return out.data({ ...rebuilt, standingGrantMajors: standing.majors });
      out.line(`search index rebuilt: ${rebuilt.products} product(s) in ${(rebuilt.ms / 1000).toFixed(1)} s`);
      if (standing.majors > 0) out.line(`standing grants written for ${standing.majors} major(s) that had none`);
    });
}
