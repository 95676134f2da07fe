import type { Hono } from 'hono';
import { InputError } from '../../core/errors.js';
import type { LineageDirection } from '../../lineage/lineage-graph-types.js';
import type { AppEnv } from '../app-env.js';
import { intQuery } from './read-body.js';

export function lineageRoutes(app: Hono<AppEnv>): void {
  // A RunEvent as Marquez accepts it (POST /api/v1/lineage), or an array of them.
  app.post('/v1/lineage/events', async (c) => {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      throw new InputError('the request body is not valid JSON');
    }
    return c.json(await c.var.api.ingestLineageEvents(body), 201);
  });
  // ?product=domain/name&direction=&depth=&columns=true&limit=&cursor=
  app.get('/v1/lineage', async (c) => {
    const product = c.req.query('product');
    if (!product) throw new InputError('query parameter product is required (domain/name)');
    const columns = c.req.query('columns');
    if (columns !== undefined && columns !== 'true' && columns !== 'false')
      throw new InputError('query parameter columns must be true or false');
    return c.json(
      await c.var.api.lineage(product, {
        direction: (c.req.query('direction') || undefined) as LineageDirection | undefined,
        depth: intQuery(c, 'depth', { min: 1, max: 10 }),
        columns: columns === 'true',
        limit: intQuery(c, 'limit', { min: 1, max: 1000 }),
        cursor: c.req.query('cursor') || undefined,
      }),
    );
  });
}
