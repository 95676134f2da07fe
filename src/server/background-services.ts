/**
 * What runs beside the API in `mesh serve`: the scheduler, the freshness monitor and the
 * webhook dispatcher, each a BackgroundService started after the API listens.
 */
import { workerLivenessFromEnv } from '../core/worker-liveness.js';
import { InputError } from '../core/errors.js';
import { wholeNumberIn } from '../core/whole-number.js';
import type { Registry } from '../registry/registry.js';
import { FreshnessMonitor } from './monitor/freshness-monitor.js';
import type { LogSink } from '../core/json-log.js';
import type { Metrics } from './ops/metrics.js';
import { InProcessScheduler } from './scheduler/in-process-scheduler.js';
import { QueueScheduler } from './scheduler/queue-scheduler.js';
import type { RunExecutor } from './scheduler/run-executor.js';
import type { BackgroundService } from './background-service.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';

export interface BackgroundOptions {
  readonly registry: Registry;
  readonly metrics: Metrics;
  readonly log: LogSink;
  readonly env: NodeJS.ProcessEnv;
  /** Runs a product: platformRunExecutor(platform) in mesh serve and mesh worker. */
  readonly executor: RunExecutor;
  /** Runs of different products this process executes at once on the shared queue (default: MESH_WORKER_CONCURRENCY, else 1). */
  readonly concurrency?: number;
  /** After the monitor announced an expired grant: the SQL ports' own permissions follow it. */
  readonly onGrantExpired?: (grantId: string) => Promise<void>;
}

/** A run concurrency from a flag or MESH_WORKER_CONCURRENCY: a whole number from 1 to 64, or a usage error naming where it came from. */
export function parseConcurrency(value: string | undefined, from: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = wholeNumberIn(value, 1, 64);
  if (n === undefined) throw new InputError(`${from} must be a whole number from 1 to 64, got "${value}"`);
  return n;
}

/** graphile-worker on PostgreSQL (shared by every replica and `mesh worker`); croner in-process on SQLite. */
export function scheduler(options: BackgroundOptions): BackgroundService {
  const { registry, metrics, log, env } = options;
  const executor = options.executor;
  const maxAttempts = Number(env.MESH_RUN_MAX_ATTEMPTS) || 5;
  if (registry.dialect === 'postgres') {
    const concurrency = options.concurrency ?? parseConcurrency(env.MESH_WORKER_CONCURRENCY, 'MESH_WORKER_CONCURRENCY');
    return new QueueScheduler({
      registry,
      connectionString: env.MESH_DATABASE_URL!,
      executor,
      maxAttempts,
      concurrency,
      ...workerLivenessFromEnv(env),
      metrics,
      log,
    });
  }
  return new InProcessScheduler({ registry, executor, maxAttempts, metrics, log });
}

export function backgroundServices(options: BackgroundOptions): BackgroundService[] {
  const { registry, metrics, log, env } = options;
  return [
    scheduler(options),
    new FreshnessMonitor({
      registry,
      log,
      intervalMs: Number(env.MESH_MONITOR_INTERVAL_MS) || 30_000,
      onGrantExpired: options.onGrantExpired,
    }),
    new WebhookDispatcher({
      registry,
      log,
      metrics,
      intervalMs: Number(env.MESH_WEBHOOK_INTERVAL_MS) || 1_000,
      signingSecret: env.MESH_WEBHOOK_SECRET || undefined,
    }),
  ];
}
