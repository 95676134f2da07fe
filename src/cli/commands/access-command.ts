import { nowIso } from '../../core/clock.js';
import type { Command } from 'commander';
import type { AccessRequestRecord, GrantRecord } from '../../access/access-api.js';
import type { CliContext } from '../cli-context.js';
import { wholeNumber } from '../flag-values.js';

const target = (product: string, major: number | null) => (major === null ? product : `${product}@${major}`);
const grantee = (g: GrantRecord) => (g.granteeKind === 'everyone' ? 'everyone' : `${g.granteeKind} ${g.grantee}`);
const grantState = (g: GrantRecord, now: string) =>
  g.revokedAt ? `revoked ${g.revokedAt}` : g.expiresAt && g.expiresAt <= now ? `expired ${g.expiresAt}` : 'active';

function requestLine(r: AccessRequestRecord): string {
  return `${r.id}  ${target(r.product, r.major)} for team ${r.team}${r.pii ? ' (PII)' : ''}: ${r.status}`;
}

/** `mesh access …`: ask for a product's data, decide, revoke, list, and read the audit log. */
export function registerAccessCommands(program: Command, ctx: CliContext): void {
  const access = program
    .command('access')
    .description('access to products’ data: requests, grants and the audit log of every read');
  access
    .command('request')
    .description('ask for a product’s data (every major, or domain/name@major) for a team')
    .argument('<product>', 'domain/name or domain/name@major')
    .requiredOption('--team <team>', 'the team that will read it (you must belong to it)')
    .requiredOption('--purpose <text>', 'what the data is for (the owners read this)')
    .option('--pii', 'ask to read direct and sensitive columns in clear')
    .option('--expires <duration>', 'how long the grant lasts once approved, e.g. 90d')
    .option('--json', 'machine-readable output')
    .action(
      async (
        product: string,
        opts: { team: string; purpose: string; pii?: boolean; expires?: string; json?: boolean },
      ) => {
        const out = ctx.output(opts);
        const outcome = await ctx.platform().requestAccess(ctx.accessScope(), {
          product,
          team: opts.team,
          purpose: opts.purpose,
          pii: opts.pii,
          expires: opts.expires,
        });
        if (opts.json) return out.data(outcome);
        if (outcome.grant)
          return out.line(`${requestLine(outcome.request)} (access.autoApprove): grant ${outcome.grant.id}`);
        out.line(`${requestLine(outcome.request)}`);
        out.line(`the owners of ${product.split('@')[0]} decide: mesh access approve ${outcome.request.id}`);
      },
    );
  for (const verb of ['approve', 'deny'] as const)
    access
      .command(verb)
      .description(`${verb} a pending request (admins and members of the product's domain)`)
      .argument('<id>', 'the request id (mesh access list --pending)')
      .option('--reason <text>', 'why, for the requester')
      .option('--as <team>', 'act as one of your teams only')
      .option('--json', 'machine-readable output')
      .action(async (id: string, opts: { reason?: string; as?: string; json?: boolean }) => {
        const out = ctx.output(opts);
        const outcome = await ctx
          .platform()
          .decideAccess(ctx.accessScope(opts.as), id, { approve: verb === 'approve', reason: opts.reason });
        if (opts.json) return out.data(outcome);
        const g = outcome.grant;
        out.line(
          g
            ? `${requestLine(outcome.request)}: grant ${g.id}${g.expiresAt ? `, expires ${g.expiresAt}` : ''}`
            : requestLine(outcome.request),
        );
      });
  access
    .command('revoke')
    .description('revoke a grant given by a request; reads stop at once')
    .argument('<grant>', 'the grant id (mesh access list --product <p>)')
    .option('--as <team>', 'act as one of your teams only')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { as?: string; json?: boolean }) => {
      const out = ctx.output(opts);
      const grant = await ctx.platform().revokeGrant(ctx.accessScope(opts.as), id);
      if (opts.json) return out.data(grant);
      out.line(`grant ${grant.id} of ${target(grant.product, grant.major)} to ${grantee(grant)}: revoked`);
    });
  access
    .command('list')
    .description('grants and requests, of a product or a team, or the pending requests')
    .option('--product <product>', 'domain/name')
    .option('--team <team>', 'a team')
    .option('--pending', 'only requests waiting for a decision')
    .option('--json', 'machine-readable output')
    .action(async (opts: { product?: string; team?: string; pending?: boolean; json?: boolean }) => {
      const out = ctx.output(opts);
      const listing = await ctx.platform().listAccess(opts);
      if (opts.json) return out.data(listing);
      const now = nowIso();
      if (listing.grants.length > 0)
        out.table(
          listing.grants.map((g) => ({
            grant: g.id,
            product: target(g.product, g.major),
            to: grantee(g),
            pii: g.pii ? 'clear' : 'masked',
            origin: g.origin,
            state: grantState(g, now),
            expires: g.expiresAt ?? '',
          })),
          ['grant', 'product', 'to', 'pii', 'origin', 'state', 'expires'],
        );
      if (listing.requests.length > 0) {
        if (listing.grants.length > 0) out.line();
        out.table(
          listing.requests.map((r) => ({
            request: r.id,
            product: target(r.product, r.major),
            team: r.team,
            pii: r.pii ? 'yes' : 'no',
            status: r.status,
            by: r.requestedBy,
            purpose: r.purpose,
          })),
          ['request', 'product', 'team', 'pii', 'status', 'by', 'purpose'],
        );
      }
      if (listing.grants.length === 0 && listing.requests.length === 0) out.line('no grants or requests');
    });
  access
    .command('log')
    .description('the audit log: every read of data and every refusal, newest first')
    .option('--product <product>', 'domain/name')
    .option('--team <team>', 'reads by a team')
    .option('--since <time>', 'an ISO time or a duration back from now, e.g. 24h')
    .option('--limit <n>', 'at most this many rows', wholeNumber(1, 5000), 200)
    .option('--as <team>', 'act as one of your teams only')
    .option('--json', 'machine-readable output')
    .action(
      async (opts: { product?: string; team?: string; since?: string; limit: number; as?: string; json?: boolean }) => {
        const out = ctx.output(opts);
        const rows = await ctx.platform().accessLog(ctx.accessScope(opts.as), opts);
        if (opts.json) return out.data(rows);
        if (rows.length === 0) return out.line('no reads recorded');
        out.table(
          rows.map((r) => ({
            time: r.time,
            user: r.user,
            team: r.team ?? '',
            product: target(r.product, r.major),
            path: r.path,
            result: r.allowed ? 'allowed' : 'REFUSED',
            why: r.reason,
            masked: r.maskedColumns.join(','),
            rows: r.rows ?? '',
            ms: r.durationMs ?? '',
          })),
          ['time', 'user', 'team', 'product', 'path', 'result', 'why', 'masked', 'rows', 'ms'],
        );
      },
    );
}
