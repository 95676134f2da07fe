import type { Hono } from 'hono';
import type { DatabaseSourceType } from '../../runner/extract/describe-source.js';
import type { AppEnv } from '../app-env.js';
import { readJsonObject, requiredString } from './read-body.js';

/** Sources over HTTP: a database source's columns, proposed for a new product's descriptor. */
export function sourceRoutes(app: Hono<AppEnv>): void {
  app.post('/v1/sources/describe', async (c) => {
    const body = await readJsonObject(c);
    return c.json(
      await c.var.api.describeSource({
        domain: requiredString(body, 'domain'),
        // Checked by the platform, with the other fields' values.
        type: requiredString(body, 'type') as DatabaseSourceType,
        connectionEnv: requiredString(body, 'connectionEnv'),
        query: requiredString(body, 'query'),
      }),
    );
  });
}
