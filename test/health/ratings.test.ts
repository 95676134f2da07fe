/**
 * Consumer ratings and domains as users meet them, on both registries, on this machine and
 * through a server: who may rate (a grant, an input read), once a quarter, the refusals, the
 * owners' answer, the low-rating event, NPS against hand-computed values, and domain records.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quarterOf } from '../../src/registry/operations/ratings/rating-records.js';
import { WebhookDispatcher } from '../../src/server/webhooks/webhook-dispatcher.js';
import { startReceiver } from '../helpers/http-receiver.js';
import { productBundle } from '../helpers/products.js';
import { BACKENDS } from '../helpers/registries.js';
import { openMode, refusal, type Caller, type Mode, type Team } from './health-modes.js';

const TEAMS: Team[] = [
  { team: 'sales-crew', domains: ['sales'], members: ['sam'] },
  { team: 'analytics', domains: ['analytics'], members: ['ana'] },
  { team: 'ops', domains: ['ops'], members: ['otto'] },
  { team: 'finance', domains: ['finance'], members: ['fin'] },
  { team: 'marketing', domains: ['marketing'], members: ['mark'] },
];

/** A product granting `teams`, optionally reading another product as its input. */
const bundle = (domain: string, name: string, teams: string[], input?: string) =>
  productBundle({
    name,
    domain,
    edit: (p) => {
      p.spec.access = { default: 'deny', allow: teams.map((team) => ({ team })) };
      if (input) p.spec.inputs = [{ name: 'records', product: input }];
    },
  });

