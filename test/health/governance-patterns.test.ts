/**
 * The two failure patterns read from the governance checks the platform records (every
 * `mesh validate` of a product and every publication, refused or not, with who asked and
 * their teams): governance as a gatekeeper and the platform team as a help desk. Each fires
 * on a history that has it and stays silent on a healthy one; both registries, both modes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthFinding, MeshHealth } from '../../src/server/health/health-records.js';
import { pipelineBundle } from '../helpers/pipelines.js';
import { BACKENDS } from '../helpers/registries.js';
import { openMode, refusal, type Mode, type Team } from './health-modes.js';

const patterns = (h: MeshHealth) => h.diagnosis.map((f) => f.pattern);
const found = (h: MeshHealth, pattern: HealthFinding['pattern']) => h.diagnosis.find((f) => f.pattern === pattern);

function product(name: string, csv: string, sql = 'SELECT id FROM rows') {
  return pipelineBundle({
    domain: 'sales',
    name,
    inputs: [{ name: 'rows', source: { type: 'file', path: csv, format: 'csv' } }],
    sql,
    columns: [{ name: 'id', type: 'bigint', nullable: false, pii: 'none' }],
    checks: [{ type: 'row_count', min: 1 }],
  });
}

/** The admin (root) publishing sales products: a member of the platform team, or of the sales team. */
const teams = (rootTeam: 'platform' | 'sales-crew'): Team[] => [
  { team: 'platform', domains: ['platform'], members: rootTeam === 'platform' ? ['root'] : ['pat'] },
  { team: 'sales-crew', domains: ['sales'], members: rootTeam === 'sales-crew' ? ['root', 'sam'] : ['sam'] },
];

for (const backend of BACKENDS) {
  for (const modeName of ['local', 'server'] as const) {
    describe(`governance patterns on ${backend}, ${modeName} mode`, () => {
      let dir: string;
      let csv: string;
      beforeAll(() => {
        dir = mkdtempSync(join(tmpdir(), 'mesh-gov-patterns-'));
        csv = join(dir, 'rows.csv');
        writeFileSync(csv, 'id\n1\n2\n');
      });
      afterAll(() => rmSync(dir, { recursive: true, force: true }));

      describe('a platform team publishing for a domain, with a rule refusing version after version', () => {
        let m: Mode;
        beforeAll(async () => {
          m = await openMode(backend, modeName, teams('platform'));
          const names = ['orders', 'returns', 'invoices', 'refunds'];
          for (const name of names) expect((await m.admin.api.check(product(name, csv))).diagnostics).toEqual([]);
          await sleep(1100); // the wait between a version's first check and its publication
          for (const name of names) await m.admin.api.publish(product(name, csv));
          for (const name of ['drafts', 'quotes']) {
            const checked = await m.admin.api.check(product(name, csv, 'DELETE FROM rows'));
            expect(checked.diagnostics.map((d) => d.code)).toContain('sql-not-one-select');
          }
          const refused = await refusal(m.admin.api.publish(product('carts', csv, 'DROP TABLE rows')));
          expect(refused.kind).toBe('input');
        }, 60_000);
        afterAll(async () => m?.close());

        it('finds the platform team as help desk, naming the team and the products', async () => {
          const health = await m.admin.server.meshHealth({ weeks: 0 });
          expect(found(health, 'platform-team-as-help-desk')).toMatchObject({
            severity: 'warn',
            summary:
              "4 of 4 products (100%) were first published by someone outside the product's domain; team platform published 4 of them",
            evidence: {
              products: ['sales/invoices', 'sales/orders', 'sales/refunds', 'sales/returns'],
              domains: ['sales'],
              numbers: { createdByOutsiders: 4, products: 4, team: 'platform' },
            },
          });
          expect(health.notMeasured).toEqual([]);
        });

        it('finds governance as gatekeeper from one rule’s refusals and from the waits, past their thresholds', async () => {
          expect(patterns(await m.admin.server.meshHealth({ weeks: 0 }))).not.toContain('governance-as-gatekeeper');
          const byRule = found(
            await m.admin.server.meshHealth({ weeks: 0, thresholds: { gatekeeperRuleRefusals: 3 } }),
            'governance-as-gatekeeper',
          );
          expect(byRule?.summary).toBe('rule sql-not-one-select refused 3 product versions in the last 90 days');
          expect(byRule?.evidence.products).toEqual(['sales/carts', 'sales/drafts', 'sales/quotes']);
          expect(byRule?.remedy).toContain('review rule sql-not-one-select with the domain teams');
          // The four versions waited about 1.1 s between check and publication: 0.0002 h is 0.72 s.
          const slow = found(
            await m.admin.server.meshHealth({
              weeks: 0,
              thresholds: { gatekeeperWaitHours: 0.0002, gatekeeperMinVersions: 4 },
            }),
            'governance-as-gatekeeper',
          );
          expect(slow?.summary).toMatch(
            /^versions wait a median 1\.\ds from their first check to publication \(4 versions\) in the last 90 days$/,
          );
          expect(slow?.evidence.numbers.versionsPublished).toBe(4);
          const notEnough = await m.admin.server.meshHealth({
            weeks: 0,
            thresholds: { gatekeeperWaitHours: 0.0002, gatekeeperMinVersions: 5 },
          });
          expect(patterns(notEnough)).not.toContain('governance-as-gatekeeper');
        });
      });

      describe('a domain team publishing its own products at once', () => {
        let m: Mode;
        beforeAll(async () => {
          m = await openMode(backend, modeName, teams('sales-crew'));
          for (const name of ['orders', 'returns', 'invoices', 'refunds']) {
            await m.admin.api.check(product(name, csv));
            await m.admin.api.publish(product(name, csv));
          }
        }, 60_000);
        afterAll(async () => m?.close());

        it('is silent on both patterns, even with tight thresholds', async () => {
          const health = await m.admin.server.meshHealth({
            weeks: 0,
            thresholds: {
              gatekeeperRuleRefusals: 1,
              gatekeeperWaitHours: 0.01,
              helpDeskShare: 0,
              helpDeskMinProducts: 1,
            },
          });
          expect(patterns(health)).not.toContain('governance-as-gatekeeper');
          expect(patterns(health)).not.toContain('platform-team-as-help-desk');
        });
      });
    });
  }
}
