/**
 * A product's versions with their classified changes (the product page's version history,
 * GET /v1/products/{domain}/{name}/changes), the same in-process and through a server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { openMode, type Mode } from '../health/health-modes.js';
import { productBundle } from '../helpers/products.js';
import { BACKENDS } from '../helpers/registries.js';

describe.each(BACKENDS.flatMap((b) => (['local', 'server'] as const).map((m) => [b, m] as const)))(
  'version changes (%s, %s)',
  (backend, mode) => {
    let m: Mode;
    beforeAll(async () => {
      m = await openMode(backend, mode, []);
      const api = m.admin.api;
      await api.publish(productBundle({ name: 'orders', version: '1.0.0', description: 'Orders, one row each.' }));
      await api.publish(
        productBundle({
          name: 'orders',
          version: '1.1.0',
          description: 'Orders, one row each, with the channel.',
          edit: (p: DataProduct) =>
            p.spec.schema.columns.push({ name: 'channel', type: 'varchar', nullable: true, pii: 'none' }),
        }),
      );
      await api.publish(
        productBundle({
          name: 'orders',
          version: '2.0.0',
          description: 'Orders, one row each, with the channel.',
          edit: (p: DataProduct) => {
            p.spec.schema.columns.push({ name: 'channel', type: 'varchar', nullable: true, pii: 'none' });
            p.spec.schema.columns = p.spec.schema.columns.filter((c) => c.name !== 'label');
            p.spec.quality!.checks = p.spec.quality!.checks.filter((c) => !('column' in c) || c.column !== 'label');
          },
        }),
      );
    });
    afterAll(async () => m?.close());

    it('lists every version newest first, each with its changes against the one before, classified', async () => {
      const versions = await m.admin.api.versionChanges('sales/orders');
      expect(versions.map((v) => [v.version, v.previous])).toEqual([
        ['2.0.0', '1.1.0'],
        ['1.1.0', '1.0.0'],
        ['1.0.0', null],
      ]);
      expect(versions[2].changes).toEqual([]);
      expect(versions[1].changes).toEqual([
        expect.objectContaining({
          category: 'column-added-nullable',
          subject: 'channel',
          breaking: false,
          bump: 'minor',
        }),
        expect.objectContaining({ category: 'documentation-changed', subject: 'metadata.description', bump: 'patch' }),
      ]);
      expect(versions[0].changes.filter((c) => c.breaking)).toEqual([
        expect.objectContaining({ category: 'column-removed', subject: 'label', breaking: true, bump: 'major' }),
      ]);
      expect(versions[0].mode).toBe('backward');
    });

    it('says which product it does not know', async () => {
      await expect(m.admin.api.versionChanges('sales/nope')).rejects.toThrow(/sales\/nope/);
    });
  },
);
