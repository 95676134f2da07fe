/**
 * The queue's liveness and the run lock agree. A second host is faked by a lock row naming
 * another host (and pid) and a mesh_workers row for that worker, whose heartbeat is fresh or
 * stale: a holder declared dead is taken over at once (not after the lease), a live holder is
 * waited for (not failed with "already running"), and a scheduled instant never runs twice.
 * The registry paths on both backends; the queue path (graphile-worker) on PostgreSQL.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { listRuns } from '../../src/registry/operations/runs/list-runs.js';
import { alreadyRanIn, startRun } from '../../src/registry/operations/runs/start-run.js';
import { enqueueDueRuns, QueueScheduler } from '../../src/server/scheduler/queue-scheduler.js';
import { platformRunExecutor } from '../../src/server/scheduler/run-executor.js';
import { runOnAnotherHost } from '../helpers/foreign-run.js';
import { productBundle } from '../helpers/products.js';
import { BACKENDS, createTestRegistry, type TestRegistry } from '../helpers/registries.js';

const OTHER_HOST = 'mh-other-host.example';
const OTHER_PID = 4242;
const base = { version: '1.0.0', trigger: 'schedule', actor: 'test:multi-host' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** A run in progress on another host: its run row, its lock (a 60 s lease) and its worker's heartbeat. */
const runOnOtherHost = (t: TestRegistry, productId: string, runId: string, heartbeatAgoMs: number) =>
  runOnAnotherHost(t.registry, { productId, runId, host: OTHER_HOST, pid: OTHER_PID, leaseMs: 60_000, heartbeatAgoMs });

async function forgetOtherHost(t: TestRegistry): Promise<void> {
  await t.registry.db.deleteFrom('mesh_workers').where('host', '=', OTHER_HOST).execute();
}

describe.each(BACKENDS)('run lock and worker liveness on %s', (backend) => {
  let t: TestRegistry;
  beforeAll(async () => {
    t = await createTestRegistry(backend);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('takes over at once a run whose worker on another host the registry has declared dead', async () => {
    await runOnOtherHost(t, 'sales/dead-host', 'd1', 40_000);
    const started = Date.now();
    await startRun(t.registry, { ...base, id: 'd2', productId: 'sales/dead-host', startedAt: ago(0), leaseMs: 30_000 });
    expect(Date.now() - started).toBeLessThan(5_000); // not the 60 s left on the lease
    const runs = await listRuns(t.registry, 'sales/dead-host');
    expect(runs.find((r) => r.id === 'd1')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^abandoned: its worker on mh-other-host\.example \(pid 4242\) was declared dead/),
    });
    expect(runs.find((r) => r.id === 'd2')?.status).toBe('running');
  });

  it('refuses a live holder on another host at once unless told to wait, and waits for its release', async () => {
    await runOnOtherHost(t, 'sales/live-host', 'l1', 1_000);
    const run = (id: string, waitMs?: number) =>
      startRun(t.registry, { ...base, id, productId: 'sales/live-host', startedAt: ago(0), leaseMs: 30_000, waitMs });
    await expect(run('l2')).rejects.toThrow(/sales\/live-host is already running \(run l1 since/);
    const waiting = run('l3', 20_000);
    await sleep(1_500);
    const releasedAt = new Date().toISOString();
    await t.registry.db.deleteFrom('run_locks').where('run_id', '=', 'l1').execute();
    const startedAt = await waiting;
    // The waiting run starts after the holder let go: the history shows no overlap.
    expect(startedAt >= releasedAt).toBe(true);
    const runs = await listRuns(t.registry, 'sales/live-host');
    expect(runs.map((r) => [r.id, r.status])).toEqual([
      ['l3', 'running'],
      ['l1', 'running'],
    ]);
  });

  it('waits for a live holder until its worker falls silent, well before the lease', async () => {
    await forgetOtherHost(t);
    // The worker beat 1 s ago and beats no more: with a 2.5 s dead-after, it is dead 1.5 s from now.
    await runOnOtherHost(t, 'sales/dying-host', 'y1', 1_000);
    const started = Date.now();
    await startRun(t.registry, {
      ...base,
      id: 'y2',
      productId: 'sales/dying-host',
      startedAt: ago(0),
      leaseMs: 30_000,
      waitMs: 30_000,
      deadAfterMs: 2_500,
    });
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1_000);
    expect(waited).toBeLessThan(10_000);
    expect((await listRuns(t.registry, 'sales/dying-host')).find((r) => r.id === 'y1')?.status).toBe('failed');
  });

  it('never runs a scheduled instant twice: a second start for it names the run that covered it', async () => {
    const instant = '2026-11-21T12:00:00.000Z';
    const first = { ...base, productId: 'sales/once', leaseMs: 30_000, scheduledAt: instant };
    await startRun(t.registry, { ...first, id: 'o1', startedAt: ago(0) });
    await t.registry.db
      .updateTable('pipeline_runs')
      .set({ status: 'succeeded', finished_at: ago(0) })
      .where('id', '=', 'o1')
      .execute();
    await t.registry.db.deleteFrom('run_locks').where('run_id', '=', 'o1').execute();
    const again = await startRun(t.registry, { ...first, id: 'o2', startedAt: ago(0), waitMs: 5_000 }).catch(
      (e: unknown) => e,
    );
    expect(again).toBeInstanceOf(ConflictError);
    expect(alreadyRanIn(again)).toBe('o1');
    // The next instant runs, and each run says which instant it covered.
    await startRun(t.registry, { ...first, id: 'o3', startedAt: ago(0), scheduledAt: '2026-11-21T12:01:00.000Z' });
    expect((await listRuns(t.registry, 'sales/once')).map((r) => [r.id, r.scheduledAt])).toEqual([
      ['o3', '2026-11-21T12:01:00.000Z'],
      ['o1', instant],
    ]);
  });
});

