import { nowIso } from '../core/clock.js';
import type { RunStepRecord } from '../registry/operations/runs/run-records.js';
import { messageOf, type RunContext } from './run-context.js';

/** Runs one named step: timed, recorded in the run's steps (succeeded or failed) and reported to the observer. */
export async function timedStep<T>(
  ctx: RunContext,
  name: string,
  fn: () => Promise<T>,
  rows?: (t: T) => number | undefined,
): Promise<T> {
  ctx.observer.onStepStart?.(name);
  const started = Date.now(); // real time: the step's duration
  const at = nowIso(); // recorded time: when the step ran (src/core/clock.ts)
  const record = (step: RunStepRecord): void => {
    ctx.steps.push(step);
    ctx.observer.onStep?.(step);
  };
  try {
    const result = await fn();
    record({ name, status: 'succeeded', startedAt: at, ms: Date.now() - started, rows: rows?.(result) });
    return result;
  } catch (e) {
    record({ name, status: 'failed', startedAt: at, ms: Date.now() - started, error: ctx.scrub(messageOf(e)) });
    throw e;
  }
}
