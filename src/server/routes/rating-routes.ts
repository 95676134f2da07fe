import type { Context, Hono } from 'hono';
import { InputError } from '../../core/errors.js';
import type { AppEnv } from '../app-env.js';
import { callerScope } from './access-routes.js';
import { optionalString, readJsonObject, requiredString } from './read-body.js';

const product = (c: Context<AppEnv>) => `${c.req.param('domain')}/${c.req.param('name')}`;
const query = (c: Context<AppEnv>, key: string) => c.req.query(key) || undefined;

/** Consumer ratings of products, their NPS, and domains (owning team, core flag). */
export function ratingRoutes(app: Hono<AppEnv>): void {
  app.post('/v1/products/:domain/:name/ratings', async (c) => {
    const body = await readJsonObject(c);
    if (typeof body.score !== 'number') throw new InputError('"score" must be a number from 0 to 10');
    const saved = await c.var.api.rateProduct(callerScope(c, optionalString(body, 'as')), {
      product: product(c),
      team: requiredString(body, 'team'),
      score: body.score,
      comment: optionalString(body, 'comment'),
    });
    return c.json(saved, saved.replaced ? 200 : 201);
  });
  app.get('/v1/products/:domain/:name/ratings', async (c) =>
    c.json(await c.var.api.listRatings({ product: product(c), team: query(c, 'team'), quarter: query(c, 'quarter') })),
  );
  app.get('/v1/ratings', async (c) =>
    c.json(
      await c.var.api.listRatings({
        domain: query(c, 'domain'),
        team: query(c, 'team'),
        quarter: query(c, 'quarter'),
      }),
    ),
  );
  app.post('/v1/ratings/:id/answer', async (c) => {
    const body = await readJsonObject(c);
    return c.json(
      await c.var.api.answerRating(
        callerScope(c, optionalString(body, 'as')),
        c.req.param('id'),
        requiredString(body, 'answer'),
      ),
    );
  });
  app.get('/v1/nps', async (c) =>
    c.json(
      await c.var.api.nps({ product: query(c, 'product'), domain: query(c, 'domain'), quarter: query(c, 'quarter') }),
    ),
  );
  app.get('/v1/domains', async (c) => c.json(await c.var.api.listDomains()));
  app.get('/v1/domains/:name', async (c) => c.json(await c.var.api.showDomain(c.req.param('name'))));
  app.put('/v1/domains/:name', async (c) => {
    const body = await readJsonObject(c);
    if (body.core !== undefined && typeof body.core !== 'boolean') throw new InputError('"core" must be true or false');
    return c.json(
      await c.var.api.setDomain(callerScope(c, optionalString(body, 'as')), c.req.param('name'), {
        ownerTeam: optionalString(body, 'ownerTeam'),
        core: body.core as boolean | undefined,
        description: optionalString(body, 'description'),
      }),
    );
  });
}
