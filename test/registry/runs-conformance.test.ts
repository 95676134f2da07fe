/**
 * Run history, run locks and watermarks: the same scenarios on SQLite and on PostgreSQL.
 */
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { finishRun } from '../../src/registry/operations/runs/finish-run.js';
import { getWatermarks } from '../../src/registry/operations/runs/get-watermarks.js';
import { listCheckResults } from '../../src/registry/operations/runs/list-check-results.js';
import { listRuns } from '../../src/registry/operations/runs/list-runs.js';
import { recentRowCounts } from '../../src/registry/operations/runs/recent-row-counts.js';
import { renewRunLock } from '../../src/registry/operations/runs/run-lock.js';
import { startRun } from '../../src/registry/operations/runs/start-run.js';
import { BACKENDS, createTestRegistry, type TestRegistry } from '../helpers/registries.js';

const base = { version: '1.0.0', trigger: 'manual', actor: 'test:alice' };
const now = () => new Date().toISOString();

describe.each(BACKENDS)('run history on %s', (backend) => {
  let t: TestRegistry;
  beforeAll(async () => {
    t = await createTestRegistry(backend);
  });
  afterAll(async () => t?.dispose());

  it('refuses a second run while the first holds the lock, and frees it when the run finishes', async () => {
    await startRun(t.registry, { ...base, id: 'r1', productId: 'sales/a', startedAt: now(), leaseMs: 60_000 });
    await expect(
      startRun(t.registry, { ...base, id: 'r2', productId: 'sales/a', startedAt: now(), leaseMs: 60_000 }),
    ).rejects.toThrow(ConflictError);
    await expect(
      startRun(t.registry, { ...base, id: 'r2', productId: 'sales/a', startedAt: now(), leaseMs: 60_000 }),
    ).rejects.toThrow(/sales\/a is already running \(run r1 since/);
    expect(await renewRunLock(t.registry, 'sales/a', 'r1', 60_000)).toBe(true);
    await finishRun(t.registry, {
      id: 'r1',
      productId: 'sales/a',
      major: 1,
      status: 'succeeded',
      steps: [{ name: 'extract', status: 'succeeded', startedAt: now(), ms: 5, rows: 10 }],
      inputs: [{ name: 'orders', kind: 'postgres', rowsIn: 10, watermark: '2026-01-01 00:00:00' }],
      rowsOut: 10,
      error: null,
      checks: [
        {
          runId: 'r1',
          product: 'sales/a',
          position: 0,
          name: 'row_count',
          type: 'row_count',
          severity: 'error',
          status: 'pass',
          observed: 10,
          threshold: { min: 1 },
          message: '10 row(s)',
          samples: null,
          time: now(),
        },
      ],
      snapshot: {
        id: 'r1',
        product: 'sales/a',
        version: '1.0.0',
        runId: 'r1',
        rows: 10,
        ports: [],
        publishedAt: now(),
      },
      watermarks: [{ input: 'orders', value: '2026-01-01 00:00:00' }],
      events: [{ type: 'run.succeeded', subject: 'sales/a', data: { runId: 'r1' } }],
    });
    expect(await renewRunLock(t.registry, 'sales/a', 'r1', 60_000)).toBe(false);
    await startRun(t.registry, { ...base, id: 'r2', productId: 'sales/a', startedAt: now(), leaseMs: 60_000 });
    await finishRun(t.registry, {
      id: 'r2',
      productId: 'sales/a',
      major: 1,
      status: 'failed',
      steps: [],
      inputs: [],
      rowsOut: null,
      error: 'boom',
      checks: [],
      snapshot: { id: 'r2', product: 'sales/a', version: '1.0.0', runId: 'r2', rows: 0, ports: [], publishedAt: now() },
      watermarks: [{ input: 'orders', value: '2027-01-01 00:00:00' }],
      events: [],
    });
    // A failed run never moves the watermark, whatever it carried.
    expect(await getWatermarks(t.registry, 'sales/a', 1)).toEqual(new Map([['orders', '2026-01-01 00:00:00']]));
    expect(await getWatermarks(t.registry, 'sales/a', 2)).toEqual(new Map()); // each major keeps its own
    const runs = await listRuns(t.registry, 'sales/a');
    expect(runs.map((r) => [r.id, r.status, r.snapshotId])).toEqual([
      ['r2', 'failed', null],
      ['r1', 'succeeded', 'r1'],
    ]);
    expect(runs[1]).toMatchObject({
      rowsOut: 10,
      inputs: [{ name: 'orders', rowsIn: 10 }],
      steps: [{ name: 'extract', ms: 5 }],
    });
    expect((await listCheckResults(t.registry, 'sales/a')).map((c) => [c.runId, c.name, c.status, c.observed])).toEqual(
      [['r1', 'row_count', 'pass', 10]],
    );
    expect(await recentRowCounts(t.registry, 'sales/a', 1, new Date(Date.now() - 86_400_000).toISOString())).toEqual([
      10,
    ]);
    expect(await recentRowCounts(t.registry, 'sales/a', 2, new Date(Date.now() - 86_400_000).toISOString())).toEqual(
      [],
    );
  });

  it('takes over an expired lease and marks the abandoned run failed', async () => {
    await startRun(t.registry, { ...base, id: 'e1', productId: 'sales/b', startedAt: now(), leaseMs: 1 });
    await new Promise((r) => setTimeout(r, 10));
    await startRun(t.registry, { ...base, id: 'e2', productId: 'sales/b', startedAt: now(), leaseMs: 60_000 });
    const runs = await listRuns(t.registry, 'sales/b');
    expect(runs.find((r) => r.id === 'e1')).toMatchObject({
      status: 'failed',
      error: 'abandoned: its lock lease expired',
    });
  });

  it('takes over at once a lock whose holder process on this host is gone', async () => {
    await t.registry.db
      .insertInto('pipeline_runs')
      .values({
        id: 'd1',
        product_id: 'sales/c',
        version: '1.0.0',
        trigger: 'manual',
        status: 'running',
        started_at: now(),
        finished_at: null,
        snapshot_id: null,
        rows_out: null,
        steps: '[]',
        inputs: '[]',
        error: null,
        actor: null,
      })
      .execute();
    await t.registry.db
      .insertInto('run_locks')
      .values({
        product_id: 'sales/c',
        run_id: 'd1',
        holder: JSON.stringify({ host: hostname(), pid: 2 ** 22 + 12345 }),
        acquired_at: now(),
        expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      })
      .execute();
    await startRun(t.registry, { ...base, id: 'd2', productId: 'sales/c', startedAt: now(), leaseMs: 60_000 });
    const runs = await listRuns(t.registry, 'sales/c');
    expect(runs.find((r) => r.id === 'd1')).toMatchObject({
      status: 'failed',
      error: 'abandoned: the process running it died',
    });
  });
});
