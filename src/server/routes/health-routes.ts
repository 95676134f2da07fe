import type { Context, Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { HealthOptions } from '../health/health-records.js';
import { MAX_WEEKS } from '../health/compute-health.js';
import { intQuery } from './read-body.js';
import { InputError } from '../../core/errors.js';
import { checkThresholds } from '../health/health-thresholds.js';

/** `thresholds` travels as a JSON object in the query (a GET has no body). */
function thresholdsQuery(text: string | undefined): HealthOptions['thresholds'] {
  if (!text) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new InputError('query parameter thresholds must be a JSON object, e.g. {"relabelingShare":0.6}');
  }
  return checkThresholds(value);
}

/** Mesh health (not the liveness probe, /healthz): figures, trends, scorecards and the diagnosis. */
export function healthRoutes(app: Hono<AppEnv>): void {
  const options = (c: Context<AppEnv>): HealthOptions => ({
    now: c.req.query('now') || undefined,
    weeks: intQuery(c, 'weeks', { min: 0, max: MAX_WEEKS }),
    thresholds: thresholdsQuery(c.req.query('thresholds')),
  });
  app.get('/v1/health/mesh', async (c) =>
    c.json(await c.var.api.meshHealth({ ...options(c), domain: c.req.query('domain') || undefined })),
  );
  app.get('/v1/health/domains/:domain', async (c) =>
    c.json(await c.var.api.domainScorecard(c.req.param('domain'), options(c))),
  );
}
