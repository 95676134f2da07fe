/**
 * The read decision asks the registry once per read (the reader's teams, their domains and the
 * product's grants in one statement) and caches nothing: a revocation, an approval, an expiry
 * or a new team member counts at the very next read. Every way a principal can be a reader —
 * its membership, teams its token names, `--as` a team, an admin — on both registries.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeRead } from '../../src/access/authorize-read.js';
import type { ReadDecision } from '../../src/access/decide-read.js';
import { localScope, type AccessScope } from '../../src/access/principal.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import { pipelineBundle, uniqueName } from '../helpers/pipelines.js';
import { BACKENDS, createTestRegistry, type TestRegistry } from '../helpers/registries.js';

const consumer = (user: string, extra: Partial<AccessScope> = {}): AccessScope => ({
  principal: { user, role: 'consumer' },
  ...extra,
});

/** What the reader is told: allowed (and why) or the refusal's sentence. */
function said(decision: ReadDecision): string {
  return decision.allowed ? `allowed: ${decision.reason}${decision.piiCleared ? ', in clear' : ''}` : decision.reason;
}

for (const backend of BACKENDS) {
  describe(`the read decision on ${backend}`, () => {
    let db: TestRegistry;
    let home: string;
    let platform: LocalPlatform;
    let product: string;
    const admin = localScope('root');
    const read = async (scope: AccessScope, ref = product) =>
      said((await authorizeRead(db.registry, scope, ref)).decision);

    beforeAll(async () => {
      db = await createTestRegistry(backend);
      home = mkdtempSync(join(tmpdir(), 'mesh-access-perf-decision-'));
      const config = { ...configFromEnv({}, home), home, warehouseDir: join(home, 'warehouse'), actor: 'root' };
      platform = new LocalPlatform({ registry: db.registry, config });
      for (const [team, domains, members] of [
        ['owners', ['sales'], ['olive']],
        ['analytics', ['analytics'], ['ana']],
        ['fraud', ['risk'], ['fred', 'ana']],
        ['marketing', ['marketing'], ['mark']],
      ] as const) {
        await createTeam(db.registry, { name: team, domains: [...domains] });
        for (const m of members) await addTeamMember(db.registry, team, m);
      }
      const name = uniqueName('orders');
      product = `sales/${name}`;
      await platform.publish(
        pipelineBundle({
          domain: 'sales',
          name,
          inputs: [{ name: 'src', source: { type: 'file', path: join(home, 'none.csv'), format: 'csv' } }],
          sql: 'SELECT * FROM src',
          columns: [
            { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
            { name: 'email', type: 'varchar', pii: 'direct', masking: 'hash' },
          ],
          access: { default: 'deny', allow: [{ team: 'analytics' }], pii: [{ domain: 'risk' }] },
        }),
      );
    }, 60_000);
    afterAll(async () => {
      await platform?.close();
      await db?.dispose();
      rmSync(home, { recursive: true, force: true });
    });

    it('reads the membership, the domains and the grants of the registry: owners, team and domain grants, admins', async () => {
      // Owning is a member's right: in the owning team with the consumer role, olive reads as a consumer.
      expect(await read(consumer('olive'))).toBe(`olive (teams owners) may not read ${product}@1: no grant`);
      expect(await read({ principal: { user: 'olive', role: 'member' } })).toBe(
        'allowed: owner: a team of domain sales, in clear',
      );
      expect(await read(consumer('ana'))).toMatch(/^allowed: grant std-[0-9a-f]+ \(standing, domain risk\), in clear$/);
      expect(await read(consumer('fred'))).toMatch(
        /^allowed: grant std-[0-9a-f]+ \(standing, domain risk\), in clear$/,
      );
      expect(await read(consumer('mark'))).toBe(`mark (teams marketing) may not read ${product}@1: no grant`);
      expect(await read(consumer('nobody'))).toBe(`nobody (no team) may not read ${product}@1: no grant`);
      expect(await read(admin)).toBe('allowed: admin, in clear');
    });

    it('--as a team counts only that team, refuses a team one is not in, and lets an admin see what a team sees', async () => {
      expect(await read(consumer('ana', { asTeam: 'analytics' }))).toMatch(
        /^allowed: grant std-[0-9a-f]+ \(standing, team analytics\)$/,
      );
      await expect(read(consumer('ana', { asTeam: 'marketing' }))).rejects.toThrow(
        'ana is not a member of team marketing and may not read as it',
      );
      expect(await read({ principal: { user: 'root', role: 'admin' }, asTeam: 'marketing' })).toBe(
        `root (team marketing) may not read ${product}@1: no grant`,
      );
      // A principal whose token names its teams reads with those, not its membership.
      expect(await read({ principal: { user: 'mark', role: 'consumer', teams: ['fraud'] } })).toMatch(
        /^allowed: grant std-[0-9a-f]+ \(standing, domain risk\), in clear$/,
      );
      expect(await read({ principal: { user: 'ana', role: 'consumer', teams: [] } })).toBe(
        `ana (no team) may not read ${product}@1: no grant`,
      );
    });

    it('an approval, a revocation and a new member count at the very next read (nothing cached)', async () => {
      const mark = consumer('mark');
      expect(await read(mark)).toBe(`mark (teams marketing) may not read ${product}@1: no grant`);
      const { request } = await platform.requestAccess(mark, { product, team: 'marketing', purpose: 'campaigns' });
      const { grant } = await platform.decideAccess({ principal: { user: 'olive', role: 'member' } }, request.id, {
        approve: true,
      });
      expect(await read(mark)).toBe(`allowed: grant ${grant!.id} (request, team marketing)`);
      await platform.revokeGrant(admin, grant!.id);
      const revoked = await read(mark);
      expect(revoked).toMatch(
        new RegExp(`^mark \\(teams marketing\\) may not read ${product}@1: grant ${grant!.id} was revoked at \\S+$`),
      );
      // A new member of a granted team reads at once, through the team's grant.
      expect(await read(consumer('nina'))).toBe(`nina (no team) may not read ${product}@1: no grant`);
      await addTeamMember(db.registry, 'analytics', 'nina');
      expect(await read(consumer('nina'))).toMatch(/^allowed: grant std-[0-9a-f]+ \(standing, team analytics\)$/);
    });

    it('an expiring grant is refused at the first read after its expiry', async () => {
      await createTeam(db.registry, { name: 'brief', domains: ['brief'] });
      await addTeamMember(db.registry, 'brief', 'bea');
      const bea = consumer('bea');
      const { request } = await platform.requestAccess(bea, { product, team: 'brief', purpose: 'x', expires: '1s' });
      const { grant } = await platform.decideAccess(admin, request.id, { approve: true });
      expect(await read(bea)).toBe(`allowed: grant ${grant!.id} (request, team brief)`);
      await new Promise((r) => setTimeout(r, Date.parse(grant!.expiresAt!) - Date.now() + 20));
      expect(await read(bea)).toBe(
        `bea (teams brief) may not read ${product}@1: grant ${grant!.id} expired at ${grant!.expiresAt}`,
      );
    });
  });
}
