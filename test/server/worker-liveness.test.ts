/**
 * MESH_WORKER_DEAD_AFTER_SECONDS and MESH_WORKER_HEARTBEAT_SECONDS: the queue's liveness and
 * the run lock's judgement of a holder, one setting for every process. Bad values are refused
 * when the process starts, saying which setting and why.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { DEFAULT_WORKER_LIVENESS, workerLivenessFromEnv } from '../../src/core/worker-liveness.js';
import { checkBundle } from '../../src/platform/descriptor-bundle.js';
import { listRuns } from '../../src/registry/operations/runs/list-runs.js';
import { runPipeline } from '../../src/runner/run-pipeline.js';
import { runOnAnotherHost } from '../helpers/foreign-run.js';
import { productBundle } from '../helpers/products.js';
import { createTestRegistry, type TestRegistry } from '../helpers/registries.js';
import { mesh } from '../helpers/run-mesh.js';

describe('worker liveness settings', () => {
  it('defaults to 30 s dead-after and a 5 s heartbeat; seconds (decimals too) become the configuration', () => {
    expect(workerLivenessFromEnv({})).toEqual({ deadAfterMs: 30_000, heartbeatMs: 5_000 });
    expect(DEFAULT_WORKER_LIVENESS).toEqual({ deadAfterMs: 30_000, heartbeatMs: 5_000 });
    expect(
      configFromEnv({ MESH_WORKER_DEAD_AFTER_SECONDS: '12', MESH_WORKER_HEARTBEAT_SECONDS: '1.5' }).workerLiveness,
    ).toEqual({ deadAfterMs: 12_000, heartbeatMs: 1_500 });
    expect(workerLivenessFromEnv({ MESH_WORKER_DEAD_AFTER_SECONDS: '90' })).toEqual({
      deadAfterMs: 90_000,
      heartbeatMs: 5_000,
    });
  });

  it('refuses values that are not seconds, and a heartbeat not well under dead-after', () => {
    for (const bad of ['abc', '-5', '0', '1e3', '30s', '100000'])
      expect(() => workerLivenessFromEnv({ MESH_WORKER_DEAD_AFTER_SECONDS: bad })).toThrow(
        `MESH_WORKER_DEAD_AFTER_SECONDS must be a number of seconds from 0.1 to 86400, got "${bad}"`,
      );
    expect(() => workerLivenessFromEnv({ MESH_WORKER_HEARTBEAT_SECONDS: '11' })).toThrow(
      'MESH_WORKER_HEARTBEAT_SECONDS (11) must be at most a third of MESH_WORKER_DEAD_AFTER_SECONDS (30)',
    );
    expect(() => workerLivenessFromEnv({ MESH_WORKER_DEAD_AFTER_SECONDS: '9' })).toThrow(
      'MESH_WORKER_HEARTBEAT_SECONDS (5) must be at most a third of MESH_WORKER_DEAD_AFTER_SECONDS (9)',
    );
    expect(workerLivenessFromEnv({ MESH_WORKER_HEARTBEAT_SECONDS: '10' }).heartbeatMs).toBe(10_000);
  });

  it('mesh worker with a bad setting stops at once with the setting named, no stack trace', async () => {
    const r = await mesh(['worker'], {
      env: {
        MESH_DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/postgres',
        MESH_WORKER_DEAD_AFTER_SECONDS: '10',
        MESH_WORKER_HEARTBEAT_SECONDS: '5',
      },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'error: MESH_WORKER_HEARTBEAT_SECONDS (5) must be at most a third of MESH_WORKER_DEAD_AFTER_SECONDS (10)',
    );
    expect(r.stderr).toContain('hint: raise MESH_WORKER_DEAD_AFTER_SECONDS or lower MESH_WORKER_HEARTBEAT_SECONDS');
    expect(r.stderr).not.toMatch(/at .*\.(js|ts):\d+/);
  });
});

describe('MESH_WORKER_DEAD_AFTER_SECONDS reaches the run lock of a manual run', () => {
  let t: TestRegistry;
  let dir: string;
  beforeAll(async () => {
    t = await createTestRegistry('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'mesh-liveness-setting-'));
    mkdirSync(join(dir, 'data'));
    writeFileSync(join(dir, 'data', 'records.csv'), 'id,label,amount,updated_at\n1,a,1.50,2026-01-01T00:00:00Z\n');
  });
  afterAll(async () => {
    await t?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A run of sales/held with the configuration these settings give. */
  const runWith = (env: NodeJS.ProcessEnv) => {
    const checked = checkBundle(
      productBundle({ name: 'held', edit: (p) => (p.spec.inputs[0].source!.path = join(dir, 'data', 'records.csv')) }),
    );
    const config = { ...configFromEnv(env, dir), warehouseDir: join(dir, 'warehouse') };
    return runPipeline(
      { productId: 'sales/held', version: '0.1.0', major: 0, product: checked.product!, baseDir: dir },
      { registry: t.registry, config, env: {} },
    );
  };

  it('a holder on another host silent for 10 s is alive by default, dead with a 5 s setting', async () => {
    const held = { productId: 'sales/held', host: 'other-host.example', pid: 4242, leaseMs: 60_000 };
    await runOnAnotherHost(t.registry, { ...held, runId: 'foreign-1', heartbeatAgoMs: 10_000 });
    await expect(runWith({})).rejects.toThrow(/sales\/held is already running/);
    const outcome = await runWith({ MESH_WORKER_DEAD_AFTER_SECONDS: '5', MESH_WORKER_HEARTBEAT_SECONDS: '1' });
    expect(outcome.status, outcome.error ?? '').toBe('succeeded');
    const runs = await listRuns(t.registry, 'sales/held');
    expect(runs.find((r) => r.id === 'foreign-1')).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(/^abandoned: its worker on other-host\.example \(pid 4242\) was declared dead/),
    });
  });
});
