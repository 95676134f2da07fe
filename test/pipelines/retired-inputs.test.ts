/**
 * Versions end to end: a new major deprecates the old one; after the sunset the monitor's
 * retirement makes the old major unreadable to consumers, while its data is kept.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retireExpiredVersions } from '../../src/registry/operations/versions/retire-expired-versions.js';
import { readCurrentPointer } from '../../src/ports/warehouse.js';
import { createPipelineHarness, type PipelineHarness } from '../helpers/pipelines.js';
import { productBundle } from '../helpers/products.js';

describe('retired majors', () => {
  let h: PipelineHarness;
  let csv: string;

  beforeAll(async () => {
    h = await createPipelineHarness('sqlite');
    mkdirSync(join(h.home, 'data'));
    csv = join(h.home, 'data', 'records.csv');
    writeFileSync(csv, 'id,label,amount,updated_at\n1,a,1.50,2026-01-01T00:00:00Z\n');
  });
  afterAll(async () => {
    await h?.dispose();
  });

  it('refuses to read a major after its sunset, keeps its data, and reads the new major', async () => {
    const upstream = (version: string) =>
      productBundle({
        name: 'records',
        domain: 'identity',
        version,
        edit: (p) => {
          p.spec.inputs[0].source!.path = csv;
          // Its consumer is of domain sales: a standing grant lets it read.
          p.spec.access = { default: 'deny', allow: [{ domain: 'sales' }] };
        },
      });
    const consumer = (major: number) =>
      productBundle({
        name: 'records-copy',
        version: `${major}.0.0`,
        edit: (p) => {
          p.spec.inputs = [{ name: 'records', product: `identity/records@${major}` }];
        },
      });

    await h.platform.publish(upstream('1.0.0'));
    expect((await h.platform.runProduct('identity/records')).status).toBe('succeeded');
    await h.platform.publish(consumer(1));
    expect((await h.platform.runProduct('sales/records-copy')).status).toBe('succeeded');

    // A new major deprecates @1 with a sunset (deprecationNoticeDays ahead).
    await h.platform.publish(upstream('2.0.0'));
    const v1 = (await h.platform.showProduct('identity/records@1.0.0')).version;
    expect(v1.status).toBe('deprecated');
    expect((await h.platform.runProduct('sales/records-copy')).status).toBe('succeeded');

    const retired = await retireExpiredVersions(h.registry.registry, new Date(Date.parse(v1.sunsetAt!) + 1000), 'test');
    expect(retired.map((r) => `${r.product}@${r.version}`)).toEqual(['identity/records@1.0.0']);
    const refused = await h.platform.runProduct('sales/records-copy');
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(
      /input records: identity\/records@1 was retired at its sunset .* and is no longer readable/,
    );
    // Retired, not deleted: the data of the old major stays in the warehouse.
    const kept = readCurrentPointer(h.platform.config.warehouseDir, 'identity/records', 1);
    expect(kept && existsSync(kept.file)).toBe(true);

    await h.platform.publish(consumer(2));
    expect((await h.platform.runProduct('identity/records')).status).toBe('succeeded');
    expect((await h.platform.runProduct('sales/records-copy')).status).toBe('succeeded');
  });
});
