import { Option, type Command } from 'commander';
import type { WebhookFormat } from '../../server/server-api.js';
import type { CliContext } from '../cli-context.js';

export function registerWebhookCommands(program: Command, ctx: CliContext): void {
  const webhook = program
    .command('webhook')
    .description('push events (as CloudEvents, or Slack messages) to HTTP endpoints, with retries');
  webhook
    .command('add')
    .description('subscribe a URL to events from now on')
    .argument('<url>', 'http(s) endpoint that receives a POST per event')
    .option('--types <types>', 'comma-separated event types, e.g. product.published,incident.* (default: all)')
    .addOption(
      new Option('--format <format>', 'payload shape').choices(['cloudevents', 'slack']).default('cloudevents'),
    )
    .option(
      '--domain <domain...>',
      "only events about these domains' products (e.g. a domain's on-call channel for incident.*)",
    )
    .option('--json', 'machine-readable output')
    .action(async (url: string, opts: { types?: string; format: WebhookFormat; domain?: string[]; json?: boolean }) => {
      const out = ctx.output(opts);
      const created = await ctx.serverApi().addWebhook({
        url,
        types: opts.types
          ?.split(',')
          .map((t) => t.trim())
          .filter(Boolean),
        format: opts.format,
        domains: opts.domain,
      });
      if (opts.json) return out.data(created);
      out.line(
        `webhook ${created.id} → ${created.url} (${created.format}; ${created.types.length ? created.types.join(', ') : 'all events'}${created.domains.length ? `; domains ${created.domains.join(', ')}` : ''})`,
      );
    });
  webhook
    .command('list')
    .description('subscriptions')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const hooks = await ctx.serverApi().listWebhooks();
      if (opts.json) return out.data(hooks);
      if (hooks.length === 0) return out.line('no webhooks: mesh webhook add <url>');
      out.table(
        hooks.map((h) => ({
          id: h.id,
          url: h.url,
          format: h.format,
          types: h.types.join(', ') || 'all',
          domains: h.domains.join(', ') || 'all',
        })),
        ['id', 'url', 'format', 'types', 'domains'],
      );
    });
  webhook
    .command('deliveries')
    .description('what was sent to a subscription, with attempts and errors')
    .argument('<id>', 'webhook id')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      const deliveries = await ctx.serverApi().listDeliveries(id);
      if (opts.json) return out.data(deliveries);
      if (deliveries.length === 0) return out.line('nothing delivered yet');
      out.table(
        deliveries.map((d) => ({ event: d.eventId, status: d.status, attempts: d.attempts, error: d.lastError ?? '' })),
        ['event', 'status', 'attempts', 'error'],
      );
    });
  webhook
    .command('remove')
    .description('delete a subscription')
    .argument('<id>', 'webhook id')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }) => {
      const out = ctx.output(opts);
      await ctx.serverApi().removeWebhook(id);
      if (opts.json) return out.data({ removed: id });
      out.line(`removed ${id}`);
    });
}
