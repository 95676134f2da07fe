/**
 * The shared scheduler (PostgreSQL): graphile-worker. Every `mesh serve` replica and
 * `mesh worker` process runs one of these; together they run each scheduled run once.
 *  - One graphile cron item ticks every minute; graphile guarantees each tick fires once
 *    across all processes (and backfills ticks missed while everything was down).
 *  - The tick enqueues a `mesh_run` job per product (and per deprecated major before its
 *    sunset, `<product>@<major>`) due in that minute, with jobKey run:<ref>:<minute> (deduped
 *    even if a tick were replayed) and a queue per product, so a product's runs are serial: they never overlap, however many a process
 *    runs at once (`concurrency`, `mesh worker --concurrency`).
 *  - A failed run throws, and graphile retries it with exponential backoff.
 *  - Each process beats in mesh_workers; a process silent for `deadAfterMs` is declared dead:
 *    the run locks it holds are freed (its runs recorded failed), then its locked jobs are
 *    force-unlocked, so a killed worker's run is picked up elsewhere at once, on any host.
 *  - A run that meets a live lock of its product (a manual run, or a holder not yet declared
 *    dead) waits for it, up to a lease, instead of failing and spending an attempt; the run
 *    lock judges a holder dead by the same heartbeat rule.
 */
import { DEFAULT_WORKER_LIVENESS } from '../../core/worker-liveness.js';
import { EventEmitter } from 'node:events';
import { Cron } from 'croner';
import {
  Logger,
  makeWorkerUtils,
  parseCronItems,
  run,
  type Runner,
  type Task,
  type WorkerEvents,
  type WorkerUtils,
} from 'graphile-worker';
import {
  beat,
  forgetWorkers,
  silentWorkers,
  WORKER_DEAD_AFTER_MS,
} from '../../registry/operations/workers/worker-heartbeats.js';
import { abandonRunsOfWorkers, DEFAULT_RUN_LEASE_MS } from '../../registry/operations/runs/run-lock.js';
import { sql } from 'kysely';
import pg from 'pg';
import { writeTransaction, type Registry } from '../../registry/registry.js';
import { silentLog, type LogSink } from '../../core/json-log.js';
import type { Metrics } from '../ops/metrics.js';
import type { BackgroundService } from '../background-service.js';
import type { RunExecutor } from './run-executor.js';
import { productOfRef, scheduledProducts } from './scheduled-products.js';

export const TICK_TASK = 'mesh_schedule_tick';
export const RUN_TASK = 'mesh_run';

export interface QueueSchedulerOptions {
  readonly registry: Registry;
  readonly connectionString: string;
  readonly executor: RunExecutor;
  readonly maxAttempts?: number;
  readonly heartbeatMs?: number;
  readonly deadAfterMs?: number;
  readonly pollIntervalMs?: number;
  /** Runs this process executes at once (different products; one product's runs stay serial). Default 1. */
  readonly concurrency?: number;
  /** Run the minute tick (off for processes that only execute runs, and in tests that tick by hand). */
  readonly cron?: boolean;
  readonly log?: LogSink;
  readonly metrics?: Metrics;
}

export interface RunJobPayload {
  readonly productId: string;
  readonly scheduledAt: string;
}

/**
 * Enqueues the runs due in the minute starting at `minute`; returns the products enqueued by
 * this call. Each (product, instant) is claimed in scheduled_runs and its job added with
 * graphile's add_job in the same transaction: a replayed tick (or a second caller) finds the
 * claim and adds nothing, and a crash leaves neither the claim nor the job.
 */
