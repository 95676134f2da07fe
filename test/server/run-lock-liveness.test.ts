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
import { checkBundle } from '../../src/platform/descriptor-bundle.js';
import { listRuns } from '../../src/registry/operations/runs/list-runs.js';
import { runPipeline } from '../../src/runner/run-pipeline.js';
import { abandonRunsOfWorkers } from '../../src/registry/operations/runs/run-lock.js';
import { alreadyRanIn, startRun } from '../../src/registry/operations/runs/start-run.js';
import { silentWorkers } from '../../src/registry/operations/workers/worker-heartbeats.js';
import { InProcessScheduler } from '../../src/server/scheduler/in-process-scheduler.js';
import { enqueueDueRuns, QueueScheduler } from '../../src/server/scheduler/queue-scheduler.js';
import { platformRunExecutor } from '../../src/server/scheduler/run-executor.js';
import { runOnAnotherHost } from '../helpers/foreign-run.js';
import { slowSourceBundle } from '../helpers/pipelines.js';
import { productBundle } from '../helpers/products.js';
import { BACKENDS, createTestDatabase, createTestRegistry, type TestRegistry } from '../helpers/registries.js';

const OTHER_HOST = 'mh-other-host.example';
const OTHER_PID = 4242;
const base = { version: '1.0.0', trigger: 'schedule', actor: 'test:multi-host' };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

/** A run in progress on another host: its run row, its lock (a 60 s lease) and its worker's heartbeat. */
const runOnOtherHost = (t: TestRegistry, productId: string, runId: string, heartbeatAgoMs: number) =>
  runOnAnotherHost(t.registry, { productId, runId, host: OTHER_HOST, pid: OTHER_PID, leaseMs: 60_000, heartbeatAgoMs });

/** A platform over `t` with a one-row CSV in a folder of its own (data/records.csv), for file-template products. */
function csvPlatform(t: TestRegistry): { dir: string; platform: LocalPlatform } {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-liveness-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'data', 'records.csv'), 'id,label,amount,updated_at\n1,a,1.50,2026-01-01T00:00:00Z\n');
  const platform = new LocalPlatform({
    registry: t.registry,
    config: { ...configFromEnv({}, dir), warehouseDir: join(dir, 'warehouse'), actor: 'scheduler' },
  });
  return { dir, platform };
}

async function forgetOtherHost(t: TestRegistry): Promise<void> {
  await t.registry.db.deleteFrom('mesh_workers').where('host', '=', OTHER_HOST).execute();
}

