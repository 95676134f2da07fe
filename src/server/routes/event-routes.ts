import type { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import { toCloudEvent } from '../webhooks/cloud-event.js';
import { intQuery } from './read-body.js';

export function eventRoutes(app: Hono<AppEnv>): void {
  // A CloudEvents JSON batch; clients poll with ?after=<last id seen>.
  app.get('/v1/events', async (c) => {
    const events = await c.var.api.listEvents({
      after: intQuery(c, 'after', { min: 0 }),
      subject: c.req.query('subject') || undefined,
      limit: intQuery(c, 'limit', { min: 1, max: 1000 }),
    });
    c.header('Content-Type', 'application/cloudevents-batch+json');
    return c.body(JSON.stringify(events.map((e) => toCloudEvent(e))));
  });
}
