/**
 * A real server on 127.0.0.1 with an ephemeral port, over a fresh test registry (SQLite or
 * PostgreSQL), with an admin token and a helper to mint tokens for other roles.
 */
import { tmpdir } from 'node:os';
import { PolicyEngine } from '../../src/governance/policy-engine.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import { createToken } from '../../src/registry/operations/identity/tokens.js';
import type { Registry } from '../../src/registry/registry.js';
import type { LogSink } from '../../src/core/json-log.js';
import type { Metrics } from '../../src/server/ops/metrics.js';
import type { BackgroundService } from '../../src/server/background-service.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import type { QueryGateOptions } from '../../src/query/query-gate.js';
import type { Role } from '../../src/server/server-api.js';
import { createTestRegistry, type BackendName, type TestRegistry } from './registries.js';

export interface TestServer {
  readonly url: string;
  readonly adminToken: string;
  readonly registry: Registry;
  readonly db: TestRegistry;
  readonly server: RunningServer;
  /** A token for `user` with `role`; members get a team owning `domains`. */
  token(user: string, role: Role, options?: { domains?: string[]; expiresAt?: string }): Promise<string>;
  close(): Promise<void>;
}

export async function startTestServer(
  backend: BackendName = 'sqlite',
  options: {
    log?: LogSink;
    maxBodyBytes?: number;
    background?: (registry: Registry, metrics: Metrics) => BackgroundService[];
    /** The environment the server's configuration comes from (default: this process's). */
    env?: NodeJS.ProcessEnv;
    /** The consumer-query concurrency limit (default: the server's). */
    queryGate?: QueryGateOptions;
    /** The server's MESH_MASKING_KEY (default: this process's). */
    maskingKey?: string;
  } = {},
): Promise<TestServer> {
  const db = await createTestRegistry(backend);
  // Built-in rules plus the policy sets applied through the API, as `mesh serve` without a policies/ folder.
  const platform = new LocalPlatform({
    registry: db.registry,
    // A server applies data roots to file inputs; by default every domain's is the temp folder tests write in.
    config: {
      ...configFromEnv({ MESH_DATA_ROOTS: `*=${tmpdir()}`, ...(options.env ?? process.env) }),
      actor: 'server',
    },
    governance: new PolicyEngine(),
    ...(options.maskingKey ? { maskingKey: options.maskingKey } : {}),
  });
  const server = await startServer({
    platform,
    host: '127.0.0.1',
    port: 0,
    log: options.log,
    maxBodyBytes: options.maxBodyBytes,
    background: options.background,
    queryGate: options.queryGate,
  });
  const admin = await createToken(db.registry, { user: 'root', role: 'admin', createdBy: 'test' });
  return {
    url: server.url,
    adminToken: admin.token,
    registry: db.registry,
    db,
    server,
    async token(user, role, opts = {}) {
      if (opts.domains?.length) {
        await createTeam(db.registry, { name: `${user}-team`, domains: opts.domains });
        await addTeamMember(db.registry, `${user}-team`, user);
      }
      return (await createToken(db.registry, { user, role, expiresAt: opts.expiresAt, createdBy: 'test' })).token;
    },
    async close() {
      await server.close();
      await db.dispose();
    },
  };
}