export async function enqueueDueRuns(registry: Registry, minute: Date, maxAttempts = 5): Promise<string[]> {
  const start = new Date(Math.floor(minute.getTime() / 60_000) * 60_000);
  const scheduledAt = start.toISOString();
  const due: string[] = [];
  // Keyed by run ref: domain/name, or domain/name@major for a deprecated major before its sunset.
  for (const [productId, pattern] of await scheduledProducts(registry)) {
    let next: Date | null;
    try {
      next = new Cron(pattern, { timezone: 'UTC', paused: true }).nextRun(new Date(start.getTime() - 1));
    } catch {
      continue; // published descriptors are validated; an unparsable pattern is never due
    }
    if (!next || next.getTime() >= start.getTime() + 60_000) continue;
    const claimed = await writeTransaction(registry, async (tx) => {
      const inserted = await tx
        .insertInto('scheduled_runs')
        .values({ product_id: productId, scheduled_at: scheduledAt, enqueued_at: new Date().toISOString() })
        .onConflict((oc) => oc.columns(['product_id', 'scheduled_at']).doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
      const payload = JSON.stringify({ productId, scheduledAt } satisfies RunJobPayload);
      await sql`select graphile_worker.add_job(${RUN_TASK}, ${payload}::json, queue_name => ${`mesh-run:${productOfRef(productId)}`}, max_attempts => ${maxAttempts}, job_key => ${`run:${productId}:${scheduledAt}`}, job_key_mode => 'unsafe_dedupe')`.execute(
        tx,
      );
      return true;
    });
    if (claimed) due.push(productId);
  }
  // Claims only need to outlive tick replays (graphile backfills at most minutes): keep a day.
  await registry.db
    .deleteFrom('scheduled_runs')
    .where('scheduled_at', '<', new Date(start.getTime() - 86_400_000).toISOString())
    .execute();
  return due;
}

export class QueueScheduler implements BackgroundService {
  readonly name = 'scheduler (graphile-worker)';
  #poolId?: string;
  /** graphile-worker's pool id (what it locks jobs with), known once started. */
  get workerId(): string {
    return this.#poolId ?? `starting-${process.pid}`;
  }
  #runner?: Runner;
  #utils?: WorkerUtils;
  #pool?: pg.Pool;
  #timer?: NodeJS.Timeout;

  constructor(readonly options: QueueSchedulerOptions) {}

  async start(): Promise<void> {
    const o = this.options;
    const log = o.log ?? silentLog;
    const deadAfterMs = o.deadAfterMs ?? WORKER_DEAD_AFTER_MS;
    // Our own pool, so a database restart surfaces as retried queries, never as an unhandled 'error' event.
    const concurrency = o.concurrency ?? 1;
    const pool = new pg.Pool({ connectionString: o.connectionString, max: concurrency + 3 });
    pool.on('error', () => undefined);
    pool.on('connect', (client) => client.on('error', () => undefined));
    this.#pool = pool;
    this.#utils = await makeWorkerUtils({ pgPool: pool, logger: quietLogger(log) });
    await this.#utils.migrate();
    const utils = this.#utils;
    const tick: Task = async (payload) => {
      const ts = (payload as { _cron?: { ts?: string } })._cron?.ts;
      const due = await enqueueDueRuns(o.registry, ts ? new Date(ts) : new Date(), o.maxAttempts);
      if (due.length) log({ msg: 'runs enqueued', minute: ts, products: due.length });
    };
    const runTask: Task = async (payload, helpers) => {
      const { productId, scheduledAt } = payload as RunJobPayload;
      const outcome = await o.executor(productId, {
        reason: 'schedule',
        scheduledAt,
        attempt: helpers.job.attempts,
        lock: { lockWaitMs: DEFAULT_RUN_LEASE_MS, workerDeadAfterMs: deadAfterMs },
      });
      o.metrics?.runs.inc({ outcome: outcome.status });
      if (outcome.status !== 'succeeded') {
        log({
          level: 'warn',
          msg: 'scheduled run failed',
          product: productId,
          scheduledAt,
          attempt: helpers.job.attempts,
          maxAttempts: helpers.job.max_attempts,
          error: outcome.error,
        });
        throw new Error(outcome.error ?? 'run failed'); // graphile retries with backoff
      }
    };
    // Jobs are locked by the worker pool's id: learn it, and beat under it, so that a dead pool's jobs can be force-unlocked.
    const events: WorkerEvents = new EventEmitter() as WorkerEvents;
    events.on('pool:create', ({ workerPool }) => {
      this.#poolId = workerPool.id;
    });
    this.#runner = await run({
      pgPool: pool,
      concurrency,
      events,
      noHandleSignals: true,
      pollInterval: o.pollIntervalMs ?? 2_000,
      logger: quietLogger(log),
      taskList: { [TICK_TASK]: tick, [RUN_TASK]: runTask },
      parsedCronItems:
        o.cron === false
          ? []
          : parseCronItems([
              {
                task: TICK_TASK,
                match: '* * * * *',
                identifier: 'mesh-schedule-tick',
                options: { backfillPeriod: 5 * 60_000, maxAttempts: 3 },
              },
            ]),
    });
    const heartbeat = async () => {
      await beat(o.registry, this.workerId);
      const dead = (await silentWorkers(o.registry, new Date(Date.now() - deadAfterMs).toISOString())).filter(
        (w) => w.id !== this.workerId,
      );
      if (dead.length) {
        // Locks first: the released jobs must find their products free.
        const freed = await abandonRunsOfWorkers(o.registry, dead);
        const ids = dead.map((w) => w.id);
        await utils.forceUnlockWorkers(ids);
        await forgetWorkers(o.registry, ids);
        log({ level: 'warn', msg: 'released the runs and jobs of silent workers', workers: ids, products: freed });
      }
    };
    const loop = () => {
      this.#timer = setTimeout(
        () =>
          void heartbeat()
            .catch((e) => log({ level: 'warn', msg: 'heartbeat failed', error: (e as Error).message }))
            .finally(() => this.#runner && loop()),
        o.heartbeatMs ?? DEFAULT_WORKER_LIVENESS.heartbeatMs,
      );
    };
    await beat(o.registry, this.workerId);
    loop();
  }

  /** Lets the running job finish (graphile's graceful shutdown puts an aborted one back in the queue). */
  async stop(): Promise<void> {
    clearTimeout(this.#timer);
    const runner = this.#runner;
    this.#runner = undefined;
    await runner?.stop();
    await forgetWorkers(this.options.registry, [this.workerId]).catch(() => undefined);
    await this.#utils?.release();
    await this.#pool?.end();
  }

  /** For tests and `mesh worker`: add a job through this process's connection. */
  get utils(): WorkerUtils | undefined {
    return this.#utils;
  }
}

/** graphile-worker's own logging, routed to ours at warning level and above (its debug chatter is not ours to print). */
function quietLogger(log: LogSink): Logger {
  return new Logger(() => (level, message) => {
    if (level === 'error' || level === 'warning')
      log({ level: level === 'warning' ? 'warn' : 'error', msg: `graphile-worker: ${message}` });
  });
}
