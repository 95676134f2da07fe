/**
 * The embedded scheduler (SQLite, one process): a schedule per scheduled product (and per
 * deprecated major still before its sunset), resynced with the registry every few seconds,
 * croner computing the instants and one timer waking for the earliest. A product's runs never
 * overlap (a tick that comes while the previous run — retries included — is still going is
 * skipped), and a failed run is retried with exponential backoff inside the same tick.
 */
import { Cron } from 'croner';
import type { Registry } from '../../registry/registry.js';
import { DEFAULT_RUN_LEASE_MS } from '../../registry/operations/runs/run-lock.js';
import { silentLog, type LogSink } from '../../core/json-log.js';
import type { Metrics } from '../ops/metrics.js';
import type { BackgroundService } from '../background-service.js';
import type { RunExecutor } from './run-executor.js';
import { allProductIds, productOfRef, publicationCursor, publishedSince, schedulesOf } from './scheduled-products.js';

export interface InProcessSchedulerOptions {
  readonly registry: Registry;
  readonly executor: RunExecutor;
  readonly maxAttempts?: number;
  readonly backoffMs?: (attempt: number) => number;
  /** How often to pick up new, changed and removed schedules. */
  readonly syncIntervalMs?: number;
  readonly log?: LogSink;
  readonly metrics?: Metrics;
}

export class InProcessScheduler implements BackgroundService {
  readonly name = 'scheduler (in-process)';
  /** Keyed by run ref. `next` is the job's next instant; `cron` (paused) only computes instants. */
  readonly #jobs = new Map<string, { pattern: string; cron: Cron; next: Date | null }>();
  /** Refs with a run in progress (kept across a schedule change, so a new pattern never overlaps the old one's run). */
  readonly #running = new Set<string>();
  /** Per product, the last run started or queued: the next one of that product starts after it. */
  readonly #lanes = new Map<string, Promise<void>>();
  readonly #inFlight = new Set<Promise<void>>();
  #timer?: NodeJS.Timeout;
  #wake?: NodeJS.Timeout;
  #stopped = false;
  #cursor?: number;

  constructor(readonly options: InProcessSchedulerOptions) {}

  async start(): Promise<void> {
    this.#stopped = false;
    await this.sync();
    const loop = () => {
      this.#timer = setTimeout(() => {
        this.sync()
          .catch((error) =>
            (this.options.log ?? silentLog)({
              level: 'warn',
              msg: 'schedule sync failed',
              error: (error as Error).message,
            }),
          )
          .finally(() => !this.#stopped && loop());
      }, this.options.syncIntervalMs ?? 5_000);
    };
    loop();
  }

  /** Running runs finish; nothing new starts. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#wake);
    this.#jobs.clear();
    this.#cursor = undefined;
    await Promise.all(this.#inFlight);
  }

  /**
   * One timer for every job, set for the earliest next instant (at most 30 s ahead, so a clock
   * change is caught): a timer per product would make a large catalog wake the process
   * hundreds of times a second just to recompute instants.
   */
  #arm(): void {
    clearTimeout(this.#wake);
    if (this.#stopped) return;
    let earliest = Infinity;
    for (const job of this.#jobs.values()) if (job.next && job.next.getTime() < earliest) earliest = job.next.getTime();
    if (earliest === Infinity) return;
    this.#wake = setTimeout(() => this.#fire(), Math.max(0, Math.min(30_000, earliest - Date.now())));
    this.#wake.unref();
  }

  /** Starts every due job whose previous run has finished (a tick during a run is skipped), then re-arms. */
  #fire(): void {
    const now = new Date();
    for (const [id, job] of this.#jobs) {
      if (!job.next || job.next > now) continue;
      const scheduledAt = job.next.toISOString();
      job.next = job.cron.nextRun(now);
      if (this.#running.has(id)) continue;
      this.#running.add(id);
      // Majors of one product (domain/name and domain/name@1) share its run lock: one waits for the other.
      const product = productOfRef(id);
      const run = (this.#lanes.get(product) ?? Promise.resolve())
        .then(() => this.#runWithRetries(id, scheduledAt))
        .finally(() => {
          this.#running.delete(id);
          this.#inFlight.delete(run);
          if (this.#lanes.get(product) === run) this.#lanes.delete(product);
        });
      this.#lanes.set(product, run);
      this.#inFlight.add(run);
    }
    this.#arm();
  }

  /** Picks up publications since the last sync (all schedules on the first): cheap enough to run every few seconds on a large catalog. */
  async sync(): Promise<void> {
    if (this.#stopped) return;
    const registry = this.options.registry;
    let changed: string[];
    let wanted: Map<string, string>;
    if (this.#cursor === undefined) {
      const cursor = await publicationCursor(registry);
      changed = await allProductIds(registry);
      wanted = await schedulesOf(registry, changed);
      this.#cursor = cursor;
    } else {
      const since = await publishedSince(registry, this.#cursor);
      if (since.products.length === 0) return;
      wanted = await schedulesOf(registry, since.products);
      changed = since.products;
      this.#cursor = since.cursor;
    }
    if (this.#stopped) return;
    // Jobs are keyed by run ref (domain/name, or domain/name@major for a deprecated major).
    const changedProducts = new Set(changed);
    for (const [id, job] of this.#jobs) {
      if (changedProducts.has(productOfRef(id)) && wanted.get(id) !== job.pattern) this.#jobs.delete(id);
    }
    const now = new Date();
    for (const [id, pattern] of wanted) {
      if (this.#jobs.has(id)) continue;
      const cron = new Cron(pattern, { timezone: 'UTC', paused: true });
      this.#jobs.set(id, { pattern, cron, next: cron.nextRun(now) });
    }
    this.#arm();
  }

  async #runWithRetries(productId: string, scheduledAt: string): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const backoff = this.options.backoffMs ?? ((n: number) => Math.min(300_000, 2_000 * 2 ** (n - 1)));
    const log = this.options.log ?? silentLog;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      let error: string | undefined;
      try {
        // A live lock (a manual run) is waited for, up to a lease, rather than spending an attempt.
        const lock = { lockWaitMs: DEFAULT_RUN_LEASE_MS };
        const outcome = await this.options.executor(productId, { reason: 'schedule', scheduledAt, attempt, lock });
        if (outcome.status === 'succeeded') {
          this.options.metrics?.runs.inc({ outcome: 'succeeded' });
          return;
        }
        error = outcome.error ?? 'failed';
      } catch (e) {
        error = (e as Error).message;
      }
      this.options.metrics?.runs.inc({ outcome: 'failed' });
      const last = attempt === maxAttempts || this.#stopped;
      log({
        level: last ? 'error' : 'warn',
        msg: last ? 'scheduled run failed; giving up' : 'scheduled run failed; will retry',
        product: productId,
        scheduledAt,
        attempt,
        error,
      });
      if (last) return;
      await new Promise((resolve) => setTimeout(resolve, backoff(attempt)));
    }
  }
}
