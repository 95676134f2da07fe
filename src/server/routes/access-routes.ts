import type { Context, Hono } from 'hono';
import { InputError } from '../../core/errors.js';
import { DATA_FORMATS, type DataFormat } from '../../access/access-api.js';
import type { AccessScope } from '../../access/principal.js';
import type { AppEnv } from '../app-env.js';
import { intQuery, optionalString, readJsonObject, requiredString } from './read-body.js';

/** The caller as the token says (AuthorizedPlatform rebuilds it anyway); `as` only narrows it to one of their teams. */
export function callerScope(c: Context<AppEnv>, asTeam: string | undefined): AccessScope {
  const p = c.var.principal;
  return { principal: { user: p.user, role: p.role }, asTeam: asTeam || undefined };
}

function dataFormat(text: string | undefined): DataFormat {
  const format = text || 'parquet';
  if (!(DATA_FORMATS as readonly string[]).includes(format))
    throw new InputError(`unknown format "${format}"; choose ${DATA_FORMATS.join(', ')}`);
  return format as DataFormat;
}

/** Access requests, grants, the audit log, and the snapshot download (the data, guarded). */
export function accessRoutes(app: Hono<AppEnv>): void {
  app.post('/v1/access/requests', async (c) => {
    const body = await readJsonObject(c);
    const pii = body.pii;
    if (pii !== undefined && typeof pii !== 'boolean') throw new InputError('"pii" must be true or false');
    const outcome = await c.var.api.requestAccess(callerScope(c, optionalString(body, 'as')), {
      product: requiredString(body, 'product'),
      team: requiredString(body, 'team'),
      purpose: requiredString(body, 'purpose'),
      pii: pii === true,
      expires: optionalString(body, 'expires'),
    });
    return c.json(outcome, 201);
  });
  for (const verb of ['approve', 'deny'] as const)
    app.post(`/v1/access/requests/:id/${verb}`, async (c) => {
      const body = await readJsonObject(c);
      return c.json(
        await c.var.api.decideAccess(callerScope(c, optionalString(body, 'as')), c.req.param('id'), {
          approve: verb === 'approve',
          reason: optionalString(body, 'reason'),
        }),
      );
    });
  app.delete('/v1/access/grants/:id', async (c) =>
    c.json(await c.var.api.revokeGrant(callerScope(c, c.req.query('as')), c.req.param('id'))),
  );
  app.get('/v1/access', async (c) =>
    c.json(
      await c.var.api.listAccess({
        product: c.req.query('product') || undefined,
        team: c.req.query('team') || undefined,
        pending: c.req.query('pending') === 'true',
      }),
    ),
  );
  app.get('/v1/access/log', async (c) =>
    c.json(
      await c.var.api.accessLog(callerScope(c, c.req.query('as')), {
        product: c.req.query('product') || undefined,
        team: c.req.query('team') || undefined,
        since: c.req.query('since') || undefined,
        limit: intQuery(c, 'limit', { min: 1, max: 5000 }),
      }),
    ),
  );
  // `name` may carry the major: /v1/products/sales/orders@1/data
  app.get('/v1/products/:domain/:name/data', async (c) => {
    const exported = await c.var.api.exportData(
      callerScope(c, c.req.query('as')),
      `${c.req.param('domain')}/${c.req.param('name')}`,
      { format: dataFormat(c.req.query('format')) },
    );
    return c.body(exported.body, 200, {
      'content-type': exported.contentType,
      'content-disposition': `attachment; filename="${exported.product.replace('/', '-')}-v${exported.major}.${exported.format}"`,
      'x-mesh-product': exported.product,
      'x-mesh-major': String(exported.major),
      'x-mesh-snapshot': exported.snapshotId,
      'x-mesh-rows': String(exported.rows),
      'x-mesh-masked-columns': exported.maskedColumns.join(','),
      'x-mesh-pii-cleared': String(exported.piiCleared),
    });
  });
}
