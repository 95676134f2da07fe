/**
 * The demo generator (src/server/demo) builds a small history through the platform's own
 * operations at simulated past times; the diagnosis finds each planted failure pattern, and a
 * healthy history has none. Both registries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PATTERNS, type DemoPattern } from '../../src/server/demo/demo-plan.js';
import { seedDemo, type SeedDemoSummary } from '../../src/server/demo/seed-demo.js';
import type { MeshHealth } from '../../src/server/health/health-records.js';
import { LocalServerApi } from '../../src/server/local-server-api.js';
import { listRatings } from '../../src/registry/operations/ratings/list-ratings.js';
import { BACKENDS, createTestRegistry, type TestRegistry } from '../helpers/registries.js';

const SMALL = { domains: 6, products: 24, days: 40, runEvery: 4, readEvery: 20, seed: 7 };
const END = new Date('2026-11-01T00:00:00Z');
const DAY = 86_400_000;

async function seeded(backend: (typeof BACKENDS)[number], patterns: readonly DemoPattern[]) {
  const db = await createTestRegistry(backend);
  const home = mkdtempSync(join(tmpdir(), 'mesh-demo-seed-'));
  const summary = await seedDemo({ ...SMALL, patterns, registry: db.registry, home, end: END });
  const api = new LocalServerApi(async () => db.registry, { user: 'root', role: 'admin', domains: [] });
  const health = await api.meshHealth({ now: END.toISOString(), weeks: 4 });
  return { db, home, summary, health };
}

const found = (h: MeshHealth) => h.diagnosis.map((f) => f.pattern).sort();

for (const backend of BACKENDS) {
  describe(`demo mesh with every failure pattern planted, ${backend}`, () => {
    let s: { db: TestRegistry; home: string; summary: SeedDemoSummary; health: MeshHealth };
    beforeAll(async () => {
      s = await seeded(backend, DEMO_PATTERNS);
    }, 300_000);
    afterAll(async () => {
      await s?.db.dispose();
      if (s) rmSync(s.home, { recursive: true, force: true });
    });

    it('each planted pattern is diagnosed, with the products it was planted on', () => {
      // Each planted pattern has a diagnosis of the same name (relabeling also shows the platform team as help desk).
      expect(found(s.health)).toEqual(expect.arrayContaining([...DEMO_PATTERNS]));
      const of = (pattern: string) => s.health.diagnosis.find((f) => f.pattern === pattern)!.evidence;
      expect(of('relabeling').domains).toEqual(['finance', 'logistics', 'marketing']);
      expect(of('orphaned-products').domains).toEqual(['marketing']);
      expect(of('ownership-without-tooling').domains).toEqual(['finance']);
      expect(of('sla-breach-no-follow-up').domains).toEqual(['finance']);
    });

    it('a neglected product, availability: fresh from its last good run until its 5-day target ran out, over the window since its first good run (at most 30 days)', async () => {
      const finance = s.health.domains.find((d) => d.domain === 'finance')!;
      expect(finance.products).toHaveLength(4);
      for (const p of finance.products) {
        const good = (
          await s.db.registry.db
            .selectFrom('pipeline_runs')
            .select('finished_at')
            .where('product_id', '=', p.product)
            .where('status', '=', 'succeeded')
            .orderBy('finished_at')
            .execute()
        ).map((r) => Date.parse(String(r.finished_at)));
        const end = END.getTime();
        const windowStart = Math.max(end - 30 * DAY, good[0]);
        // Each good run keeps the product fresh for 5 days, or until the next good run.
        let fresh = 0;
        good.forEach((t, i) => {
          const until = Math.min(t + 5 * DAY, good[i + 1] ?? end, end);
          fresh += Math.max(0, until - Math.max(t, windowStart));
        });
        expect(p.windowDays).toBeCloseTo((end - windowStart) / DAY, 0);
        expect(p.availability).toBeCloseTo(fresh / (end - windowStart), 3);
        expect(p.availability!).toBeLessThan(p.objective!);
      }
      // Every finance product missed; the mesh's compliance counts them among the judged.
      const { judged, met } = s.health.mesh.slaCompliance;
      expect(judged).toBe(24);
      expect(met).toBeLessThanOrEqual(judged - 4);
    });

    it('the history was recorded at its simulated times, through the platform', async () => {
      const runs = await s.db.registry.db
        .selectFrom('pipeline_runs')
        .select(['started_at', 'steps'])
        .orderBy('started_at')
        .execute();
      expect(runs.length).toBe(s.summary.runs);
      expect(runs[0].started_at < '2026-09-23').toBe(true);
      expect(runs.at(-1)!.started_at < END.toISOString()).toBe(true);
      const steps = JSON.parse(runs.at(-1)!.steps) as Array<{ startedAt: string }>;
      expect(steps.length).toBeGreaterThan(0);
      for (const step of steps) expect(step.startedAt < END.toISOString()).toBe(true);
      const events = await s.db.registry.db
        .selectFrom('events')
        .select((eb) => eb.fn.max('time').as('last'))
        .executeTakeFirstOrThrow();
      expect(String(events.last) < END.toISOString()).toBe(true);
      expect(s.summary.failedRuns).toBeGreaterThan(0);
    });
  });

  describe(`healthy demo mesh, ${backend}`, () => {
    let s: { db: TestRegistry; home: string; summary: SeedDemoSummary; health: MeshHealth };
    beforeAll(async () => {
      s = await seeded(backend, []);
    }, 300_000);
    afterAll(async () => {
      await s?.db.dispose();
      if (s) rmSync(s.home, { recursive: true, force: true });
    });

    it('no failure pattern is reported', () => {
      expect(s.health.diagnosis).toEqual([]);
      expect(s.health.stale).toEqual([]);
    });

    it('NPS is the share of promoters minus detractors of the ratings given', async () => {
      const ratings = await listRatings(s.db.registry.db, {});
      expect(ratings.length).toBe(s.summary.ratings);
      const scores = ratings.map((r) => r.score);
      expect(scores.length).toBeGreaterThanOrEqual(5);
      const promoters = scores.filter((x) => x >= 9).length;
      const detractors = scores.filter((x) => x <= 6).length;
      expect(s.health.mesh.nps.ratings).toBe(scores.length);
      expect(s.health.mesh.nps.nps).toBeCloseTo((100 * (promoters - detractors)) / scores.length, 1);
    });
  });
}
