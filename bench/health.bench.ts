/**
 * Mesh health speed over a realistic history: 30 domains, 300 products published through the
 * platform, then 180 days of daily runs (some failing), their good-publication events, incidents,
 * and ratings written into the registry with their past times (see below why). Targets
 * from issue 17: the full report (26 weekly points, every scorecard, the diagnosis) ≤ 2 s and a
 * scorecard ≤ 100 ms, on SQLite and PostgreSQL. The baseline of the same run is reading the
 * history alone (the report's queries), printed as a ratio.
 *
 * Why rows and not the demo generator (src/server/demo, `npm run seed:demo`), which builds such a
 * history through the platform at simulated times: a real run takes 0.1–0.3 s here, so at its
 * default cadence (a run every 28 days, 1,850 runs) the full size took 3.6 min on SQLite with the
 * machine quiet (8.8 min with it shared, at a 30-day cadence), and PostgreSQL runs are about twice as slow: past the
 * ~5 minutes for both registries this bench may spend seeding; daily runs would take hours. The
 * generator's histories are asserted in test/health/demo-seed.test.ts instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv } from '../src/core/mesh-config.js';
import { LocalPlatform } from '../src/platform/local-platform.js';
import { loadHealthHistory } from '../src/registry/operations/health/health-history.js';
import { addTeamMember, createTeam } from '../src/registry/operations/identity/teams.js';
import { saveRating } from '../src/registry/operations/ratings/save-rating.js';
import { openRegistry, type Registry } from '../src/registry/registry.js';
import { LocalServerApi } from '../src/server/local-server-api.js';
import { productBundle } from '../test/helpers/products.js';
import { createTestDatabase } from '../test/helpers/registries.js';
import type { BenchReport } from './bench-report.js';

const DOMAINS = 30;
const PER_DOMAIN = 10;
const DAYS = 180;
const DAY = 86_400_000;

export async function bench(report: BenchReport): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-bench-health-'));
  try {
    const sqlite = await openRegistry({ sqlitePath: join(dir, 'registry.sqlite') });
    await healthBench(report, sqlite, 'sqlite', dir);
    await sqlite.close();
    const pg = await createTestDatabase('mesh_bench_health');
    const postgres = await openRegistry({ url: pg.url });
    try {
      await healthBench(report, postgres, 'postgres', dir);
    } finally {
      await postgres.close();
      await pg.drop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function healthBench(report: BenchReport, registry: Registry, label: string, dir: string): Promise<void> {
  const now = Date.now();
  const started = performance.now();
  await seed(registry, dir, now);
  report.note(
    `${label}: seeded ${DOMAINS * PER_DOMAIN} products and ${DAYS} days of history in ${Math.round((performance.now() - started) / 1000)} s`,
  );
  const api = new LocalServerApi(async () => registry, { user: 'bench', role: 'admin', domains: [] });
  const since = new Date(now - (26 * 7 + 31) * DAY).toISOString();
  const load = await best(() => loadHealthHistory(registry, since));
  const full = await best(() => api.meshHealth({ weeks: 26 }));
  const card = await best(() => api.domainScorecard('domain-7', { weeks: 12 }));
  report.metric(`${label}: reading the history (baseline)`, load, 'ms');
  report.metric(`${label}: full health report, 26 weekly points`, full, 'ms', { max: 2000 });
  report.metric(`${label}: full report / reading the history`, full / load, '×');
  report.metric(`${label}: one domain scorecard, 12 weekly points`, card, 'ms', { max: 100 });
}

/** The best of three timings, in ms (the first also warms the caches). */
async function best(fn: () => Promise<unknown>): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return Math.round(min * 10) / 10;
}

