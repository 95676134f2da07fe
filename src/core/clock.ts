/**
 * The platform's recorded time. Everything the registry keeps a time for — runs and their
 * steps, events, incidents, grants and access requests, reads, ratings, governance attempts,
 * versions, lineage, the freshness monitor's ticks and the health computations' "now" — reads
 * it here, so a history can be built at past times through the platform's own operations (the
 * demo generator, tests) by running them under `withClock`.
 *
 * The rule: a time that is *recorded* or that decides what the records mean comes from `now()`;
 * a time that *measures* (durations, `performance.now()`) or *drives* the process (timers,
 * run-lock leases, worker heartbeats, retry back-off, webhook signatures, log lines, caches)
 * stays real (`Date.now()`), since a simulated clock there would expire leases or stall timers.
 *
 * The override is an in-process seam only: it lives in an AsyncLocalStorage scope that only code
 * calling `withClock` can open. No HTTP request, header, environment variable or flag sets it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** A source of epoch milliseconds. */
export type Clock = () => number;

const scope = new AsyncLocalStorage<Clock>();

/** The recorded time now: the scoped clock's, or the real time outside any `withClock`. */
export function nowMs(): number {
  const clock = scope.getStore();
  return clock ? clock() : Date.now();
}

export function now(): Date {
  return new Date(nowMs());
}

export function nowIso(): string {
  return now().toISOString();
}

/** Runs `fn` (and everything it awaits or schedules) with `clock` as the recorded time. */
export function withClock<T>(clock: Clock, fn: () => T): T {
  return scope.run(clock, fn);
}

/**
 * A clock that starts at `startMs` and advances with the real time from the moment it is made,
 * so a run's steps keep their real durations and order while being recorded at a past instant.
 */
export function clockFrom(startMs: number): Clock {
  const realStart = Date.now();
  return () => startMs + (Date.now() - realStart);
}

/** Runs `fn` as if the recorded time were `at` (advancing with the real time while it runs). */
export function atTime<T>(at: Date | number | string, fn: () => T): T {
  const start = typeof at === 'number' ? at : new Date(at).getTime();
  return withClock(clockFrom(start), fn);
}