describe('the queue and the run lock agree (PostgreSQL, the real runner)', () => {
  let t: TestRegistry;
  let dir: string;
  let platform: LocalPlatform;
  let worker: QueueScheduler;
  const logs: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    t = await createTestRegistry('postgres');
    dir = mkdtempSync(join(tmpdir(), 'mesh-liveness-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'records.csv'), 'id,label,amount,updated_at\n1,a,1.50,2026-01-01T00:00:00Z\n');
    platform = new LocalPlatform({
      registry: t.registry,
      config: { ...configFromEnv({}, dir), warehouseDir: join(dir, 'warehouse'), actor: 'scheduler' },
    });
    for (const [name, schedule] of [
      ['orphaned', '0 * * * *'],
      ['contended', '30 * * * *'],
    ])
      await platform.publish(
        productBundle({
          name,
          edit: (p) => {
            p.spec.schedule = schedule;
            p.spec.inputs[0].source!.path = join(dir, 'data', 'records.csv');
          },
        }),
      );
    worker = new QueueScheduler({
      registry: t.registry,
      connectionString: t.url,
      executor: platformRunExecutor(platform, process.env),
      cron: false,
      pollIntervalMs: 100,
      heartbeatMs: 300,
      deadAfterMs: 2_000,
      log: (line) => logs.push(line),
    });
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await platform?.close();
    await t?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function finishedRuns(productId: string, count: number) {
    const deadline = Date.now() + 25_000;
    for (;;) {
      const runs = await platform.listRuns(productId);
      if (runs.filter((r) => r.finishedAt).length >= count || Date.now() > deadline) return runs;
      await sleep(200);
    }
  }

  it('a run held by a worker on another host is taken over once that worker is declared dead, on the first attempt', async () => {
    await runOnOtherHost(t, 'sales/orphaned', 'gone-1', 0);
    const enqueuedAt = Date.now();
    expect(await enqueueDueRuns(t.registry, new Date('2026-11-21T14:00:00Z'))).toEqual(['sales/orphaned']);
    const runs = await finishedRuns('sales/orphaned', 2);
    expect(runs.map((r) => ({ status: r.status, scheduledAt: r.scheduledAt, error: r.error }))).toEqual([
      { status: 'succeeded', scheduledAt: '2026-11-21T14:00:00.000Z', error: null },
      {
        status: 'failed',
        scheduledAt: undefined,
        error: expect.stringMatching(/^abandoned: its worker on mh-other-host\.example .* declared dead/),
      },
    ]);
    // Declared dead after 2 s of silence: far sooner than the 60 s left on the lock's lease.
    expect(Date.now() - enqueuedAt).toBeLessThan(20_000);
    expect(logs.filter((l) => l.msg === 'scheduled run failed')).toEqual([]);
    expect(logs.some((l) => l.msg === 'released the runs and jobs of silent workers')).toBe(true);
  });

  it('a run that meets a live lock waits for it instead of failing an attempt', async () => {
    await forgetOtherHost(t);
    await runOnOtherHost(t, 'sales/contended', 'busy-1', 0);
    // The other host keeps beating while its run goes on, then finishes it.
    const beating = setInterval(
      () =>
        void t.registry.db
          .updateTable('mesh_workers')
          .set({ heartbeat_at: ago(0) })
          .where('host', '=', OTHER_HOST)
          .execute(),
      200,
    );
    try {
      expect(await enqueueDueRuns(t.registry, new Date('2026-11-21T15:30:00Z'))).toEqual(['sales/contended']);
      await sleep(3_000);
      expect((await platform.listRuns('sales/contended')).map((r) => [r.id, r.status, r.error])).toEqual([
        ['busy-1', 'running', null],
      ]);
      await t.registry.db
        .updateTable('pipeline_runs')
        .set({ status: 'succeeded', finished_at: ago(0) })
        .where('id', '=', 'busy-1')
        .execute();
      await t.registry.db.deleteFrom('run_locks').where('run_id', '=', 'busy-1').execute();
    } finally {
      clearInterval(beating);
    }
    const runs = await finishedRuns('sales/contended', 2);
    expect(runs.map((r) => [r.status, r.scheduledAt ?? null])).toEqual([
      ['succeeded', '2026-11-21T15:30:00.000Z'],
      ['succeeded', null],
    ]);
    expect(logs.filter((l) => l.msg === 'scheduled run failed')).toEqual([]);
  });
});