for (const backend of BACKENDS) {
  for (const modeName of ['local', 'server'] as const) {
    describe(`ratings and domains on ${backend}, ${modeName} mode`, () => {
      let m: Mode;
      const callers = new Map<string, Caller>();
      const as = (user: string) => callers.get(user)!;
      const quarter = quarterOf(new Date());

      beforeAll(async () => {
        m = await openMode(backend, modeName, TEAMS);
        for (const [user, role] of [
          ['sam', 'member'],
          ['ana', 'consumer'],
          ['otto', 'consumer'],
          ['fin', 'member'],
          ['mark', 'consumer'],
        ] as const)
          callers.set(user, await m.as(user, role));
        await m.admin.api.publish(bundle('sales', 'orders', ['analytics', 'ops']));
        await m.admin.api.publish(bundle('sales', 'returns', ['analytics']));
        // finance reads sales/orders as an input: a consumer without a grant.
        await m.admin.api.publish(bundle('finance', 'revenue', ['analytics'], 'sales/orders@1'));
      }, 60_000);
      afterAll(async () => {
        await m?.close();
      });

      it('a team with a grant rates a product; a second rating in the quarter replaces the first', async () => {
        const ana = as('ana');
        const first = await ana.api.rateProduct(ana.scope, { product: 'sales/orders', team: 'analytics', score: 7 });
        expect(first).toMatchObject({ replaced: false, notified: false });
        expect(first.rating).toMatchObject({
          product: 'sales/orders',
          team: 'analytics',
          score: 7,
          quarter,
          ratedBy: 'ana',
        });
        const second = await ana.api.rateProduct(ana.scope, {
          product: 'sales/orders',
          team: 'analytics',
          score: 10,
          comment: 'complete and on time',
        });
        expect(second.replaced).toBe(true);
        const listed = await ana.api.listRatings({ product: 'sales/orders', team: 'analytics' });
        expect(listed.map((r) => [r.score, r.comment])).toEqual([[10, 'complete and on time']]);
      });

      it('a team whose product reads it as an input rates it without a grant', async () => {
        const fin = as('fin');
        const saved = await fin.api.rateProduct(fin.scope, { product: 'sales/orders', team: 'finance', score: 8 });
        expect(saved.rating).toMatchObject({ team: 'finance', score: 8 });
      });

      it('a rating below 7 notifies the owners with an event delivered to their webhook; an owner answers the comment', async () => {
        const hook = await startReceiver();
        const otto = as('otto');
        await m.admin.server.addWebhook({ url: `${hook.url}/owners`, types: ['rating.*'] });
        const saved = await otto.api.rateProduct(otto.scope, {
          product: 'sales/orders',
          team: 'ops',
          score: 3,
          comment: 'late twice this month',
        });
        expect(saved.notified).toBe(true);
        const events = await m.admin.api.listEvents({ subject: 'sales/orders' });
        const low = events.filter((e) => e.type === 'rating.low');
        expect(low).toHaveLength(1);
        expect(low[0].data).toMatchObject({
          rating: saved.rating.id,
          team: 'ops',
          score: 3,
          comment: 'late twice this month',
        });
        await new WebhookDispatcher({ registry: m.registry, maxAttempts: 1, backoffMs: () => 0 }).tick();
        await hook.close();
        expect(hook.received.map((r) => r.body)).toMatchObject([
          {
            type: 'dev.meshwork.rating.low',
            subject: 'sales/orders',
            data: { team: 'ops', score: 3, comment: 'late twice this month' },
          },
        ]);

        const sam = as('sam');
        const answered = await sam.api.answerRating(sam.scope, saved.rating.id, 'a new schedule from Monday');
        expect(answered).toMatchObject({ answer: 'a new schedule from Monday', answeredBy: 'sam' });
        expect((await m.admin.api.listRatings({ product: 'sales/orders', team: 'ops' }))[0].answer).toBe(
          'a new schedule from Monday',
        );
        const notOwner = await refusal(otto.api.answerRating(otto.scope, saved.rating.id, 'I answer myself'));
        expect(notOwner.kind).toBe('not-allowed');
      });

      it('refuses a score out of range, a team without a grant, a team the caller is not in, an owner team and an unknown product', async () => {
        const ana = as('ana');
        const range = await refusal(
          ana.api.rateProduct(ana.scope, { product: 'sales/orders', team: 'analytics', score: 11 }),
        );
        expect(range.kind).toBe('input');
        expect(range.message).toBe('invalid score 11: a whole number from 0 to 10');
        const fraction = await refusal(
          ana.api.rateProduct(ana.scope, { product: 'sales/orders', team: 'analytics', score: 7.5 }),
        );
        expect(fraction.kind).toBe('input');

        const mark = as('mark');
        const noGrant = await refusal(
          mark.api.rateProduct(mark.scope, { product: 'sales/orders', team: 'marketing', score: 9 }),
        );
        expect(noGrant.kind).toBe('not-allowed');
        expect(noGrant.message).toBe(
          'team marketing does not consume sales/orders: no grant, no input reading it, no read',
        );
        expect((noGrant.details as { hint: string }).hint).toContain(
          'mesh access request sales/orders --team marketing',
        );

        const notMine = await refusal(
          ana.api.rateProduct(ana.scope, { product: 'sales/orders', team: 'ops', score: 9 }),
        );
        expect(notMine.kind).toBe('not-allowed');
        expect(notMine.message).toBe('ana may not rate products for team ops: not a member of it');

        const sam = as('sam');
        const own = await refusal(
          sam.api.rateProduct(sam.scope, { product: 'sales/orders', team: 'sales-crew', score: 10 }),
        );
        expect(own.kind).toBe('not-allowed');
        expect(own.message).toContain('owners do not rate their own products');

        const unknown = await refusal(
          ana.api.rateProduct(ana.scope, { product: 'sales/nothing', team: 'analytics', score: 9 }),
        );
        expect(unknown.kind).toBe('not-found');
        expect(unknown.message).toBe('no product sales/nothing in the catalog: nothing to rate');
        // Nothing of the refused ratings was stored.
        expect((await m.admin.api.listRatings({ product: 'sales/orders' })).map((r) => r.team).sort()).toEqual([
          'analytics',
          'finance',
          'ops',
        ]);
      });

      it('computes NPS per product, per domain and for the mesh, and says when it rests on few ratings', async () => {
        const ana = as('ana');
        await ana.api.rateProduct(ana.scope, { product: 'sales/returns', team: 'analytics', score: 9 });
        await ana.api.rateProduct(ana.scope, { product: 'finance/revenue', team: 'analytics', score: 6 });
        // sales/orders: 10 (analytics), 8 (finance), 3 (ops) → 1 promoter, 1 detractor of 3: 0.
        // sales: 10, 8, 3, 9 → 2 − 1 of 4 = 25.0; finance: 6 → −100; mesh: 10, 8, 3, 9, 6 → 2 − 2 of 5 = 0.
        const report = await m.admin.api.nps({});
        expect(report.quarter).toBe(quarter);
        expect(report.mesh).toMatchObject({
          ratings: 5,
          promoters: 2,
          passives: 1,
          detractors: 2,
          nps: 0,
          fewRatings: false,
          note: null,
        });
        expect(report.domains.map((d) => [d.scope, d.nps, d.ratings, d.note])).toEqual([
          ['finance', -100, 1, 'based on 1 rating only'],
          ['sales', 25, 4, 'based on 4 ratings only'],
        ]);
        expect(report.products.map((p) => [p.scope, p.nps])).toEqual([
          ['finance/revenue', -100],
          ['sales/orders', 0],
          ['sales/returns', 100],
        ]);
        const sales = await m.admin.api.nps({ domain: 'sales' });
        expect(sales.products.map((p) => p.scope)).toEqual(['sales/orders', 'sales/returns']);
        expect(sales.trend).toEqual([expect.objectContaining({ scope: 'sales', quarter, nps: 25 })]);
        const earlier = await m.admin.api.nps({ quarter: '2020-Q1' });
        expect(earlier.mesh).toMatchObject({ ratings: 0, nps: null, note: 'no ratings' });
        expect((await refusal(m.admin.api.nps({ quarter: '2026-Q5' }))).kind).toBe('input');
      });

      it('domains: an owning team, its members, a core flag; set by admins only', async () => {
        const set = await m.admin.api.setDomain(m.admin.scope, 'identity', {
          ownerTeam: 'ops',
          core: true,
          description: 'who is who',
        });
        expect(set).toMatchObject({ name: 'identity', ownerTeam: 'ops', core: true, description: 'who is who' });
        expect(set.teams).toEqual(['ops']);
        expect(set.members).toEqual(['otto']);
        const sales = await m.admin.api.showDomain('sales');
        expect(sales).toMatchObject({
          ownerTeam: null,
          core: false,
          teams: ['sales-crew'],
          members: ['sam'],
          products: 2,
        });
        const listed = await m.admin.api.listDomains();
        expect(listed.find((d) => d.name === 'identity')?.core).toBe(true);

        const notAdmin = await refusal(as('sam').api.setDomain(as('sam').scope, 'sales', { core: true }));
        expect(notAdmin.kind).toBe('not-allowed');
        expect((await refusal(m.admin.api.setDomain(m.admin.scope, 'sales', { ownerTeam: 'nobody' }))).kind).toBe(
          'not-found',
        );
        expect((await refusal(m.admin.api.setDomain(m.admin.scope, 'sales', {}))).kind).toBe('input');
        expect((await refusal(m.admin.api.showDomain('atlantis'))).kind).toBe('not-found');
      });
    });
  }
}
