import { Option, type Command } from 'commander';
import { ROLES, type Role } from '../../server/server-api.js';
import { parseDuration } from '../../descriptor/duration.js';
import type { CliContext } from '../cli-context.js';
import { flagValue } from '../flag-values.js';

/** `--expires 30d` (from now) or an ISO time. */
function expiryTime(text: string, now = Date.now()): string {
  const ms = parseDuration(text);
  if (ms !== undefined) return new Date(now + ms).toISOString();
  if (!Number.isNaN(Date.parse(text))) return new Date(text).toISOString();
  throw new Error('Expected a duration (30d, 12h) or an ISO time.');
}

export function registerTokenCommands(program: Command, ctx: CliContext): void {
  const token = program.command('token').description('API tokens for the server: create (shown once), list, revoke');
  token
    .command('create')
    .description('create a token for a user with a role; the secret is printed once')
    .requiredOption('--user <name>', 'who the token is for')
    .addOption(
      new Option('--role <role>', 'admin, governance, member (publish in their teams’ domains) or consumer (read)')
        .choices(ROLES)
        .makeOptionMandatory(),
    )
    .option(
      '--expires <when>',
      'a duration from now (30d, 12h) or an ISO time; default: never',
      flagValue((text) => expiryTime(text)),
    )
    .option('--label <text>', 'what the token is for')
    .option('--json', 'machine-readable output')
    .action(async (opts: { user: string; role: Role; expires?: string; label?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const created = await ctx
        .serverApi()
        .createToken({ user: opts.user, role: opts.role, expiresAt: opts.expires, label: opts.label });
      if (opts.json) return out.data(created);
      out.line(
        `token ${created.id} for ${created.user} (${created.role}${created.expiresAt ? `, expires ${created.expiresAt}` : ''}); shown once:`,
      );
      out.line(created.token);
    });
  token
    .command('list')
    .description('tokens (never their secrets)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const tokens = await ctx.serverApi().listTokens();
      if (opts.json) return out.data(tokens);
      if (tokens.length === 0) return out.line('no tokens: mesh admin init creates the first');
      const now = new Date().toISOString();
      out.table(
        tokens.map((t) => ({
          id: t.id,
          user: t.user,
          role: t.role,
          state: t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= now ? 'expired' : 'active',
          expires: t.expiresAt ?? 'never',
          label: t.label ?? '',
        })),
        ['id', 'user', 'role', 'state', 'expires', 'label'],
      );
    });
  token
    .command('revoke')
    .description('revoke a token at once')
    .argument('<id>', 'token id (mesh token list)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const revoked = await ctx.serverApi().revokeToken(id);
      if (opts.json) return out.data(revoked);
      out.line(`revoked ${revoked.id} (${revoked.user})`);
    });
}
