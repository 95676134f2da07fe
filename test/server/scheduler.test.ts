/**
 * Scheduling: the in-process croner scheduler on SQLite, and graphile-worker on PostgreSQL
 * with two processes' worth of schedulers sharing one queue, a flaky run retried, runs of a
 * product never overlapping, and a killed worker's run picked up by another.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { InProcessScheduler } from '../../src/server/scheduler/in-process-scheduler.js';
import { enqueueDueRuns, QueueScheduler } from '../../src/server/scheduler/queue-scheduler.js';
import { productBundle } from '../helpers/products.js';
import { recordedRuns, recordingExecutor, type RecordedRun } from '../helpers/recording-executor.js';
import { createTestRegistry, type TestRegistry } from '../helpers/registries.js';

const scheduled = (name: string, schedule: string) =>
  productBundle({
    name,
    edit: (p) => {
      p.spec.schedule = schedule;
    },
  });

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function expectNoOverlap(runs: RecordedRun[], product: string): void {
  const done = runs
    .filter((r) => r.product === product && r.type !== 'run.started')
    .sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1));
  // One run cannot overlap anything: the check means something only with two or more.
  expect(done.length, `finished runs of ${product}`).toBeGreaterThanOrEqual(2);
  for (let i = 1; i < done.length; i++)
    expect(done[i].startedAt >= done[i - 1].finishedAt!, `${product} runs overlap`).toBe(true);
}

describe('in-process scheduler (SQLite)', () => {
  let t: TestRegistry;
  beforeAll(async () => {
    t = await createTestRegistry('sqlite');
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('runs products on their cron, retries failures, never overlaps a product, finishes runs on stop; picks up a schedule published while running', async () => {
    const platform = new LocalPlatform({ registry: t.registry, config: configFromEnv() });
    await platform.publish(scheduled('every-second', '* * * * * *'));
    await platform.publish(scheduled('yearly', '0 0 1 1 *'));
    await platform.publish(scheduled('flaky', '* * * * * *'));
    await platform.publish(scheduled('slow', '* * * * * *'));
    await platform.publish(
      productBundle({
        name: 'unscheduled',
        edit: (p) => {
          delete p.spec.schedule;
        },
      }),
    );
    const scheduler = new InProcessScheduler({
      registry: t.registry,
      executor: recordingExecutor(t.registry, { 'sales/flaky': { failFirst: 1 }, 'sales/slow': { durationMs: 900 } }),
      backoffMs: () => 50,
      syncIntervalMs: 200,
    });
    await scheduler.start();
    const succeeded = (runs: RecordedRun[], p: string) =>
      runs.filter((r) => r.type === 'run.succeeded' && r.product === p);
    try {
      // Published after start(): the scheduler's resync picks it up, no restart.
      await new Promise((r) => setTimeout(r, 500));
      await platform.publish(scheduled('late-comer', '* * * * * *'));
      // The slow product is due every second but takes 0.9 s: its runs must queue, not overlap.
      await until('three slow runs and a run of the late-comer', async () => {
        const runs = await recordedRuns(t.registry);
        return succeeded(runs, 'sales/slow').length >= 3 && succeeded(runs, 'sales/late-comer').length >= 1;
      });
    } finally {
      await scheduler.stop();
    }
    const runs = await recordedRuns(t.registry);
    expect(succeeded(runs, 'sales/every-second').length).toBeGreaterThanOrEqual(2);
    expect(runs.filter((r) => r.product === 'sales/yearly' || r.product === 'sales/unscheduled')).toEqual([]);
    const flakyFailed = runs.filter((r) => r.type === 'run.failed' && r.product === 'sales/flaky');
    expect(flakyFailed.length).toBeGreaterThanOrEqual(1);
    expect(
      succeeded(runs, 'sales/flaky').filter((s) => s.scheduledAt === flakyFailed[0].scheduledAt && s.attempt === 2),
    ).toHaveLength(1);
    expectNoOverlap(runs, 'sales/slow');
    // stop() waited for the run in flight: every start has its end.
    expect(runs.filter((r) => r.type === 'run.started').length).toBe(
      runs.filter((r) => r.type !== 'run.started').length,
    );
    await platform.close();
  });
});

describe('in-process scheduler and deprecated majors (SQLite)', () => {
  let t: TestRegistry;
  beforeAll(async () => {
    t = await createTestRegistry('sqlite');
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('runs a deprecated major beside the new one on its own schedule, one after the other, and stops once it is retired', async () => {
    const platform = new LocalPlatform({ registry: t.registry, config: configFromEnv() });
    await platform.publish(scheduled('majors', '* * * * * *'));
    await platform.publish(
      productBundle({
        name: 'majors',
        version: '2.0.0',
        edit: (p) => {
          p.spec.schedule = '* * * * * *';
        },
      }),
    );
    const slow = { durationMs: 300 };
    const scheduler = new InProcessScheduler({
      registry: t.registry,
      executor: recordingExecutor(t.registry, { 'sales/majors': slow, 'sales/majors@1': slow }),
      syncIntervalMs: 100,
    });
    await scheduler.start();
    try {
      const succeeded = async (ref: string) =>
        (await recordedRuns(t.registry)).filter((r) => r.type === 'run.succeeded' && r.product === ref).length;
      await until(
        'runs of both majors',
        async () => (await succeeded('sales/majors')) >= 1 && (await succeeded('sales/majors@1')) >= 1,
      );
      await platform.retireExpiredVersions({ now: new Date(Date.now() + 400 * 86_400_000).toISOString() });
      await new Promise((r) => setTimeout(r, 1_300)); // a resync, and any run already started, finish
      const before = await succeeded('sales/majors@1');
      await new Promise((r) => setTimeout(r, 2_100));
      expect(await succeeded('sales/majors@1')).toBe(before);
      expect(await succeeded('sales/majors')).toBeGreaterThanOrEqual(2);
      // The two majors share the product's run lock: due at the same instant, one runs after the other.
      const both = (await recordedRuns(t.registry))
        .filter((r) => r.type === 'run.succeeded' && r.product.startsWith('sales/majors'))
        .sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1));
      for (let i = 1; i < both.length; i++)
        expect(both[i].startedAt >= both[i - 1].finishedAt!, 'runs of two majors overlap').toBe(true);
    } finally {
      await scheduler.stop();
      await platform.close();
    }
  });
});

describe('graphile-worker scheduler (PostgreSQL)', () => {
  let t: TestRegistry;
  const schedulers: QueueScheduler[] = [];
  beforeAll(async () => {
    t = await createTestRegistry('postgres');
    const platform = new LocalPlatform({ registry: t.registry, config: configFromEnv() });
    await platform.publish(scheduled('five-minutely', '*/5 * * * *'));
    await platform.publish(scheduled('yearly', '0 0 1 1 *'));
    await platform.publish(scheduled('flaky', '*/5 * * * *'));
    await platform.publish(scheduled('slow', '* * * * *'));
    await platform.publish(scheduled('doomed', '* * * * *'));
    const executor = recordingExecutor(t.registry, {
      'sales/flaky': { failFirst: 1 },
      'sales/slow': { durationMs: 400 },
    });
    // Two replicas sharing one queue.
    for (let i = 0; i < 2; i++) {
      const s = new QueueScheduler({
        registry: t.registry,
        connectionString: t.url,
        executor,
        cron: false,
        pollIntervalMs: 100,
        heartbeatMs: 300,
        deadAfterMs: 1_500,
      });
      await s.start();
      schedulers.push(s);
    }
  });
  afterAll(async () => {
    for (const s of schedulers) await s.stop();
    await t?.dispose();
  });

  it('runs each due product exactly once per instant, whoever enqueues it and however often', async () => {
    const minute = new Date('2026-11-21T12:00:00Z');
    // Four callers at once, then once more after the runs finished (a replayed tick).
    const enqueued = await Promise.all([0, 1, 2, 3].map(() => enqueueDueRuns(t.registry, minute)));
    expect(enqueued.flat().sort()).toEqual(['sales/doomed', 'sales/five-minutely', 'sales/flaky', 'sales/slow']);
    await until('the five-minutely run', async () =>
      (await recordedRuns(t.registry)).some((r) => r.type === 'run.succeeded' && r.product === 'sales/five-minutely'),
    );
    expect(await enqueueDueRuns(t.registry, minute)).toEqual([]);
    await new Promise((r) => setTimeout(r, 500));
    const runs = await recordedRuns(t.registry);
    const ok = runs.filter((r) => r.type === 'run.succeeded' && r.product === 'sales/five-minutely');
    expect(ok).toHaveLength(1);
    expect(ok[0].scheduledAt).toBe(minute.toISOString());
    expect(runs.filter((r) => r.product === 'sales/yearly')).toEqual([]);
  });

  it('retries a failed run with backoff', async () => {
    const runs = await until('the flaky retry', async () => {
      const r = await recordedRuns(t.registry);
      return r.some((x) => x.type === 'run.succeeded' && x.product === 'sales/flaky') && r;
    });
    const flaky = runs.filter((r) => r.product === 'sales/flaky' && r.type !== 'run.started');
    expect(flaky.map((r) => [r.type, r.attempt])).toEqual([
      ['run.failed', 1],
      ['run.succeeded', 2],
    ]);
  });

  it('never overlaps two runs of one product', async () => {
    await Promise.all(
      ['12:01', '12:02', '12:03'].map((m) => enqueueDueRuns(t.registry, new Date(`2026-11-21T${m}:00Z`))),
    );
    await until(
      'three more slow runs',
      async () =>
        (await recordedRuns(t.registry)).filter((r) => r.type === 'run.succeeded' && r.product === 'sales/slow')
          .length >= 4,
    );
    expectNoOverlap(await recordedRuns(t.registry), 'sales/slow');
  });

  it('hands a killed worker’s run to another, which completes it once', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('./fixtures/hanging-worker.ts', import.meta.url))],
      {
        env: { ...process.env, TEST_DB_URL: t.url, HANG_PRODUCT: 'sales/doomed-2' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await until(
      'the child worker',
      async () => new Promise<boolean>((resolve) => child.stdout!.once('data', () => resolve(true))),
      20_000,
    );
    // Our schedulers stop first, so the child is the only worker when the run is enqueued.
    const platform = new LocalPlatform({ registry: t.registry, config: configFromEnv() });
    await platform.publish(scheduled('doomed-2', '* * * * *'));
    for (const s of schedulers) await s.stop();
    schedulers.length = 0;
    await enqueueDueRuns(t.registry, new Date('2026-11-21T13:00:00Z'));
    await until('the child to start the run', async () =>
      (await recordedRuns(t.registry)).some(
        (r) => r.type === 'run.started' && r.product === 'sales/doomed-2' && r.worker === 'doomed',
      ),
    );
    child.kill('SIGKILL');
    const survivor = new QueueScheduler({
      registry: t.registry,
      connectionString: t.url,
      executor: recordingExecutor(t.registry),
      cron: false,
      pollIntervalMs: 100,
      heartbeatMs: 300,
      deadAfterMs: 1_500,
    });
    await survivor.start();
    schedulers.push(survivor);
    await until(
      'the run to be picked up',
      async () =>
        (await recordedRuns(t.registry)).some((r) => r.type === 'run.succeeded' && r.product === 'sales/doomed-2'),
      20_000,
    );
    await new Promise((r) => setTimeout(r, 500));
    const runs = (await recordedRuns(t.registry)).filter((r) => r.product === 'sales/doomed-2');
    expect(runs.filter((r) => r.type === 'run.succeeded')).toHaveLength(1);
    expect(runs.filter((r) => r.type === 'run.started').map((r) => r.worker)).toEqual(['doomed', 'test']);
    await platform.close();
  });
});

