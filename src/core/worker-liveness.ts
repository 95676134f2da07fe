/**
 * When a worker is declared dead, and how often a live one says it is not: one setting for
 * every process sharing a registry, since the queue's liveness and the run lock must agree (a
 * run held by a dead worker is taken over when the worker is declared dead).
 * MESH_WORKER_DEAD_AFTER_SECONDS and MESH_WORKER_HEARTBEAT_SECONDS, in seconds.
 */
import { InputError } from './errors.js';

export interface WorkerLiveness {
  /** A worker silent this long is dead: its queue jobs are released and its run locks freed. */
  readonly deadAfterMs: number;
  /** How often a worker beats (and looks for dead ones). */
  readonly heartbeatMs: number;
}

export const DEFAULT_WORKER_LIVENESS: WorkerLiveness = { deadAfterMs: 30_000, heartbeatMs: 5_000 };

/** A heartbeat at most this share of dead-after: a live worker misses two beats before it can be declared dead. */
const MOST_OF_DEAD_AFTER = 1 / 3;
const DAY_SECONDS = 86_400;

export function workerLivenessFromEnv(env: NodeJS.ProcessEnv): WorkerLiveness {
  const deadAfterMs = secondsIn(env, 'MESH_WORKER_DEAD_AFTER_SECONDS') ?? DEFAULT_WORKER_LIVENESS.deadAfterMs;
  const heartbeatMs = secondsIn(env, 'MESH_WORKER_HEARTBEAT_SECONDS') ?? DEFAULT_WORKER_LIVENESS.heartbeatMs;
  if (heartbeatMs > deadAfterMs * MOST_OF_DEAD_AFTER)
    throw new InputError(
      `MESH_WORKER_HEARTBEAT_SECONDS (${heartbeatMs / 1000}) must be at most a third of MESH_WORKER_DEAD_AFTER_SECONDS ` +
        `(${deadAfterMs / 1000}), so that a live worker is never declared dead between two beats`,
      { details: { hint: 'raise MESH_WORKER_DEAD_AFTER_SECONDS or lower MESH_WORKER_HEARTBEAT_SECONDS' } },
    );
  return { deadAfterMs, heartbeatMs };
}

/** A setting in seconds (a decimal from 0.1 to a day), as milliseconds; undefined when unset. */
function secondsIn(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const seconds = /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
  if (!(seconds >= 0.1 && seconds <= DAY_SECONDS))
    throw new InputError(`${name} must be a number of seconds from 0.1 to ${DAY_SECONDS}, got "${raw}"`);
  return Math.round(seconds * 1000);
}
