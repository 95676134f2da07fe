/**
 * The mesh-health tests' two modes over a fresh registry: LocalPlatform with the caller's
 * scope, and a real server reached with HttpPlatform and the caller's token.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AccessScope } from '../../src/access/principal.js';
import { localScope } from '../../src/access/principal.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import type { MeshError } from '../../src/core/errors.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import type { MeshApi } from '../../src/platform/mesh-api.js';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import { createToken } from '../../src/registry/operations/identity/tokens.js';
import type { Registry } from '../../src/registry/registry.js';
import { HttpPlatform } from '../../src/server/client/http-platform.js';
import { LocalServerApi } from '../../src/server/local-server-api.js';
import type { Role, ServerApi } from '../../src/server/server-api.js';
import { createTestRegistry, type BackendName } from '../helpers/registries.js';
import { startTestServer } from '../helpers/test-server.js';

export interface Caller {
  readonly api: MeshApi;
  readonly server: ServerApi;
  readonly scope: AccessScope;
}

export interface Mode {
  readonly registry: Registry;
  readonly admin: Caller;
  as(user: string, role: Role): Promise<Caller>;
  close(): Promise<void>;
}

export type Team = { team: string; domains: string[]; members: string[] };

async function addTeams(registry: Registry, teams: readonly Team[]): Promise<void> {
  for (const t of teams) {
    await createTeam(registry, { name: t.team, domains: t.domains });
    for (const m of t.members) await addTeamMember(registry, t.team, m);
  }
}

/** This machine: the platform with the caller's scope, and the server API acting as them. */
function localCaller(platform: LocalPlatform, registry: Registry, user: string, role: Role): Caller {
  const server = new LocalServerApi(async () => registry, { user, role, domains: [] });
  return { api: platform, server, scope: role === 'admin' ? localScope(user) : { principal: { user, role } } };
}

export async function openMode(backend: BackendName, mode: 'local' | 'server', teams: readonly Team[]): Promise<Mode> {
  if (mode === 'local') {
    const db = await createTestRegistry(backend);
    const home = mkdtempSync(join(tmpdir(), 'mesh-health-'));
    const config = { ...configFromEnv({}, home), home, warehouseDir: join(home, 'warehouse'), actor: 'root' };
    const platform = new LocalPlatform({ registry: db.registry, config });
    await addTeams(db.registry, teams);
    return {
      registry: db.registry,
      admin: localCaller(platform, db.registry, 'root', 'admin'),
      as: async (user, role) => localCaller(platform, db.registry, user, role),
      close: async () => {
        await platform.close();
        await db.dispose();
        rmSync(home, { recursive: true, force: true });
      },
    };
  }
  const t = await startTestServer(backend);
  await addTeams(t.registry, teams);
  const client = (token: string): Caller => {
    const http = new HttpPlatform({ baseUrl: t.url, token });
    return { api: http, server: http, scope: { principal: { user: 'token', role: 'consumer' } } };
  };
  return {
    registry: t.registry,
    admin: client(t.adminToken),
    as: async (user, role) => client((await createToken(t.registry, { user, role, createdBy: 'test' })).token),
    close: () => t.close(),
  };
}

export async function refusal(promise: Promise<unknown>): Promise<MeshError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as MeshError,
  );
  if (!error) throw new Error('expected a refusal, the call succeeded');
  return error;
}
