/**
 * The scheduler wired to the real pipeline runner (platformRunExecutor, as in mesh serve):
 * a scheduled product runs on its cron, each run is recorded with trigger `schedule`, publishes
 * a snapshot, and counts as a good publication for the freshness SLA.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { InProcessScheduler } from '../../src/server/scheduler/in-process-scheduler.js';
import { enqueueDueRuns, QueueScheduler } from '../../src/server/scheduler/queue-scheduler.js';
import { readCurrentSnapshot } from '../../src/ports/warehouse.js';
import { platformRunExecutor } from '../../src/server/scheduler/run-executor.js';
import { LocalServerApi } from '../../src/server/local-server-api.js';
import { productBundle } from '../helpers/products.js';
import { createTestRegistry, type TestRegistry } from '../helpers/registries.js';

/** A product over a CSV in `dir`, due every second (cron with seconds) or every minute. */
async function csvProduct(t: TestRegistry, name: string, schedule: string) {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-sched-'));
  mkdirSync(join(dir, 'data'));
  writeFileSync(
    join(dir, 'data', 'records.csv'),
    'id,label,amount,updated_at\n1,a,1.50,2026-01-01T00:00:00Z\n2,b,2.50,2026-01-02T00:00:00Z\n',
  );
  const platform = new LocalPlatform({
    registry: t.registry,
    config: { ...configFromEnv({}, dir), warehouseDir: join(dir, 'warehouse'), actor: 'scheduler' },
  });
  await platform.publish(
    productBundle({
      name,
      edit: (p) => {
        p.spec.schedule = schedule;
        p.spec.inputs[0].source!.path = join(dir, 'data', 'records.csv');
      },
    }),
  );
  return { dir, platform };
}

describe('the graphile-worker queue scheduler through the real runner (PostgreSQL)', () => {
  let t: TestRegistry;
  let dir: string;
  let platform: LocalPlatform;
  let worker: QueueScheduler;

  beforeAll(async () => {
    t = await createTestRegistry('postgres');
    ({ dir, platform } = await csvProduct(t, 'queued', '0 * * * *'));
    worker = new QueueScheduler({
      registry: t.registry,
      connectionString: t.url,
      executor: platformRunExecutor(platform, process.env),
      cron: false,
      pollIntervalMs: 100,
    });
    await worker.start();
  });
  afterAll(async () => {
    await worker?.stop();
    await platform?.close();
    await t?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs an enqueued product end to end: a scheduled run, its snapshot published', async () => {
    expect(await enqueueDueRuns(t.registry, new Date('2026-11-21T14:00:00Z'))).toEqual(['sales/queued']);
    const deadline = Date.now() + 30_000;
    let runs = await platform.listRuns('sales/queued');
    while (!runs.some((r) => r.finishedAt) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      runs = await platform.listRuns('sales/queued');
    }
    expect(runs.map((r) => ({ status: r.status, trigger: r.trigger, rowsOut: r.rowsOut, error: r.error }))).toEqual([
      { status: 'succeeded', trigger: 'schedule', rowsOut: 2, error: null },
    ]);
    expect(readCurrentSnapshot(platform.config.warehouseDir, 'sales/queued', 1)).toMatchObject({
      snapshotId: runs[0].snapshotId,
      runId: runs[0].id,
      rows: 2,
    });
  });
});

describe('scheduled runs through the real runner', () => {
  let t: TestRegistry;
  let dir: string;
  let platform: LocalPlatform;

  beforeAll(async () => {
    t = await createTestRegistry('sqlite');
    ({ dir, platform } = await csvProduct(t, 'every-second', '* * * * * *'));
  });
  afterAll(async () => {
    await platform?.close();
    await t?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the product on its cron, records scheduled runs and keeps the SLA fresh', async () => {
    const scheduler = new InProcessScheduler({
      registry: t.registry,
      executor: platformRunExecutor(platform, process.env),
      syncIntervalMs: 200,
    });
    await scheduler.start();
    try {
      const deadline = Date.now() + 20_000;
      let runs = await platform.listRuns('sales/every-second');
      while (runs.filter((r) => r.status === 'succeeded').length < 2 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        runs = await platform.listRuns('sales/every-second');
      }
      const succeeded = runs.filter((r) => r.status === 'succeeded');
      expect(succeeded.length).toBeGreaterThanOrEqual(2);
      expect(succeeded.filter((r) => r.trigger === 'schedule' && r.rowsOut === 2 && r.snapshotId)).toEqual(succeeded);
    } finally {
      await scheduler.stop();
    }
    // Never two runs of the product at once: each run started after the previous one finished.
    const runs = (await platform.listRuns('sales/every-second')).filter((r) => r.finishedAt).reverse();
    for (let i = 1; i < runs.length; i++) expect(runs[i].startedAt >= runs[i - 1].finishedAt!).toBe(true);
    const sla = await new LocalServerApi(async () => t.registry, {
      user: 'test',
      role: 'admin',
      domains: [],
    }).productSla('sales/every-second');
    expect(sla.state).toBe('fresh');
    expect(sla.lastGoodAt).not.toBeNull();
  });
});
