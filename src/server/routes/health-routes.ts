import type { Context, Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { HealthOptions } from '../health/health-records.js';
import { MAX_WEEKS } from '../health/compute-health.js';
import { intQuery } from './read-body.js';

/** Mesh health (not the liveness probe, /healthz): figures, trends, scorecards and the diagnosis. */
export function healthRoutes(app: Hono<AppEnv>): void {
  const options = (c: Context<AppEnv>): HealthOptions => ({
    now: c.req.query('now') || undefined,
    weeks: intQuery(c, 'weeks', { min: 0, max: MAX_WEEKS }),
  });
  app.get('/v1/health/mesh', async (c) =>
    c.json(await c.var.api.meshHealth({ ...options(c), domain: c.req.query('domain') || undefined })),
  );
  app.get('/v1/health/domains/:domain', async (c) =>
    c.json(await c.var.api.domainScorecard(c.req.param('domain'), options(c))),
  );
}
