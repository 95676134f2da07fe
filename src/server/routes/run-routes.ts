import type { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import { readBundle } from './catalog-routes.js';
import { callerScope } from './access-routes.js';
import { intQuery } from './read-body.js';

/** Pipeline runs over HTTP: start one, read the history and the check results. */
export function runRoutes(app: Hono<AppEnv>): void {
  const ref = (c: { req: { param(name: string): string } }) => `${c.req.param('domain')}/${c.req.param('name')}`;
  // A failed run is still a recorded run: 200 with status failed; 201 when it published.
  app.post('/v1/products/:domain/:name/runs', async (c) => {
    const outcome = await c.var.api.runProduct(ref(c));
    return c.json(outcome, outcome.status === 'succeeded' ? 201 : 200);
  });
  app.get('/v1/products/:domain/:name/runs', async (c) =>
    c.json(await c.var.api.listRuns(ref(c), { limit: intQuery(c, 'limit', { min: 1, max: 1000 }) })),
  );
  app.get('/v1/products/:domain/:name/checks', async (c) =>
    c.json(
      await c.var.api.listCheckResults(ref(c), {
        runs: intQuery(c, 'runs', { min: 1, max: 100 }),
        scope: callerScope(c, c.req.query('as')),
      }),
    ),
  );
  app.post('/v1/dry-runs', async (c) => c.json(await c.var.api.dryRun(await readBundle(c))));
}