describe.each(BACKENDS)('run lock and worker liveness on %s', (backend) => {
  let t: TestRegistry;
  let source: { url: string; drop: () => Promise<void> };
  let home: string;
  beforeAll(async () => {
    t = await createTestRegistry(backend);
    source = await createTestDatabase('multi_host_src');
    home = mkdtempSync(join(tmpdir(), 'mesh-zombie-'));
  });
  afterAll(async () => {
    await t?.dispose();
    await source?.drop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('a run whose worker was declared dead while it still ran commits nothing over its successor', async () => {
    const bundle = slowSourceBundle('zombie', source.url, 2);
    const checked = checkBundle(bundle);
    let started: (runId: string) => void = () => undefined;
    const running = new Promise<string>((r) => (started = r));
    const config = { ...configFromEnv({}, home), home, warehouseDir: join(home, 'warehouse'), actor: 'test:zombie' };
    const run = runPipeline(
      {
        productId: 'sales/zombie',
        version: '1.0.0',
        major: 1,
        product: checked.product!,
        transformSql: checked.bundle.transformSql,
        baseDir: home,
      },
      { registry: t.registry, config, observer: { onStart: (e) => started(e.runId) } },
    ).catch((e: unknown) => e);
    const runId = await running;
    // While its extract waits, its worker is declared dead (as a pause past the dead-after would
    // make it), and another run takes the product.
    await t.registry.db
      .updateTable('pipeline_runs')
      .set({ status: 'failed', finished_at: ago(0), error: 'abandoned: its worker was declared dead' })
      .where('id', '=', runId)
      .execute();
    await t.registry.db.deleteFrom('run_locks').where('run_id', '=', runId).execute();
    await startRun(t.registry, {
      ...base,
      id: 'successor',
      productId: 'sales/zombie',
      startedAt: ago(0),
      leaseMs: 30_000,
    });
    const outcome = await run;
    expect(outcome).toBeInstanceOf(ConflictError);
    expect((outcome as Error).message).toBe(
      `run ${runId} of sales/zombie lost its run lock (its worker was declared dead): nothing recorded`,
    );
    const runs = await listRuns(t.registry, 'sales/zombie');
    expect(runs.map((r) => [r.id, r.status, r.snapshotId, r.error])).toEqual([
      ['successor', 'running', null, null],
      [runId, 'failed', null, 'abandoned: its worker was declared dead'],
    ]);
    const current = await t.registry.db.selectFrom('current_snapshots').selectAll().execute();
    expect(current.filter((c) => c.product_id === 'sales/zombie')).toEqual([]);
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

  it('frees the locks of a worker declared dead, but not those a live worker with its host and pid may hold', async () => {
    await forgetOtherHost(t);
    await runOnOtherHost(t, 'sales/restarted', 'r1', 40_000);
    const dead = await silentWorkers(t.registry, ago(30_000));
    expect(dead.map((w) => w.id)).toEqual(['worker-r1']);
    // The same container restarted: same hostname, pid 1 again, a new worker id, beating.
    await t.registry.db
      .insertInto('mesh_workers')
      .values({ id: 'worker-new', host: OTHER_HOST, pid: OTHER_PID, started_at: ago(0), heartbeat_at: ago(0) })
      .execute();
    expect(await abandonRunsOfWorkers(t.registry, dead)).toEqual([]);
    await t.registry.db.deleteFrom('mesh_workers').where('id', '=', 'worker-new').execute();
    expect(await abandonRunsOfWorkers(t.registry, dead)).toEqual(['sales/restarted']);
    expect((await listRuns(t.registry, 'sales/restarted'))[0]).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^abandoned: its worker on mh-other-host\.example \(pid 4242\) was declared dead/),
    });
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
    ({ dir, platform } = csvPlatform(t));
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

describe('the in-process scheduler meets a live lock (SQLite)', () => {
  let t: TestRegistry;
  let dir: string;
  let platform: LocalPlatform;
  beforeAll(async () => {
    t = await createTestRegistry('sqlite');
    ({ dir, platform } = csvPlatform(t));
    await platform.publish(
      productBundle({
        name: 'every-second',
        edit: (p) => {
          p.spec.schedule = '* * * * * *';
          p.spec.inputs[0].source!.path = join(dir, 'data', 'records.csv');
        },
      }),
    );
  });
  afterAll(async () => {
    await platform?.close();
    await t?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('waits for a lock held on another host until its lease ends, spending no attempt', async () => {
    // Held by a runner that never beats (a manual run on another machine): only its 3 s lease frees it.
    await runOnAnotherHost(t.registry, {
      productId: 'sales/every-second',
      runId: 'manual-1',
      host: OTHER_HOST,
      pid: OTHER_PID,
      leaseMs: 3_000,
    });
    const logs: Array<Record<string, unknown>> = [];
    const scheduler = new InProcessScheduler({
      registry: t.registry,
      executor: platformRunExecutor(platform, process.env),
      syncIntervalMs: 200,
      log: (line) => logs.push(line),
    });
    await scheduler.start();
    let runs;
    try {
      const deadline = Date.now() + 20_000;
      do {
        await sleep(200);
        runs = await platform.listRuns('sales/every-second');
      } while (!runs.some((r) => r.status === 'succeeded') && Date.now() < deadline);
    } finally {
      await scheduler.stop();
    }
    const held = runs.find((r) => r.id === 'manual-1')!;
    expect(held).toMatchObject({ status: 'failed', error: 'abandoned: its lock lease expired' });
    const first = runs.filter((r) => r.id !== 'manual-1').at(-1)!;
    expect(first).toMatchObject({ status: 'succeeded', trigger: 'schedule' });
    expect(first.startedAt >= held.finishedAt!).toBe(true);
    expect(logs.filter((l) => String(l.msg).startsWith('scheduled run failed'))).toEqual([]);
  });
});
