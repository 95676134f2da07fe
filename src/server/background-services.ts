/**
 * What runs beside the API in `mesh serve`: the scheduler, the freshness monitor and the
 * webhook dispatcher, each a BackgroundService started after the API listens.
 */
import type { Registry } from '../registry/registry.js';
import { FreshnessMonitor } from './monitor/freshness-monitor.js';
import type { LogSink } from '../core/json-log.js';
import type { Metrics } from './ops/metrics.js';
import { InProcessScheduler } from './scheduler/in-process-scheduler.js';
import { QueueScheduler } from './scheduler/queue-scheduler.js';
import type { RunExecutor } from './scheduler/run-executor.js';
import type { BackgroundService } from './serve.js';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher.js';

export interface BackgroundOptions {
  readonly registry: Registry;
  readonly metrics: Metrics;
  readonly log: LogSink;
  readonly env: NodeJS.ProcessEnv;
  /** Runs a product: platformRunExecutor(platform) in mesh serve and mesh worker. */
  readonly executor: RunExecutor;
}

/** graphile-worker on PostgreSQL (shared by every replica and `mesh worker`); croner in-process on SQLite. */
export function scheduler(options: BackgroundOptions): BackgroundService {
  const { registry, metrics, log, env } = options;
  const executor = options.executor;
  const maxAttempts = Number(env.MESH_RUN_MAX_ATTEMPTS) || 5;
  if (registry.dialect === 'postgres') {
    return new QueueScheduler({ registry, connectionString: env.MESH_DATABASE_URL!, executor, maxAttempts, metrics, log });
  }
  return new InProcessScheduler({ registry, executor, maxAttempts, metrics, log });
}

export function backgroundServices(options: BackgroundOptions): BackgroundService[] {
  const { registry, metrics, log, env } = options;
  return [
    scheduler(options),
    new FreshnessMonitor({ registry, log, intervalMs: Number(env.MESH_MONITOR_INTERVAL_MS) || 30_000 }),
    new WebhookDispatcher({ registry, log, metrics, intervalMs: Number(env.MESH_WEBHOOK_INTERVAL_MS) || 1_000, signingSecret: env.MESH_WEBHOOK_SECRET || undefined }),
  ];
}