describe('mesh serve on PostgreSQL', () => {
  it('runs the queue scheduler, monitor and webhooks beside the API, and stops cleanly', async () => {
    const t = await createTestRegistry('postgres');
    const { startServer } = await import('../../src/server/serve.js');
    const { backgroundServices } = await import('../../src/server/background-services.js');
    const platform = new LocalPlatform({ config: { ...configFromEnv(), databaseUrl: t.url } });
    const logs: Array<Record<string, unknown>> = [];
    const server = await startServer({
      platform,
      port: 0,
      log: (e) => logs.push(e),
      background: (registry, metrics) =>
        backgroundServices({
          registry,
          metrics,
          log: (e) => logs.push(e),
          env: { MESH_DATABASE_URL: t.url },
          executor: recordingExecutor(registry),
        }),
    });
    try {
      expect(logs.find((l) => l.msg === 'listening')).toMatchObject({
        registry: 'postgres',
        background: ['scheduler (graphile-worker)', 'freshness-monitor', 'webhooks'],
      });
      await platform.publish(scheduled('hourly', '0 * * * *'));
      expect(await enqueueDueRuns(t.registry, new Date('2026-11-21T14:00:00Z'))).toEqual(['sales/hourly']);
      await until('the server to run it', async () =>
        (await recordedRuns(t.registry)).some((r) => r.type === 'run.succeeded' && r.product === 'sales/hourly'),
      );
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metrics).toContain('mesh_scheduled_runs_total{outcome="succeeded"} 1');
    } finally {
      await server.close();
      await t.dispose();
    }
    expect(logs.at(-1)).toMatchObject({ msg: 'stopped' });
  });
});

