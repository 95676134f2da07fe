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

  it('lists the check results of the last runs, newest first, every field as recorded', async () => {
    const check = (runId: string, position: number, time: string, extra: object = {}) => ({
      runId,
      product: 'sales/checked',
      position,
      name: `check-${position}`,
      type: 'row_count',
      severity: 'error' as const,
      status: 'pass' as const,
      observed: { rows: position },
      threshold: { min: 1 },
      message: `check ${position}`,
      samples: null,
      time,
      ...extra,
    });
    const finish = async (id: string, time: string, checks: ReturnType<typeof check>[]) => {
      await startRun(t.registry, { ...base, id, productId: 'sales/checked', startedAt: time, leaseMs: 60_000 });
      await finishRun(t.registry, {
        id,
        productId: 'sales/checked',
        major: 1,
        status: 'failed',
        steps: [],
        inputs: [],
        rowsOut: null,
        error: 'a check failed',
        checks,
        watermarks: [],
        events: [],
      });
    };
    await finish('c1', '2026-03-01T00:00:00.000Z', [
      check('c1', 0, '2026-03-01T00:00:01.000Z'),
      check('c1', 1, '2026-03-02T12:00:00.000Z'),
    ]);
    await finish('c2', '2026-03-02T00:00:00.000Z', [
      check('c2', 0, '2026-03-02T00:00:01.000Z'),
      check('c2', 1, '2026-03-02T00:00:02.000Z', {
        status: 'fail',
        observed: undefined,
        threshold: undefined,
        samples: [{ id: 7, email: 'sha256:0123456789abcdef' }],
      }),
    ]);
    // An older run whose check was recorded last still counts by its newest check time.
    await finish('c0', '2026-02-01T00:00:00.000Z', [check('c0', 0, '2026-03-03T00:00:00.000Z')]);
    // The last runs by their newest check: c0 (an old run checked last), then c1 (its last check is after c2's).
    expect(
      (await listCheckResults(t.registry, 'sales/checked', { runs: 2 })).map((c) => [c.runId, c.position]),
    ).toEqual([
      ['c0', 0],
      ['c1', 1],
      ['c1', 0],
    ]);
    const all = await listCheckResults(t.registry, 'sales/checked');
    expect(all.map((c) => [c.runId, c.position])).toEqual([
      ['c0', 0],
      ['c1', 1],
      ['c2', 1],
      ['c2', 0],
      ['c1', 0],
    ]);
    expect(all[2]).toEqual({
      runId: 'c2',
      product: 'sales/checked',
      position: 1,
      name: 'check-1',
      type: 'row_count',
      severity: 'error',
      status: 'fail',
      observed: null,
      threshold: null,
      message: 'check 1',
      samples: [{ id: 7, email: 'sha256:0123456789abcdef' }],
      time: '2026-03-02T00:00:02.000Z',
    });
    expect(all[3]).toMatchObject({ observed: { rows: 0 }, threshold: { min: 1 }, samples: null });
    expect(await listCheckResults(t.registry, 'sales/never-checked')).toEqual([]);
    // A run that failed before publishing has no rows out (null, not 0).
    expect((await listRuns(t.registry, 'sales/checked', { limit: 1 })).map((r) => [r.id, r.rowsOut])).toEqual([
      ['c2', null],
    ]);
  });

  it('lists the newest 20 runs by default, and as many as asked', async () => {
    for (let i = 0; i < 22; i++) {
      const startedAt = new Date(Date.UTC(2026, 4, 1, 0, i)).toISOString();
      await startRun(t.registry, {
        ...base,
        id: `m${String(i).padStart(2, '0')}`,
        productId: 'sales/many',
        startedAt,
        leaseMs: 60_000,
      });
      await finishRun(t.registry, {
        id: `m${String(i).padStart(2, '0')}`,
        productId: 'sales/many',
        major: 1,
        status: 'failed',
        steps: [],
        inputs: [],
        rowsOut: null,
        error: 'x',
        checks: [],
        watermarks: [],
        events: [],
      });
    }
    const runs = await listRuns(t.registry, 'sales/many');
    expect(runs).toHaveLength(20);
    expect([runs[0].id, runs[19].id]).toEqual(['m21', 'm02']);
    expect(await listRuns(t.registry, 'sales/many', { limit: 22 })).toHaveLength(22);
  });
});
