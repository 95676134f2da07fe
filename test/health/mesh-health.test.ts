/**
 * Mesh health from a history made through the platform's own API (publications, runs that
 * succeed and fail, grants, ratings), judged now and, with `now`, days or months later: the
 * figures against hand-computed values, each failure pattern firing on a history that has it
 * and silent on a healthy one. Both registries, on this machine and through a server.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeshHealth } from '../../src/server/health/health-records.js';
import { pipelineBundle } from '../helpers/pipelines.js';
import { productBundle } from '../helpers/products.js';
import { BACKENDS } from '../helpers/registries.js';
import { openMode, refusal, type Caller, type Mode, type Team } from './health-modes.js';

const DAY = 86_400_000;
const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
const patterns = (h: MeshHealth) => h.diagnosis.map((f) => f.pattern).sort();

/** A file-fed product of `domain`, read by `allow` teams; its CSV path may be missing (the run then fails). */
function fileProduct(domain: string, name: string, csv: string, allow: string[]) {
  const bundle = pipelineBundle({
    domain,
    name,
    inputs: [{ name: 'rows', source: { type: 'file', path: csv, format: 'csv' } }],
    sql: 'SELECT id, label FROM rows',
    primaryKey: ['id'],
    columns: [
      { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
      { name: 'label', type: 'varchar', pii: 'none' },
    ],
  });
  const product = JSON.parse(bundle.yaml) as { spec: { access: unknown } };
  product.spec.access = { default: 'deny', allow: allow.map((team) => ({ team })) };
  return { ...bundle, yaml: JSON.stringify(product, null, 2) };
}

const WORKING: Team[] = [
  { team: 'sales-crew', domains: ['sales'], members: ['sam'] },
  { team: 'analytics', domains: ['analytics'], members: ['ana'] },
  { team: 'ops', domains: ['ops'], members: ['otto'] },
];

for (const backend of BACKENDS) {
  for (const modeName of ['local', 'server'] as const) {
    describe(`mesh health of a working mesh on ${backend}, ${modeName} mode`, () => {
      let m: Mode;
      let dir: string;
      let lastGood: string;
      let now: MeshHealth;

      beforeAll(async () => {
        m = await openMode(backend, modeName, WORKING);
        dir = mkdtempSync(join(tmpdir(), 'mesh-health-data-'));
        const csv = join(dir, 'rows.csv');
        writeFileSync(csv, 'id,label\n1,a\n2,b\n');
        const api = m.admin.api;
        await api.publish(fileProduct('sales', 'orders', csv, ['analytics']));
        await api.publish(fileProduct('analytics', 'usage', csv, ['ops']));
        await api.publish(fileProduct('sales', 'broken', join(dir, 'missing.csv'), []));
        await api.publish(fileProduct('sales', 'internal', csv, []));
        for (const p of ['sales/orders', 'analytics/usage', 'sales/internal'])
          expect((await api.runProduct(p)).status).toBe('succeeded');
        expect((await api.runProduct('sales/broken')).status).toBe('failed');
        const ana: Caller = await m.as('ana', 'consumer');
        await ana.api.rateProduct(ana.scope, { product: 'sales/orders', team: 'analytics', score: 10 });
        lastGood = (await m.admin.server.productSla('sales/orders')).lastGoodAt!;
        now = await m.admin.server.meshHealth({ weeks: 2 });
      }, 120_000);
      afterAll(async () => {
        await m?.close();
        rmSync(dir, { recursive: true, force: true });
      });

      it('figures now: products, active, failing, ownership, SLA, cross-domain use, NPS', () => {
        expect(now.mesh).toMatchObject({
          products: 4,
          activeProducts: 3,
          failingProducts: 1,
          staleProducts: 0,
          ownershipAdoption: 1,
          domainsWithActiveProduct: { active: 2, of: 2 },
          slaCompliance: { judged: 3, met: 3, share: 1 },
          crossDomain: { products: 2, consumers: 2, share: 0.5 },
        });
        expect(now.mesh.nps).toMatchObject({ ratings: 1, nps: 100, fewRatings: true, note: 'based on 1 rating only' });
        expect(now.trend).toHaveLength(3);
        expect(now.trend[0].products).toBe(0);
        const sales = now.domains.find((d) => d.domain === 'sales')!;
        expect(sales.products.map((p) => [p.product, p.latestRun, p.active, p.consumersOutside])).toEqual([
          ['sales/broken', 'failed', false, []],
          ['sales/internal', 'succeeded', true, []],
          ['sales/orders', 'succeeded', true, ['team analytics']],
        ]);
        expect(sales.products[0].failingSince).not.toBeNull();
        expect(sales.products[2]).toMatchObject({ ownerTeam: 'sales-crew', ownerTeamMembers: 1, availability: 1 });
        expect(sales.products[2].windowDays).toBeLessThan(1);
      });

      it('products consumed only inside their domain, past thresholds set lower than the defaults', async () => {
        const thresholds = { insideOnlyMinProducts: 3, insideOnlyShare: 0.3 };
        const health = await m.admin.server.meshHealth({ weeks: 0, thresholds });
        expect(patterns(health)).toEqual(['consumed-inside-only']);
        expect(health.thresholds).toMatchObject(thresholds);
        expect(health.diagnosis[0].evidence).toMatchObject({
          products: ['sales/internal'],
          numbers: { insideOnly: 1, active: 3 },
        });
        const unknown = await refusal(m.admin.server.meshHealth({ thresholds: { relabelingShar: 0.4 } as never }));
        expect(unknown.message).toBe('unknown health threshold "relabelingShar"; did you mean "relabelingShare"?');
        expect((await refusal(m.admin.server.meshHealth({ thresholds: { insideOnlyShare: 2 } }))).kind).toBe('input');
      });

      it('a healthy mesh: no failure pattern is reported', () => {
        expect(now.diagnosis).toEqual([]);
        expect(now.stale).toEqual([]);
      });

      it('eight days on, with nothing run since: failing left alone, SLA breaches without follow-up, stale products', async () => {
        const at = later(lastGood, 8 * DAY);
        const health = await m.admin.server.meshHealth({ now: at, weeks: 1 });
        expect(patterns(health)).toEqual(['ownership-without-tooling', 'sla-breach-no-follow-up', 'stale-products']);
        const left = health.diagnosis.find((f) => f.pattern === 'ownership-without-tooling')!;
        expect(left.evidence.products).toEqual(['sales/broken']);
        const breach = health.diagnosis.find((f) => f.pattern === 'sla-breach-no-follow-up')!;
        expect(breach.evidence.products).toEqual(['analytics/usage', 'sales/internal', 'sales/orders']);
        // One good publication, target 1d, eight days of window: fresh for 1 of 8 days.
        const orders = health.domains
          .find((d) => d.domain === 'sales')!
          .products.find((p) => p.product === 'sales/orders')!;
        expect(orders.availability).toBeCloseTo(0.125, 6);
        expect(orders.windowDays).toBe(8);
        expect(orders.stale).toBe('no good publication for 8 days (freshness target 1d)');
        expect(health.stale.map((s) => s.product)).toEqual([
          'analytics/usage',
          'sales/broken',
          'sales/internal',
          'sales/orders',
        ]);
        const card = await m.admin.server.domainScorecard('sales', { now: at, weeks: 1 });
        expect(card.figures).toMatchObject({ products: 3, activeProducts: 2, staleProducts: 3, failingProducts: 1 });
      });

      it('refuses a bad time, a bad number of weeks and an unknown domain', async () => {
        await expect(m.admin.server.meshHealth({ now: 'yesterday' })).rejects.toMatchObject({ kind: 'input' });
        await expect(m.admin.server.meshHealth({ weeks: 500 })).rejects.toMatchObject({ kind: 'input' });
        await expect(m.admin.server.domainScorecard('atlantis')).rejects.toMatchObject({ kind: 'not-found' });
      });
    });

    describe(`mesh health of a relabeled mesh on ${backend}, ${modeName} mode`, () => {
      let m: Mode;
      const raters = ['r1', 'r2', 'r3', 'r4', 'r5'];
      const owned = (domain: string, name: string, owner: string, allow: string[] = [], version = '1.0.0') =>
        productBundle({
          name,
          domain,
          version,
          edit: (p) => {
            p.metadata.owner = owner;
            p.spec.access = { default: 'deny', allow: allow.map((team) => ({ team })) };
          },
        });

      beforeAll(async () => {
        m = await openMode(backend, modeName, [
          { team: 'platform', domains: ['platform', 'identity'], members: ['pat'] },
          { team: 'sales-crew', domains: ['sales'], members: ['sam'] },
          { team: 'hr-crew', domains: ['hr'], members: ['hana'] },
          { team: 'finance-crew', domains: ['finance'], members: ['fin'] },
          ...raters.map((r) => ({ team: `${r}-team`, domains: [`${r}-domain`], members: [r] })),
        ]);
        const api = m.admin.api;
        await api.publish(owned('identity', 'people', 'platform@company.com'));
        await api.publish(owned('identity', 'accounts', 'platform@company.com'));
        await m.admin.api.setDomain(m.admin.scope, 'identity', { ownerTeam: 'platform', core: true });
        await api.publish(
          owned(
            'sales',
            'orders',
            'platform@company.com',
            raters.map((r) => `${r}-team`),
          ),
        );
        await api.publish(owned('hr', 'staff', 'platform@company.com'));
        await api.publish(owned('finance', 'ledger', 'finance@company.com'));
        await api.publish(owned('finance', 'budget', 'platform@company.com'));
        await api.publish(owned('marketing', 'leads', 'marketing@company.com'));
        for (const r of raters) {
          const caller = await m.as(r, 'consumer');
          await caller.api.rateProduct(caller.scope, {
            product: 'sales/orders',
            team: `${r}-team`,
            score: r === 'r1' ? 9 : 4,
          });
        }
      }, 120_000);
      afterAll(async () => {
        await m?.close();
      });

      it('finds relabeling outside the core, orphaned products and a low NPS, with the evidence', async () => {
        const health = await m.admin.server.meshHealth({ weeks: 0 });
        expect(patterns(health)).toEqual(['low-nps', 'orphaned-products', 'relabeling']);
        const relabeling = health.diagnosis.find((f) => f.pattern === 'relabeling')!;
        // The core's two products do not count: 3 of the 5 others.
        expect(relabeling.evidence).toMatchObject({
          products: ['finance/budget', 'hr/staff', 'sales/orders'],
          domains: ['finance', 'hr', 'sales'],
          numbers: { owner: 'platform@company.com', owned: 3, outsideCore: 5, share: 0.6 },
        });
        expect(relabeling.summary).toBe(
          'platform@company.com owns 3 of 5 products outside the core (60%), across 3 domains',
        );
        const orphaned = health.diagnosis.find((f) => f.pattern === 'orphaned-products')!;
        expect(orphaned.evidence.products).toEqual(['marketing/leads']);
        // 1 promoter, 4 detractors of 5: −60.
        const nps = health.diagnosis.find((f) => f.pattern === 'low-nps')!;
        expect(nps.summary).toBe('mesh NPS -60 from 5 ratings (below 30)');
      });

      it('a deliberate core is not relabeling: with the platform owning only the core, nothing is found', async () => {
        // The domains take their products over (a new patch version names their own owner).
        for (const [domain, name] of [
          ['sales', 'orders'],
          ['hr', 'staff'],
          ['finance', 'budget'],
        ]) {
          const allow = name === 'orders' ? raters.map((r) => `${r}-team`) : [];
          await m.admin.api.publish(owned(domain, name, `${domain}@company.com`, allow, '1.0.1'));
        }
        const health = await m.admin.server.meshHealth({ weeks: 0 });
        expect(patterns(health)).not.toContain('relabeling');
      });

      it('eighteen months on with no product active: too few active products', async () => {
        const health = await m.admin.server.meshHealth({ now: later(new Date().toISOString(), 550 * DAY), weeks: 0 });
        expect(patterns(health)).toContain('too-few-active-products');
        expect(health.diagnosis.find((f) => f.pattern === 'too-few-active-products')!.evidence.numbers).toMatchObject({
          activeProducts: 0,
          months: 18,
        });
      });
    });
  }
}