describe('graphile-worker scheduler with a concurrency above one (PostgreSQL)', () => {
  let t: TestRegistry;
  let worker: QueueScheduler;
  beforeAll(async () => {
    t = await createTestRegistry('postgres');
    const platform = new LocalPlatform({ registry: t.registry, config: configFromEnv() });
    for (const name of ['wide-a', 'wide-b', 'wide-c']) await platform.publish(scheduled(name, '* * * * *'));
    const slow = { durationMs: 700 };
    worker = new QueueScheduler({
      registry: t.registry,
      connectionString: t.url,
      cron: false,
      pollIntervalMs: 100,
      concurrency: 3,
      executor: recordingExecutor(t.registry, { 'sales/wide-a': slow, 'sales/wide-b': slow, 'sales/wide-c': slow }),
    });
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.dispose();
  });

  it('runs different products side by side in one process, and one product’s runs still one after another', async () => {
    for (const m of ['13:00', '13:01']) await enqueueDueRuns(t.registry, new Date(`2026-11-21T${m}:00Z`));
    const runs = await until('six runs', async () => {
      const r = await recordedRuns(t.registry);
      return r.filter((x) => x.type === 'run.succeeded').length === 6 && r;
    });
    const done = runs.filter((r) => r.type === 'run.succeeded');
    // The most runs in flight at one instant: every start counted against the runs it falls inside.
    const inFlight = Math.max(
      ...done.map((a) => done.filter((b) => b.startedAt <= a.startedAt && a.startedAt < b.finishedAt!).length),
    );
    expect(inFlight).toBeGreaterThanOrEqual(2);
    for (const product of ['sales/wide-a', 'sales/wide-b', 'sales/wide-c']) expectNoOverlap(runs, product);
  });
});
