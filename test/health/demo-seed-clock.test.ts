/**
 * The clock seam the demo generator builds history with (src/core/clock.ts): a simulated time
 * holds inside its scope only — across awaits and timers, never outside, never in a concurrent
 * scope — and the registry's recorded time follows it.
 */
import { describe, expect, it } from 'vitest';
import { atTime, nowIso, nowMs, withClock } from '../../src/core/clock.js';
import { nowIso as registryNowIso } from '../../src/registry/registry.js';

const PAST = Date.parse('2026-03-01T06:00:00Z');

describe('clock seam', () => {
  it('a scope sees its simulated time across awaits and timers; outside it, the real time', async () => {
    const realStart = Date.now();
    const inside = await atTime(PAST, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return { ms: nowMs(), real: Date.now(), registry: registryNowIso() };
    });
    // It advanced with the real time (a timer may fire a millisecond early by Date.now's count).
    expect(inside.ms).toBeGreaterThan(PAST);
    expect(Math.abs(inside.ms - PAST - (inside.real - realStart))).toBeLessThanOrEqual(1);
    expect(inside.ms).toBeLessThan(PAST + 60_000);
    expect(inside.registry.startsWith('2026-03-01T06:00')).toBe(true);
    expect(Math.abs(nowMs() - Date.now())).toBeLessThan(1000);
  });

  it('concurrent scopes keep their own times', async () => {
    const at = (day: number) =>
      withClock(
        () => PAST + day * 86_400_000,
        async () => {
          await new Promise((r) => setTimeout(r, 10 - day));
          return nowIso().slice(0, 10);
        },
      );
    expect(await Promise.all([at(1), at(2), at(3)])).toEqual(['2026-03-02', '2026-03-03', '2026-03-04']);
  });
});
