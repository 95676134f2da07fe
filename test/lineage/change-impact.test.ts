/**
 * Change impact on both registries and through the server: a breaking change names the
 * products reading the major (owners, on-call) and the teams holding grants, in `diff` and in
 * the refusal of the publication; a compatible change names nobody.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyEngine } from '../../src/governance/policy-engine.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { HttpPlatform } from '../../src/server/client/http-platform.js';
import type { MeshApi } from '../../src/platform/mesh-api.js';
import { pipelineBundle } from '../helpers/pipelines.js';
import { BACKENDS } from '../helpers/registries.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const dir = mkdtempSync(join(tmpdir(), 'mesh-impact-'));
writeFileSync(join(dir, 'orders.csv'), 'id,amount\n1,2.5\n');

const orders = (version: string, withAmount = true) => ({
  ...pipelineBundle({
    domain: 'sales',
    name: 'orders',
    version,
    inputs: [{ name: 'raw', source: { type: 'file', path: 'orders.csv', format: 'csv' } }],
    sql: withAmount ? 'SELECT id, amount FROM raw' : 'SELECT id FROM raw',
    columns: [
      { name: 'id', type: 'integer', nullable: false, pii: 'none' as const },
      ...(withAmount ? [{ name: 'amount', type: 'double', pii: 'none' as const }] : []),
    ],
    primaryKey: ['id'],
  }),
  file: join(dir, 'product.yaml'),
});

describe.each(BACKENDS.flatMap((b) => [[b, 'local'] as const, [b, 'server'] as const]))(
  'change impact (%s registry, %s)',
  (backend, mode) => {
    let t: TestServer;
    let api: MeshApi;
    beforeAll(async () => {
      t = await startTestServer(backend);
      api =
        mode === 'server'
          ? new HttpPlatform({ baseUrl: t.url, token: t.adminToken, retries: 0 })
          : new LocalPlatform({ registry: t.registry, governance: new PolicyEngine() });
      await api.publish(orders('1.0.0'));
      await api.publish(
        pipelineBundle({
          domain: 'finance',
          name: 'revenue',
          inputs: [{ name: 'orders', product: 'sales/orders@1' }],
          sql: 'SELECT id, amount FROM orders',
          columns: [
            { name: 'id', type: 'integer', nullable: false, pii: 'none' as const },
            { name: 'amount', type: 'double', pii: 'none' as const },
          ],
          primaryKey: ['id'],
        }),
      );
    });
    afterAll(async () => t?.close());

    const expected = {
      breaks: 'sales/orders@1',
      consumers: [
        { product: 'finance/revenue', owner: 'finance-data@company.com', oncall: 'finance-oncall@company.com' },
      ],
      // pipelineBundle grants team analytics on every product.
      teams: [{ team: 'analytics', pii: false }],
    };

    it('diff of a breaking change lists the consuming products and the teams with grants', async () => {
      const diff = await api.diff(orders('1.1.0', false));
      expect(diff.changes.some((c) => c.breaking)).toBe(true);
      expect(diff.impact).toEqual(expected);
      const compatible = await api.diff(orders('1.0.1'));
      expect(compatible.impact).toBeUndefined();
    });

    it('a refused publication carries the same impact', async () => {
      const refusal = await api.publish(orders('1.1.0', false)).then(
        () => undefined,
        (error: { kind: string; details?: { impact?: unknown } }) => error,
      );
      expect(refusal?.kind).toBe('input');
      expect(refusal?.details?.impact).toEqual(expected);
    });
  },
);
