import type { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import type { Role } from '../server-api.js';
import { optionalString, readJsonObject, requiredString, stringArray } from './read-body.js';

export function identityRoutes(app: Hono<AppEnv>): void {
  app.get('/v1/whoami', async (c) => c.json(await c.var.api.whoami()));
  app.get('/v1/teams', async (c) => c.json(await c.var.api.listTeams()));
  app.post('/v1/teams', async (c) => {
    const body = await readJsonObject(c);
    return c.json(
      await c.var.api.createTeam({ name: requiredString(body, 'name'), domains: stringArray(body, 'domains') }),
      201,
    );
  });
  app.post('/v1/teams/:team/members', async (c) => {
    const body = await readJsonObject(c);
    return c.json(await c.var.api.addTeamMember(c.req.param('team'), requiredString(body, 'user')));
  });
  app.get('/v1/tokens', async (c) => c.json(await c.var.api.listTokens()));
  app.post('/v1/tokens', async (c) => {
    const body = await readJsonObject(c);
    const created = await c.var.api.createToken({
      user: requiredString(body, 'user'),
      role: requiredString(body, 'role') as Role,
      expiresAt: optionalString(body, 'expiresAt'),
      label: optionalString(body, 'label'),
    });
    c.header('Cache-Control', 'no-store');
    return c.json(created, 201);
  });
  app.delete('/v1/tokens/:id', async (c) => c.json(await c.var.api.revokeToken(c.req.param('id'))));
}
