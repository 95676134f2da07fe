/**
 * PII follows the data: a product reading another product's PII column, as is or transformed,
 * must classify its own column at least as strongly — an error of validate and publish at the
 * column's `pii` line. Aggregates and correctly classified columns pass. Both registries, on
 * this machine and through a server (the same MeshApi contract).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../src/descriptor/data-product-schema.js';
import { pipelineBundle } from '../helpers/pipelines.js';
import { BACKENDS } from '../helpers/registries.js';
import { openMode, refusal, type Mode } from '../health/health-modes.js';

const dir = mkdtempSync(join(tmpdir(), 'mesh-pii-follows-'));
const csv = join(dir, 'customers.csv');
writeFileSync(csv, 'id,email,country\n1,a@example.com,NL\n');

const customers = pipelineBundle({
  domain: 'sales',
  name: 'customers',
  inputs: [{ name: 'rows', source: { type: 'file', path: csv, format: 'csv' } }],
  sql: 'SELECT id, email, country FROM rows',
  primaryKey: ['id'],
  columns: [
    { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
    { name: 'email', type: 'varchar', pii: 'direct', masking: 'hash' },
    { name: 'country', type: 'varchar', pii: 'none' },
  ],
});

/** marketing/contacts over sales/customers@1 with `sql` and the declared columns. */
const contacts = (sql: string, columns: ColumnSpec[]) =>
  pipelineBundle({
    domain: 'marketing',
    name: 'contacts',
    inputs: [{ name: 'customers', product: 'sales/customers@1' }],
    sql,
    columns,
    access: { default: 'deny', allow: [{ team: 'analytics' }], pii: [{ team: 'analytics' }] },
  });

afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const backend of BACKENDS) {
  for (const modeName of ['local', 'server'] as const) {
    describe(`PII follows the data on ${backend}, ${modeName} mode`, () => {
      let m: Mode;
      beforeAll(async () => {
        m = await openMode(backend, modeName, []);
        await m.admin.api.publish(customers);
      }, 60_000);
      afterAll(async () => m?.close());

      it('refuses a transformed PII column declared pii: none, at its pii line, in check and publish', async () => {
        const bundle = contacts('SELECT id, lower(email) AS contact FROM customers', [
          { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
          { name: 'contact', type: 'varchar', pii: 'none' },
        ]);
        const checked = await m.admin.api.check(bundle);
        const found = checked.diagnostics.filter((d) => d.code === 'pii-follows-data');
        expect(found).toHaveLength(1);
        expect(found[0]).toMatchObject({
          severity: 'error',
          message:
            'column contact carries customers.email, classified pii: direct in sales/customers@1.0.0, but is classified pii: none',
          path: 'spec.schema.columns.1.pii',
        });
        const line = bundle.yaml.split('\n')[found[0].location!.line - 1];
        expect(line).toContain('"pii": "none"');
        const refused = await refusal(m.admin.api.publish(bundle));
        expect(refused.kind).toBe('input');
        expect(JSON.stringify(refused.details)).toContain('pii-follows-data');
      });

      it('passes a column classified as strongly, an aggregate, and a column from a non-PII input column', async () => {
        const classified = contacts('SELECT id, lower(email) AS contact FROM customers', [
          { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
          { name: 'contact', type: 'varchar', pii: 'sensitive', masking: 'hash' },
        ]);
        const aggregated = contacts(
          'SELECT country, count(DISTINCT email) AS reachable FROM customers GROUP BY country',
          [
            { name: 'country', type: 'varchar', pii: 'none' },
            { name: 'reachable', type: 'bigint', pii: 'none' },
          ],
        );
        for (const bundle of [classified, aggregated]) {
          const checked = await m.admin.api.check(bundle);
          expect(checked.diagnostics.filter((d) => d.code === 'pii-follows-data')).toEqual([]);
        }
      });
    });
  }
}
