/**
 * What the server's scheduler and lineage integrations rely on: running a product by id with
 * a trigger, and lifecycle callbacks carrying per-step data.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCurrentPointer } from '../../src/ports/warehouse.js';
import { runPipelineById } from '../../src/runner/run-product.js';
import type { RunStartInfo } from '../../src/runner/run-observer.js';
import type { RunOutcome } from '../../src/runner/run-outcome.js';
import { REPO_ROOT } from '../helpers/chinook.js';
import { createPipelineHarness, pipelineBundle, type PipelineHarness } from '../helpers/pipelines.js';

describe('run lifecycle', () => {
  let h: PipelineHarness;
  const env = { ...process.env, CHINOOK_DATA: join(REPO_ROOT, 'examples/data') };

  beforeAll(async () => {
    h = await createPipelineHarness('sqlite');
    const bundle = (min: number, version: string) =>
      pipelineBundle({
        domain: 'catalog',
        name: 'genres',
        version,
        inputs: [{ name: 'genre', source: { type: 'file', path: '${CHINOOK_DATA}/genre.csv', format: 'csv' } }],
        sql: 'SELECT genre_id, name FROM genre',
        columns: [
          { name: 'genre_id', type: 'bigint', nullable: false, pii: 'none' },
          { name: 'name', type: 'varchar', pii: 'none' },
        ],
        checks: [{ type: 'row_count', min }],
      });
    await h.platform.publish(bundle(1, '1.0.0'));
    await h.platform.publish(bundle(1000, '1.1.0'));
  });
  afterAll(async () => h?.dispose());

  it('keeps the last `keep` snapshots and removes older ones', async () => {
    await h.platform.publish(
      pipelineBundle({
        domain: 'catalog',
        name: 'kept',
        inputs: [{ name: 'genre', source: { type: 'file', path: '${CHINOOK_DATA}/genre.csv', format: 'csv' } }],
        sql: 'SELECT genre_id, name FROM genre',
        columns: [
          { name: 'genre_id', type: 'bigint', nullable: false, pii: 'none' },
          { name: 'name', type: 'varchar', pii: 'none' },
        ],
        ports: [{ name: 'files', type: 'parquet', keep: 2 }],
      }),
    );
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await h.platform.runProduct('catalog/kept', { env })).snapshotId!);
    const dir = join(h.platform.config.warehouseDir, 'catalog/kept/v1/snapshots');
    expect(readdirSync(dir).sort()).toEqual(ids.slice(2).sort());
    expect(readCurrentPointer(h.platform.config.warehouseDir, 'catalog/kept', 1)!.snapshotId).toBe(ids[3]);
  });

  it('runs a product by id for the scheduler and reports start, steps and the end', async () => {
    const events: string[] = [];
    let start: RunStartInfo | undefined;
    let failed: RunOutcome | undefined;
    const outcome = await runPipelineById(h.platform, 'catalog/genres', {
      env,
      version: '1.0.0',
      observer: {
        onStart: (info) => {
          start = info;
          events.push('start');
        },
        onStep: (s) => events.push(`${s.name}:${s.status}`),
        onComplete: () => events.push('complete'),
        onFail: (o) => {
          failed = o;
          events.push('fail');
        },
      },
    });
    expect(outcome).toMatchObject({ status: 'succeeded', trigger: 'schedule', version: '1.0.0', rowsOut: 25 });
    expect(start).toMatchObject({
      product: 'catalog/genres',
      trigger: 'schedule',
      inputs: [{ name: 'genre', kind: 'file' }],
      outputPorts: [{ name: 'files', type: 'parquet' }],
    });
    expect(events).toEqual([
      'start',
      'extract:succeeded',
      'transform:succeeded',
      'conform:succeeded',
      'audit:succeeded',
      'publish:succeeded',
      'complete',
    ]);
    expect(failed).toBeUndefined();

    const second: string[] = [];
    const bad = await runPipelineById(h.platform, 'catalog/genres', {
      env,
      observer: { onStep: (s) => second.push(`${s.name}:${s.status}`), onFail: () => second.push('fail') },
    });
    expect(bad).toMatchObject({ status: 'failed', version: '1.1.0' });
    expect(second).toEqual(['extract:succeeded', 'transform:succeeded', 'conform:succeeded', 'audit:failed', 'fail']);
    // The failed run left the last good snapshot current.
    expect(readCurrentPointer(h.platform.config.warehouseDir, 'catalog/genres', 1)!.snapshotId).toBe(
      outcome.snapshotId,
    );
    const events2 = await h.platform.listEvents({ subject: 'catalog/genres' });
    expect(events2.filter((e) => e.type.startsWith('run.') || e.type === 'check.failed').map((e) => e.type)).toEqual([
      'run.succeeded',
      'run.failed',
      'check.failed',
    ]);
  });
});
