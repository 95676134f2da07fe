/**
 * `mesh serve` in one process: the HTTP API, the scheduler, the freshness monitor and the
 * webhook dispatcher over one registry. Shutdown (SIGTERM/SIGINT or close()) stops accepting,
 * lets in-flight requests finish, stops the background loops (a running scheduled run
 * finishes or, on PostgreSQL, goes back to the queue) and closes the registry.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { UnavailableError } from '../core/errors.js';
import { LocalPlatform } from '../platform/local-platform.js';
import { authenticateToken } from '../registry/operations/identity/tokens.js';
import { pingRegistry, type Registry } from '../registry/registry.js';
import { createApp } from './app.js';
import { AuthorizedPlatform } from './auth/authorized-platform.js';
import { CachedCatalog, CatalogCache } from './catalog-cache.js';
import { isUnavailable } from './http-errors.js';
import { LocalServerApi } from './local-server-api.js';
import { silentLog, type LogSink } from '../core/json-log.js';
import { Metrics } from './ops/metrics.js';
import type { Principal } from './server-api.js';
import type { BackgroundService } from './background-service.js';
import type { QueryGateOptions } from '../query/query-gate.js';
import { queryCapacity as newQueryCapacity } from '../query/query-service.js';

/**
 * Consumer queries at once per server: each holds a thread of libuv's pool (4 by default) while
 * the engine runs it, so one is kept free for file I/O; past a short queue, "busy, retry".
 */
export const DEFAULT_QUERY_GATE: QueryGateOptions = { running: 3, queued: 32, waitMs: 10_000 };

/** /readyz fails when the registry does not answer within this (a load balancer then takes the replica out). */
const READY_TIMEOUT_MS = 1_000;

export interface StartServerOptions {
  /** The platform to serve: its registry, governance and configuration. */
  readonly platform: LocalPlatform;
  readonly host?: string;
  readonly port?: number;
  readonly log?: LogSink;
  readonly metrics?: Metrics;
  readonly maxBodyBytes?: number;
  /** Serve catalog reads from an in-process cache (default true); see catalog-cache.ts for the consistency rules. */
  readonly cache?: boolean;
  /** How many consumer queries run at once and wait (default DEFAULT_QUERY_GATE, or MESH_QUERY_CONCURRENCY running). */
  readonly queryGate?: QueryGateOptions;
  /** Built once the registry is open; started after the API listens, stopped before it closes. */
  readonly background?: (registry: Registry, metrics: Metrics) => BackgroundService[];
}

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly registry: Registry;
  readonly metrics: Metrics;
  close(): Promise<void>;
}

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const base = options.platform;
  // A server runs many domains' products in its own environment: their grants and data roots always apply.
  base.enterServerMode();
  const registry = await base.registry();
  const log = options.log ?? silentLog;
  const metrics = options.metrics ?? new Metrics();
  let draining = false;
  metrics.gauge('mesh_incidents_open', 'Incidents not yet resolved', async () => {
    const rows = await registry.db
      .selectFrom('incidents')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', '!=', 'resolved')
      .groupBy('status')
      .execute();
    return rows.map((r) => ({ labels: { status: r.status }, value: Number(r.n) }));
  });
  metrics.gauge('mesh_products', 'Products in the catalog', async () => {
    const row = await registry.db
      .selectFrom('products')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return [{ value: Number(row?.n ?? 0) }];
  });

  const queryCapacity = newQueryCapacity(options.queryGate ?? queryGateFromEnv(process.env));
  const cache = options.cache === false ? undefined : new CatalogCache(registry);
  await cache?.start();
  const platformFor = (principal: Principal) => {
    // One PoliciesInForce for every request: the engine is built once and rebuilt when the stored sets change.
    const local = new LocalPlatform({
      registry,
      config: { ...base.config, actor: principal.user },
      governance: base.governance,
      policies: base.policies,
      maskingKey: base.maskingKey,
      requireMaskingKey: true,
      queryCapacity,
    });
    return new AuthorizedPlatform(
      principal,
      cache ? new CachedCatalog(cache, local) : local,
      new LocalServerApi(async () => registry, principal),
    );
  };
  const app = createApp({
    authenticate: async (secret) => {
      try {
        return await authenticateToken(registry, secret);
      } catch (error) {
        if (isUnavailable(error))
          throw new UnavailableError('the registry is unavailable right now; retry shortly', { cause: error });
        throw error;
      }
    },
    platformFor,
    ready: async () => {
      try {
        await pingRegistry(registry, READY_TIMEOUT_MS);
      } catch (error) {
        throw new UnavailableError('the registry is not reachable', { cause: error });
      }
    },
    metrics,
    log,
    maxBodyBytes: options.maxBodyBytes,
    draining: () => draining,
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: options.host ?? '127.0.0.1', port: options.port ?? 8080 }, () =>
      resolve(s as Server),
    ) as Server;
    s.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  const background = options.background?.(registry, metrics) ?? [];
  for (const service of background) await service.start();
  log({ msg: 'listening', url, registry: registry.dialect, background: background.map((b) => b.name) });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Keep-alive clients that never go idle get a grace period, then are cut.
      const force = setTimeout(() => server.closeAllConnections(), 10_000);
      force.unref();
      for (const service of [...background].reverse())
        await service
          .stop()
          .catch((error) =>
            log({ level: 'error', msg: `stopping ${service.name} failed`, error: (error as Error).message }),
          );
      await closed;
      clearTimeout(force);
      await cache?.stop();
      await queryCapacity.close();
      await base.close();
      log({ msg: 'stopped' });
    })());
  return { url, port: address.port, registry, metrics, close };
}

function queryGateFromEnv(env: NodeJS.ProcessEnv): QueryGateOptions {
  const running = Number(env.MESH_QUERY_CONCURRENCY);
  return Number.isInteger(running) && running > 0 ? { ...DEFAULT_QUERY_GATE, running } : DEFAULT_QUERY_GATE;
}

/** Stops the server on SIGTERM/SIGINT; a second signal exits at once. */
export function closeOnSignals(server: RunningServer, log: LogSink): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const onSignal = (signal: string) => {
      if (stopping) process.exit(130);
      stopping = true;
      log({ msg: 'shutting down', signal });
      void server.close().then(resolve);
    };
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
}
