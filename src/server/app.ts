/**
 * The HTTP API: a Hono app over the platform. Handlers only translate HTTP to MeshApi /
 * ServerApi calls; authentication happens once in a middleware, authorization in the
 * AuthorizedPlatform the middleware hands out, and errors become responses in http-errors.ts.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { TooLargeError, UnauthenticatedError, UnavailableError } from '../core/errors.js';
import type { AppEnv, ServerPlatform } from './app-env.js';
import { errorResponse, toMeshError } from './http-errors.js';
import { openApiDocument } from './openapi.js';
import type { Metrics } from './ops/metrics.js';
import { accessRoutes } from './routes/access-routes.js';
import { catalogRoutes } from './routes/catalog-routes.js';
import { eventRoutes } from './routes/event-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { identityRoutes } from './routes/identity-routes.js';
import { lineageRoutes } from './routes/lineage-routes.js';
import { monitorRoutes } from './routes/monitor-routes.js';
import { policyRoutes } from './routes/policy-routes.js';
import { ratingRoutes } from './routes/rating-routes.js';
import { queryRoutes } from './routes/query-routes.js';
import { runRoutes } from './routes/run-routes.js';
import { sourceRoutes } from './routes/source-routes.js';
import { webhookRoutes } from './routes/webhook-routes.js';
import { webCatalogRoutes } from './web-catalog.js';
import type { Principal } from './server-api.js';

export const DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface AppOptions {
  /** The principal behind a bearer secret; undefined for unknown, expired or revoked tokens. */
  authenticate(secret: string): Promise<Principal | undefined>;
  /** The platform as the caller may use it (AuthorizedPlatform around the real one). */
  platformFor(principal: Principal): ServerPlatform;
  /** Throws when the registry cannot be reached (for /readyz). */
  ready(): Promise<void>;
  readonly metrics: Metrics;
  /** One JSON object per request; never given tokens or connection strings. */
  readonly log?: (entry: Record<string, unknown>) => void;
  readonly maxBodyBytes?: number;
  /** True once shutdown has begun: /readyz fails so load balancers stop sending traffic. */
  readonly draining?: () => boolean;
}

export function createApp(options: AppOptions): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath || 'unmatched';
    options.metrics.requests.inc({ method: c.req.method, route, status: String(c.res.status) });
    options.metrics.latency.observe({ method: c.req.method, route }, seconds);
    options.log?.({
      time: new Date().toISOString(),
      level: 'info',
      msg: 'request',
      method: c.req.method,
      path: c.req.path,
      route,
      status: c.res.status,
      durationMs: Math.round(seconds * 10_000) / 10,
      user: c.var.principal?.user,
    });
  });
  const limitBody = bodyLimit({
    maxSize: maxBody,
    onError: (c) => errorResponse(c, new TooLargeError(`the request body is larger than ${maxBody} bytes`)),
  });
  // Only where a body is read: asking a GET for its body makes the Node adapter build a full Request for nothing.
  app.use('*', (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : limitBody(c, next)));

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    if (options.draining?.()) throw new UnavailableError('shutting down');
    await options.ready();
    return c.json({ status: 'ready' });
  });
  app.get('/metrics', async (c) => {
    c.header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
    return c.body(await options.metrics.expose());
  });
  app.get('/openapi.json', (c) => c.json(openApiDocument()));
  webCatalogRoutes(app);

  app.use('/v1/*', async (c, next) => {
    const header = c.req.header('authorization');
    const match = header && /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match)
      throw new UnauthenticatedError('missing bearer token: send Authorization: Bearer <token>', {
        details: { hint: 'set MESH_TOKEN (mesh token create, or mesh admin init for the first one)' },
      });
    const principal = await options.authenticate(match[1]);
    if (!principal) throw new UnauthenticatedError('invalid, expired or revoked token');
    c.set('principal', principal);
    c.set('api', options.platformFor(principal));
    await next();
  });
  catalogRoutes(app);
  eventRoutes(app);
  identityRoutes(app);
  monitorRoutes(app);
  policyRoutes(app);
  runRoutes(app);
  sourceRoutes(app);
  webhookRoutes(app);
  accessRoutes(app);
  lineageRoutes(app);
  ratingRoutes(app);
  healthRoutes(app);
  queryRoutes(app);

  app.notFound((c) => c.json({ error: { kind: 'not-found', message: `no route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => {
    // Unexpected failures are answered with a bare 500; the details go to the log for the operator.
    if (toMeshError(error).kind === 'internal')
      options.log?.({
        level: 'error',
        msg: 'internal error',
        method: c.req.method,
        path: c.req.path,
        error: (error as Error)?.message,
        stack: (error as Error)?.stack,
      });
    return errorResponse(c, error);
  });
  return app;
}
