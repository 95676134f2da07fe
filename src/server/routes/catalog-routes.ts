import type { Context, Hono } from 'hono';
import type { DescriptorBundle } from '../../platform/descriptor-bundle.js';
import type { AppEnv } from '../app-env.js';
import { cachedJson } from './json-body.js';
import { intQuery, optionalString, readJsonObject, requiredString } from './read-body.js';

export async function readBundle(c: Context): Promise<DescriptorBundle> {
  const body = await readJsonObject(c);
  return {
    file: optionalString(body, 'file') ?? 'product.yaml',
    yaml: requiredString(body, 'yaml'),
    transformSql: optionalString(body, 'transformSql'),
  };
}

export function catalogRoutes(app: Hono<AppEnv>): void {
  app.post('/v1/check', async (c) => c.json(await c.var.api.check(await readBundle(c))));
  app.post('/v1/products', async (c) => {
    const outcome = await c.var.api.publish(await readBundle(c));
    return c.json(outcome, outcome.status === 'created' ? 201 : 200);
  });
  app.get('/v1/products', async (c) =>
    cachedJson(
      c,
      await c.var.api.listProducts({
        domain: c.req.query('domain') || undefined,
        limit: intQuery(c, 'limit', { min: 1, max: 10_000 }),
        offset: intQuery(c, 'offset', { min: 0 }),
      }),
    ),
  );
  app.get('/v1/search', async (c) =>
    cachedJson(
      c,
      await c.var.api.searchProducts(c.req.query('q') ?? '', { limit: intQuery(c, 'limit', { min: 1, max: 200 }) }),
    ),
  );
  // `name` may carry the version: /v1/products/sales/orders@1.2.0/odcs
  app.get('/v1/products/:domain/:name/odcs', async (c) =>
    c.json(await c.var.api.exportStandard(`${c.req.param('domain')}/${c.req.param('name')}`, 'odcs')),
  );
  app.get('/v1/products/:domain/:name/odps', async (c) =>
    c.json(
      await c.var.api.exportStandard(`${c.req.param('domain')}/${c.req.param('name')}`, 'odps', {
        baseUrl: new URL(c.req.url).origin,
      }),
    ),
  );
  // `name` may carry the version: /v1/products/sales/orders@1.2.0
  app.get('/v1/products/:domain/:name', async (c) =>
    cachedJson(c, await c.var.api.showProduct(`${c.req.param('domain')}/${c.req.param('name')}`)),
  );
}
