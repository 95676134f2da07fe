import type { Command } from 'commander';
import { wholeNumber } from '../flag-values.js';
import { backgroundServices, parseConcurrency } from '../../server/background-services.js';
import { jsonLog } from '../../core/json-log.js';
import { closeOnSignals, startServer } from '../../server/serve.js';
import { webhookSigner } from '../../server/webhooks/webhook-dispatcher.js';
import { platformRunExecutor } from '../../server/scheduler/run-executor.js';
import type { CliContext } from '../cli-context.js';

export function registerServeCommand(program: Command, ctx: CliContext): void {
  program
    .command('serve')
    .description(
      'run the platform server: the HTTP API, the scheduler, the freshness monitor and webhooks (registry from MESH_HOME or MESH_DATABASE_URL)',
    )
    .option('--port <port>', 'port to listen on (0: any free port)', wholeNumber(0, 65535), 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--no-scheduler', 'serve the API only: no scheduled runs, monitor or webhook deliveries')
    .action(async (opts: { port: number; host: string; scheduler: boolean }) => {
      const port = opts.port;
      // Bad background settings stop the server before it listens, not later in the background.
      if (opts.scheduler && ctx.env.MESH_WEBHOOK_SECRET) webhookSigner(ctx.env.MESH_WEBHOOK_SECRET);
      const concurrency = parseConcurrency(ctx.env.MESH_WORKER_CONCURRENCY, 'MESH_WORKER_CONCURRENCY');
      const log = jsonLog((line) => ctx.streams.err(line));
      const platform = ctx.local();
      const server = await startServer({
        platform,
        host: opts.host,
        port,
        log,
        background: opts.scheduler
          ? (registry, metrics) =>
              backgroundServices({
                registry,
                metrics,
                log,
                env: ctx.env,
                executor: platformRunExecutor(platform, ctx.env),
                concurrency,
                onGrantExpired: (grant) => platform.followExpiredGrant(grant),
              })
          : undefined,
      });
      ctx.streams.out(`meshwork server listening on ${server.url} (registry: ${server.registry.description})\n`);
      await closeOnSignals(server, log);
    });
}
