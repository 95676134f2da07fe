/**
 * Identities on both registry backends: teams give domain membership, tokens are stored
 * hashed, expire, are revocable, and `mesh admin init` bootstraps exactly one admin.
 */
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeamMember, createTeam, listTeams, userDomains } from '../../src/registry/operations/identity/teams.js';
import {
  authenticateToken,
  createToken,
  hashToken,
  hasLiveAdmin,
  revokeToken,
} from '../../src/registry/operations/identity/tokens.js';
import { BACKENDS, createTestRegistry, type TestRegistry } from '../helpers/registries.js';
import { mesh } from '../helpers/run-mesh.js';

describe.each(BACKENDS)('identities on %s', (backend) => {
  let t: TestRegistry;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    t = await createTestRegistry(backend);
    env =
      backend === 'postgres'
        ? { MESH_DATABASE_URL: t.url, MESH_SERVER: '' }
        : { MESH_HOME: dirname(t.url), MESH_DATABASE_URL: '', MESH_SERVER: '' };
  });
  afterAll(async () => {
    await t?.dispose();
  });

  it('gives team members the domains of their teams', async () => {
    await createTeam(t.registry, { name: 'sales-eng', domains: ['sales'] });
    await createTeam(t.registry, { name: 'platform', domains: ['identity', 'core'] });
    await addTeamMember(t.registry, 'sales-eng', 'alice');
    await addTeamMember(t.registry, 'platform', 'alice');
    await addTeamMember(t.registry, 'platform', 'bob');
    expect(await userDomains(t.registry.db, 'alice')).toEqual(['core', 'identity', 'sales']);
    expect(await userDomains(t.registry.db, 'bob')).toEqual(['core', 'identity']);
    expect(await userDomains(t.registry.db, 'nobody')).toEqual([]);
    expect(await listTeams(t.registry)).toEqual([
      { name: 'platform', domains: ['core', 'identity'], members: ['alice', 'bob'] },
      { name: 'sales-eng', domains: ['sales'], members: ['alice'] },
    ]);
    await expect(addTeamMember(t.registry, 'ghosts', 'x')).rejects.toThrow('no team ghosts');
  });

  it('stores tokens hashed and authenticates live ones only', async () => {
    const member = await createToken(t.registry, { user: 'alice', role: 'member', createdBy: 'test' });
    const row = await t.registry.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('id', '=', member.id)
      .executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(hashToken(member.token));
    expect(JSON.stringify(row)).not.toContain(member.token);
    expect(await authenticateToken(t.registry, member.token)).toEqual({
      user: 'alice',
      role: 'member',
      domains: ['core', 'identity', 'sales'],
      tokenId: member.id,
    });
    const expiring = await createToken(t.registry, {
      user: 'carl',
      role: 'consumer',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
      createdBy: 'test',
    });
    expect(await authenticateToken(t.registry, expiring.token)).toEqual({
      user: 'carl',
      role: 'consumer',
      domains: [],
      tokenId: expiring.id,
    });
    expect(
      await authenticateToken(t.registry, expiring.token, new Date(Date.now() + 120_000).toISOString()),
    ).toBeUndefined();
    await revokeToken(t.registry, member.id);
    expect(await authenticateToken(t.registry, member.token)).toBeUndefined();
    expect(await authenticateToken(t.registry, `${member.token}x`)).toBeUndefined();
  });

  it('bootstraps the first admin once (mesh admin init)', async () => {
    expect(await hasLiveAdmin(t.registry)).toBe(false);
    const first = await mesh(['admin', 'init', '--json'], { env });
    expect(first.code).toBe(0);
    const created = JSON.parse(first.stdout);
    expect(created).toMatchObject({ user: 'admin', role: 'admin' });
    expect(await authenticateToken(t.registry, created.token)).toMatchObject({ user: 'admin', role: 'admin' });
    const second = await mesh(['admin', 'init'], { env });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('an admin token already exists');
    // Once every admin token is revoked, the platform can be bootstrapped again.
    await revokeToken(t.registry, created.id);
    expect((await mesh(['admin', 'init'], { env })).code).toBe(0);
  });
});
