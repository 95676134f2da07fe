import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { parseConcurrency, scheduler } from '../../server/background-services.js';
import { jsonLog } from '../../core/json-log.js';
import { Metrics } from '../../server/ops/metrics.js';
import { platformRunExecutor } from '../../server/scheduler/run-executor.js';
import type { CliContext } from '../cli-context.js';
import { wholeNumber } from '../flag-values.js';

export function registerWorkerCommand(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description(
      'run scheduled pipeline runs from the shared queue, without the API (needs MESH_DATABASE_URL on PostgreSQL)',
    )
    .option(
      '--concurrency <n>',
      'runs of different products to execute at once; one product never runs twice at once (default: $MESH_WORKER_CONCURRENCY, else 1)',
      wholeNumber(1, 64),
    )
    .action(async (opts: { concurrency?: number }) => {
      const concurrency =
        opts.concurrency ?? parseConcurrency(ctx.env.MESH_WORKER_CONCURRENCY, 'MESH_WORKER_CONCURRENCY') ?? 1;
      const platform = ctx.local();
      platform.enterServerMode();
      if (!platform.config.databaseUrl || !/^postgres(ql)?:/.test(platform.config.databaseUrl)) {
        throw new InputError('mesh worker shares a PostgreSQL queue: set MESH_DATABASE_URL=postgres://…', {
          details: { hint: 'on the embedded SQLite registry, mesh serve runs the scheduler in-process' },
        });
      }
      const log = jsonLog((line) => ctx.streams.err(line));
      const service = scheduler({
        registry: await platform.registry(),
        metrics: new Metrics(),
        log,
        env: ctx.env,
        executor: platformRunExecutor(platform, ctx.env),
        concurrency,
      });
      await service.start();
      ctx.streams.out(`meshwork worker running (${service.name}, ${concurrency} at a time)\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log({ msg: 'shutting down', signal });
          void service.stop().then(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
