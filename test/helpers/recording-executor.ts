/**
 * A real RunExecutor for tests: it records every attempt in the registry's event log (the
 * real database) — run.started, then run.succeeded or run.failed — the way the pipeline
 * runner will, so the SLA monitor and the assertions read what a user would.
 */
import { randomBytes } from 'node:crypto';
import { appendEvent } from '../../src/registry/operations/events/append-event.js';
import type { Registry } from '../../src/registry/registry.js';
import type { RunExecutor } from '../../src/server/scheduler/run-executor.js';

export interface Behaviour {
  /** Fail the first n attempts of each scheduled instant. */
  readonly failFirst?: number;
  readonly durationMs?: number;
  /** Never finish (a worker that will be killed). */
  readonly hang?: boolean;
}

export function recordingExecutor(
  registry: Registry,
  behaviours: Record<string, Behaviour> = {},
  worker = 'test',
): RunExecutor {
  return async (productId, trigger) => {
    const b = behaviours[productId] ?? {};
    const runId = `run-${randomBytes(4).toString('hex')}`;
    const startedAt = new Date().toISOString();
    await appendEvent(registry.db, {
      type: 'run.started',
      subject: productId,
      data: {
        product: productId,
        runId,
        scheduledAt: trigger.scheduledAt,
        attempt: trigger.attempt,
        startedAt,
        worker,
      },
    });
    if (b.hang) await new Promise(() => undefined);
    if (b.durationMs) await new Promise((r) => setTimeout(r, b.durationMs));
    const finishedAt = new Date().toISOString();
    if ((trigger.attempt ?? 1) <= (b.failFirst ?? 0)) {
      await appendEvent(registry.db, {
        type: 'run.failed',
        subject: productId,
        data: {
          product: productId,
          runId,
          scheduledAt: trigger.scheduledAt,
          attempt: trigger.attempt,
          startedAt,
          finishedAt,
          error: 'planned failure',
        },
      });
      return { status: 'failed', runId, error: 'planned failure' };
    }
    await appendEvent(registry.db, {
      type: 'run.succeeded',
      subject: productId,
      data: {
        product: productId,
        runId,
        snapshotId: `snap-${runId}`,
        scheduledAt: trigger.scheduledAt,
        attempt: trigger.attempt,
        startedAt,
        finishedAt,
        worker,
      },
    });
    return { status: 'succeeded', runId };
  };
}

export interface RecordedRun {
  readonly type: string;
  readonly product: string;
  readonly scheduledAt?: string;
  readonly attempt?: number;
  readonly startedAt: string;
  readonly finishedAt?: string;
  readonly worker?: string;
}

export async function recordedRuns(registry: Registry): Promise<RecordedRun[]> {
  const rows = await registry.db
    .selectFrom('events')
    .select(['type', 'data'])
    .where('type', 'in', ['run.started', 'run.succeeded', 'run.failed'])
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ type: r.type, ...(JSON.parse(r.data) as Omit<RecordedRun, 'type'>) }));
}
