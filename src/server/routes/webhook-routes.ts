import type { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { WebhookFormat } from '../server-api.js';
import { optionalString, readJsonObject, requiredString, stringArray } from './read-body.js';

export function webhookRoutes(app: Hono<AppEnv>): void {
  app.get('/v1/webhooks', async (c) => c.json(await c.var.api.listWebhooks()));
  app.post('/v1/webhooks', async (c) => {
    const body = await readJsonObject(c);
    return c.json(
      await c.var.api.addWebhook({
        url: requiredString(body, 'url'),
        types: stringArray(body, 'types'),
        format: optionalString(body, 'format') as WebhookFormat | undefined,
        domains: stringArray(body, 'domains'),
      }),
      201,
    );
  });
  app.delete('/v1/webhooks/:id', async (c) => {
    await c.var.api.removeWebhook(c.req.param('id'));
    return c.body(null, 204);
  });
  app.get('/v1/webhooks/:id/deliveries', async (c) => c.json(await c.var.api.listDeliveries(c.req.param('id'))));
}