async function seed(registry: Registry, dir: string, now: number): Promise<void> {
  const home = join(dir, `home-${registry.dialect}`);
  const platform = new LocalPlatform({ registry, config: { ...configFromEnv({}, home), home, actor: 'bench' } });
  for (let d = 0; d < DOMAINS; d++) {
    await createTeam(registry, { name: `team-${d}`, domains: [`domain-${d}`] });
    if (d % 7 !== 0) await addTeamMember(registry, `team-${d}`, `user-${d}`);
    for (let p = 0; p < PER_DOMAIN; p++)
      await platform.publish(
        productBundle({
          name: `product-${p}`,
          domain: `domain-${d}`,
          edit: (x) => {
            x.metadata.owner = d % 3 === 0 ? 'platform@company.com' : `domain-${d}@company.com`;
            x.spec.access = { default: 'deny', allow: [{ team: `team-${(d + 1) % DOMAINS}` }] };
          },
        }),
      );
  }
  const start = new Date(now - DAYS * DAY).toISOString();
  await registry.db.updateTable('product_versions').set({ published_at: start }).execute();
  await registry.db.updateTable('products').set({ created_at: start }).execute();
  await registry.db.updateTable('grants').set({ granted_at: start }).execute();
  await seedRuns(registry, now);
  for (let d = 0; d < DOMAINS; d++)
    for (let p = 0; p < PER_DOMAIN; p += 3)
      await saveRating(registry, {
        product: `domain-${d}/product-${p}`,
        team: `team-${(d + 1) % DOMAINS}`,
        score: (d * 7 + p) % 11,
        comment: null,
        ratedBy: 'bench',
        ratedAt: new Date(now - ((d * 13 + p) % 170) * DAY).toISOString(),
      });
}

/** A daily run per product for 180 days; every 13th fails; an incident for each failure, some never acknowledged. */
async function seedRuns(registry: Registry, now: number): Promise<void> {
  for (let d = 0; d < DOMAINS; d++) {
    const runs = [];
    const events = [];
    const incidents = [];
    for (let p = 0; p < PER_DOMAIN; p++) {
      const product = `domain-${d}/product-${p}`;
      for (let day = DAYS; day > 0; day--) {
        const at = now - day * DAY + 6 * 3_600_000;
        const failed = (day + p + d) % 13 === 0;
        const id = `run-${d}-${p}-${day}`;
        const startedAt = new Date(at).toISOString();
        const finishedAt = new Date(at + 60_000).toISOString();
        runs.push({
          id,
          product_id: product,
          version: '1.0.0',
          trigger: 'schedule',
          status: failed ? 'failed' : 'succeeded',
          started_at: startedAt,
          finished_at: finishedAt,
          snapshot_id: failed ? null : `snap-${id}`,
          rows_out: failed ? null : 100,
          steps: '[]',
          inputs: '[]',
          error: failed ? 'source unavailable' : null,
          actor: 'meshwork:scheduler',
        });
        if (!failed)
          events.push({
            type: 'run.succeeded',
            subject: product,
            data: JSON.stringify({ runId: id, finishedAt }),
            actor: null,
            time: finishedAt,
          });
        else
          incidents.push({
            id: `inc-${id}`,
            product_id: product,
            open_for: null,
            status: 'resolved',
            kind: 'freshness',
            summary: 'late',
            oncall: null,
            opened_at: finishedAt,
            acknowledged_at: p % 4 === 0 ? null : new Date(at + 30 * 60_000).toISOString(),
            acknowledged_by: p % 4 === 0 ? null : 'oncall',
            resolved_at: new Date(at + DAY / 2).toISOString(),
            resolved_by: 'oncall',
          });
      }
    }
    for (let i = 0; i < runs.length; i += 500)
      await registry.db
        .insertInto('pipeline_runs')
        .values(runs.slice(i, i + 500))
        .execute();
    for (let i = 0; i < events.length; i += 500)
      await registry.db
        .insertInto('events')
        .values(events.slice(i, i + 500))
        .execute();
    for (let i = 0; i < incidents.length; i += 500)
      await registry.db
        .insertInto('incidents')
        .values(incidents.slice(i, i + 500))
        .execute();
  }
}
