/**
 * Two server replicas over one PostgreSQL registry: a policy set applied through one is
 * enforced by the other on its next check (the replica sees the policy-set event), and a
 * removal likewise. Each replica opens its own connection pool, as separate processes would.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyEngine } from '../../src/governance/policy-engine.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { PoliciesInForce } from '../../src/platform/policies-in-force.js';
import { createToken } from '../../src/registry/operations/identity/tokens.js';
import { openRegistry, type Registry } from '../../src/registry/registry.js';
import { startServer, type RunningServer } from '../../src/server/serve.js';
import { productBundle } from '../helpers/products.js';
import { createTestDatabase } from '../helpers/registries.js';

const SET = readFileSync(new URL('./fixtures/certified-only.policy.yaml', import.meta.url), 'utf8');

describe('policy sets across replicas (PostgreSQL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  const registries: Registry[] = [];
  const servers: RunningServer[] = [];
  let admin: string;
  let governance: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      const registry = await openRegistry({ url: db.url });
      registries.push(registry);
      // recheckMs 0: the replica asks for the newest policy event on every check, so the test needs no waiting.
      const platform = new LocalPlatform({
        registry,
        config: { ...configFromEnv(), actor: 'server' },
        governance: new PolicyEngine(),
        policies: new PoliciesInForce(new PolicyEngine(), { recheckMs: 0 }),
      });
      servers.push(await startServer({ platform, host: '127.0.0.1', port: 0 }));
    }
    admin = (await createToken(registries[0], { user: 'root', role: 'admin', createdBy: 'test' })).token;
    governance = (await createToken(registries[0], { user: 'gina', role: 'governance', createdBy: 'test' })).token;
  });
  afterAll(async () => {
    for (const server of servers) await server.close();
    for (const registry of registries) await registry.close();
    await db?.drop();
  });

  const call = (server: RunningServer, token: string, method: string, path: string, body?: unknown) =>
    fetch(`${server.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('a set applied on one replica refuses the next publish on the other; removed, it stops', async () => {
    const [a, b] = servers;
    const applied = await call(a, governance, 'PUT', '/v1/policy-sets/certified-only', {
      file: 'certified.yaml',
      yaml: SET,
    });
    expect(applied.status).toBe(201);
    const refused = await call(
      b,
      admin,
      'POST',
      '/v1/products',
      productBundle({ name: 'uncertified', domain: 'sales' }),
    );
    expect(refused.status).toBe(400);
    const error = (await refused.json()).error;
    expect(error.details.diagnostics.map((d: { code: string }) => d.code)).toContain('products-must-be-certified');
    expect(
      (
        await call(
          b,
          admin,
          'POST',
          '/v1/products',
          productBundle({ name: 'certified', domain: 'sales', tags: ['certified'] }),
        )
      ).status,
    ).toBe(201);
    const listed = await (await call(b, governance, 'GET', '/v1/policies')).json();
    expect(listed.sets).toContainEqual(
      expect.objectContaining({ name: 'certified-only', origin: 'registry', updatedBy: 'gina' }),
    );

    expect((await call(b, governance, 'DELETE', '/v1/policy-sets/certified-only')).status).toBe(200);
    expect(
      (await call(a, admin, 'POST', '/v1/products', productBundle({ name: 'uncertified', domain: 'sales' }))).status,
    ).toBe(201);
  });

  it('refuses a broken set over HTTP with located diagnostics (400), and a wrong name in the URL', async () => {
    const broken = await call(servers[0], governance, 'PUT', '/v1/policy-sets/certified-only', {
      file: 'certified.yaml',
      yaml: SET.replace('metadata.tags.exists', 'metadata.tagz.exists'),
    });
    expect(broken.status).toBe(400);
    const error = (await broken.json()).error;
    expect(error.details.diagnostics[0]).toMatchObject({
      code: 'cel-type',
      location: { file: 'certified.yaml', line: 11 },
    });
    const misnamed = await call(servers[0], governance, 'PUT', '/v1/policy-sets/other', {
      file: 'certified.yaml',
      yaml: SET,
    });
    expect(misnamed.status).toBe(400);
    expect((await misnamed.json()).error.message).toContain('defines policy set certified-only, not other');
  });
});
