import type { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { IncidentStatus } from '../server-api.js';

export function monitorRoutes(app: Hono<AppEnv>): void {
  app.get('/v1/products/:domain/:name/sla', async (c) =>
    c.json(await c.var.api.productSla(`${c.req.param('domain')}/${c.req.param('name')}`)),
  );
  app.get('/v1/incidents', async (c) =>
    c.json(
      await c.var.api.listIncidents({
        status: (c.req.query('status') || undefined) as IncidentStatus | undefined,
        product: c.req.query('product') || undefined,
      }),
    ),
  );
  app.get('/v1/incidents/:id', async (c) => c.json(await c.var.api.getIncident(c.req.param('id'))));
  app.post('/v1/incidents/:id/ack', async (c) => c.json(await c.var.api.acknowledgeIncident(c.req.param('id'))));
  app.post('/v1/incidents/:id/resolve', async (c) => c.json(await c.var.api.resolveIncident(c.req.param('id'))));
}
