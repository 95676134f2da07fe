import type { Context, Hono } from 'hono';
import { InputError } from '../../core/errors.js';
import type { DescriptorBundle } from '../../platform/descriptor-bundle.js';
import { FACETS, type SearchOptions } from '../../registry/operations/products/search-products.js';
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

/** ?q=&domain=&tag=…&limit=&cursor=&typos=false: a facet may be repeated (any of its values). */
function searchQuery(c: Context): SearchOptions {
  const filters: Record<string, string[]> = {};
  for (const facet of FACETS) {
    const values = c.req.queries(facet)?.filter((v) => v !== '');
    if (values?.length) filters[facet] = values;
  }
  const typos = c.req.query('typos');
  if (typos !== undefined && typos !== 'true' && typos !== 'false')
    throw new InputError('query parameter typos must be true or false');
  return {
    ...filters,
    limit: intQuery(c, 'limit', { min: 1, max: 200 }),
    cursor: c.req.query('cursor') || undefined,
    typos: typos === 'false' ? false : undefined,
  };
}

export function catalogRoutes(app: Hono<AppEnv>): void {
  app.post('/v1/check', async (c) =>
    c.json(await c.var.api.check(await readBundle(c), { draft: c.req.query('draft') === 'true' })),
  );
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
  app.get('/v1/catalog/search', async (c) =>
    cachedJson(c, await c.var.api.searchProducts(c.req.query('q') ?? '', searchQuery(c))),
  );
  // The first API's search: the same search, its hits only.
  app.get('/v1/search', async (c) =>
    cachedJson(c, (await c.var.api.searchProducts(c.req.query('q') ?? '', searchQuery(c))).hits),
  );
  // `name` may carry the version: /v1/products/sales/orders@1.2.0/odcs
  app.get('/v1/products/:domain/:name/odcs', async (c) =>
    c.json(await c.var.api.exportStandard(`${c.req.param('domain')}/${c.req.param('name')}`, 'odcs')),
  );
  app.get('/v1/products/:domain/:name/changes', async (c) =>
    c.json(await c.var.api.versionChanges(`${c.req.param('domain')}/${c.req.param('name')}`)),
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
