import type { Hono } from 'hono';
import type { AppEnv } from '../app-env.js';
import { readBundle } from './catalog-routes.js';
import { optionalString, readJsonObject, requiredString } from './read-body.js';

/** Governance over HTTP: the rules in force, policy sets stored in the registry, diffs and version retirement. */
export function policyRoutes(app: Hono<AppEnv>): void {
  app.get('/v1/policies', async (c) =>
    c.json(
      await c.var.api.listPolicies({
        product: c.req.query('product') || undefined,
        domain: c.req.query('domain') || undefined,
      }),
    ),
  );
  app.get('/v1/governance/refusals', async (c) =>
    c.json(await c.var.api.listGovernanceRefusals({ domain: c.req.query('domain') || undefined })),
  );
  app.put('/v1/policy-sets/:name', async (c) => {
    const body = await readJsonObject(c);
    const outcome = await c.var.api.applyPolicySet(
      { file: optionalString(body, 'file') ?? `${c.req.param('name')}.yaml`, yaml: requiredString(body, 'yaml') },
      { name: c.req.param('name') },
    );
    return c.json(outcome, outcome.status === 'created' ? 201 : 200);
  });
  app.delete('/v1/policy-sets/:name', async (c) => c.json(await c.var.api.removePolicySet(c.req.param('name'))));
  app.post('/v1/diff', async (c) => {
    const bundle = await readBundle(c);
    // The body was read (and cached by Hono) by readBundle; `against` rides along with the bundle.
    const against = optionalString(await readJsonObject(c), 'against');
    return c.json(await c.var.api.diff(bundle, { against }));
  });
  app.post('/v1/versions/retire-expired', async (c) => {
    // An empty body means "now".
    const text = await c.req.text();
    let now: string | undefined;
    if (text.trim()) {
      const body = await readJsonObject(c);
      now = optionalString(body, 'now');
    }
    return c.json(await c.var.api.retireExpiredVersions({ now }));
  });
}
