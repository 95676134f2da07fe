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
import { platformRunExecutor } from '../../src/server/scheduler/run-executor.js';
import { LocalServerApi } from '../../src/server/local-server-api.js';
import { productBundle } from '../helpers/products.js';
import { createTestRegistry, type TestRegistry } from '../helpers/registries.js';

describe('scheduled runs through the real runner', () => {
  let t: TestRegistry;
  let dir: string;
  let platform: LocalPlatform;

  beforeAll(async () => {
    t = await createTestRegistry('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'mesh-sched-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(
      join(dir, 'data', 'records.csv'),
      'id,label,amount,updated_at\n1,a,1.50,2026-01-01T00:00:00Z\n2,b,2.50,2026-01-02T00:00:00Z\n',
    );
    platform = new LocalPlatform({
      registry: t.registry,
      config: { ...configFromEnv({}, dir), warehouseDir: join(dir, 'warehouse'), actor: 'scheduler' },
    });
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
      expect(succeeded.every((r) => r.trigger === 'schedule' && r.rowsOut === 2 && r.snapshotId)).toBe(true);
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
