/**
 * The run lock is a lease: a lock held from another host is respected until its lease ends
 * (this host cannot see whether that process lives) and taken over after; a run longer than its
 * lease keeps its lock because the runner renews it. On both registry backends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { checkBundle } from '../../src/platform/descriptor-bundle.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { listRuns } from '../../src/registry/operations/runs/list-runs.js';
import { startRun } from '../../src/registry/operations/runs/start-run.js';
import { runPipeline } from '../../src/runner/run-pipeline.js';
import { runOnAnotherHost } from '../helpers/foreign-run.js';
import { slowSourceBundle } from '../helpers/pipelines.js';
import { BACKENDS, createTestDatabase, createTestRegistry, type TestRegistry } from '../helpers/registries.js';

const base = { version: '1.0.0', trigger: 'manual', actor: 'test:alice' };
const now = () => new Date().toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** A pid that exists nowhere here: on this host, such a holder would count as dead. */
const NO_SUCH_PID = 2 ** 22 + 4321;

/** A running run and its lock row, as a runner on another machine would write them. */
const lockFromAnotherHost = (t: TestRegistry, productId: string, runId: string, leaseMs: number) =>
  runOnAnotherHost(t.registry, { productId, runId, host: 'worker-7.other-host.example', pid: NO_SUCH_PID, leaseMs });

describe.each(BACKENDS)('run lock leases on %s', (backend) => {
  let t: TestRegistry;
  let source: { url: string; drop: () => Promise<void> };
  let home: string;
  beforeAll(async () => {
    t = await createTestRegistry(backend);
    source = await createTestDatabase('mesh_lease_src');
    home = mkdtempSync(join(tmpdir(), 'mesh-lease-'));
  });
  afterAll(async () => {
    await t?.dispose();
    await source?.drop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('respects a lock held on another host until its lease ends, then takes it over', async () => {
    await lockFromAnotherHost(t, 'sales/remote', 'x1', 1500);
    const attempt = (id: string) =>
      startRun(t.registry, { ...base, id, productId: 'sales/remote', startedAt: now(), leaseMs: 60_000 });
    await expect(attempt('x2')).rejects.toThrow(ConflictError);
    await expect(attempt('x2')).rejects.toThrow(/sales\/remote is already running \(run x1 since/);
    expect((await listRuns(t.registry, 'sales/remote')).map((r) => [r.id, r.status])).toEqual([['x1', 'running']]);
    await sleep(1700);
    await attempt('x3');
    const runs = await listRuns(t.registry, 'sales/remote');
    expect(runs.find((r) => r.id === 'x1')).toMatchObject({
      status: 'failed',
      error: 'abandoned: its lock lease expired',
    });
    expect(runs.find((r) => r.id === 'x3')).toMatchObject({ status: 'running' });
  });

  it('records its holder, respects a live process on this host, and says who holds the lock and until when', async () => {
    await startRun(t.registry, { ...base, id: 'h1', productId: 'sales/held', startedAt: now(), leaseMs: 60_000 });
    const row = await t.registry.db
      .selectFrom('run_locks')
      .selectAll()
      .where('product_id', '=', 'sales/held')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(row.holder)).toEqual({ host: hostname(), pid: process.pid });
    // Another live process on this host (our parent) holds a lock: not taken before its lease ends.
    await t.registry.db
      .updateTable('run_locks')
      .set({ holder: JSON.stringify({ host: hostname(), pid: process.ppid }) })
      .where('product_id', '=', 'sales/held')
      .execute();
    const refused = await startRun(t.registry, {
      ...base,
      id: 'h2',
      productId: 'sales/held',
      startedAt: now(),
      leaseMs: 60_000,
    }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ConflictError);
    expect((refused as ConflictError).details).toEqual({
      product: 'sales/held',
      runId: 'h1',
      hint: `the lock is a lease until ${row.expires_at}, renewed while the run lives; a killed run releases it then, or when its worker is declared dead`,
    });
  });

  it('keeps the lock of a run longer than its lease: the runner renews it', async () => {
    const leaseMs = 1500; // renewed every max(1 s, lease / 3)
    // Takes 4 s in PostgreSQL: well past the 1.5 s lease.
    const bundle = slowSourceBundle('slow', source.url, 4);
    const checked = checkBundle(bundle);
    expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    let started: () => void = () => undefined;
    const running = new Promise<void>((r) => (started = r));
    const config = { ...configFromEnv({}, home), home, warehouseDir: join(home, 'warehouse'), actor: 'test:lease' };
    const run = runPipeline(
      {
        productId: 'sales/slow',
        version: '1.0.0',
        major: 1,
        product: checked.product!,
        transformSql: checked.bundle.transformSql,
        baseDir: home,
      },
      { registry: t.registry, config, leaseMs, observer: { onStart: () => started() } },
    );
    await running;
    await sleep(2600); // past the lease: only a renewal keeps the lock
    await expect(
      startRun(t.registry, { ...base, id: 'other', productId: 'sales/slow', startedAt: now(), leaseMs: 60_000 }),
    ).rejects.toThrow(/sales\/slow is already running/);
    const outcome = await run;
    expect(outcome.error).toBeNull();
    expect(outcome).toMatchObject({ status: 'succeeded', rowsOut: 1 });
    expect((await listRuns(t.registry, 'sales/slow')).map((r) => [r.id, r.status])).toEqual([
      [outcome.runId, 'succeeded'],
    ]);
  });
});
