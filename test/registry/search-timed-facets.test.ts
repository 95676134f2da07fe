/**
 * The catalog's time-dependent facets (SLA status, stale) and what a hit shows at a glance
 * (freshness, last run, rating), on both registries: counted in the search statement, judged
 * by the same rule as the stale flag on each hit, filterable, kept current by runs, and
 * rebuilt by `mesh admin reindex`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { reindexRegistry } from '../../src/registry/operations/products/search-index.js';
import { saveRating } from '../../src/registry/operations/ratings/save-rating.js';
import { createPipelineHarness, pipelineBundle, type PipelineHarness } from '../helpers/pipelines.js';
import { BACKENDS } from '../helpers/registries.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(BACKENDS)('SLA and stale facets (%s)', (backend) => {
  let h: PipelineHarness;
  let dir: string;
  const bundle = (name: string, target: string | null) => {
    const b = pipelineBundle({
      domain: 'timed',
      name,
      inputs: [{ name: 'people', source: { type: 'file', path: join(dir, 'people.csv'), format: 'csv' } }],
      sql: 'SELECT id FROM people',
      primaryKey: ['id'],
      columns: [{ name: 'id', type: 'bigint', nullable: false, pii: 'none' }],
    });
    const product = JSON.parse(b.yaml) as DataProduct;
    if (target) product.spec.freshness = { target };
    else delete product.spec.freshness;
    return { ...b, yaml: JSON.stringify(product) };
  };

  beforeAll(async () => {
    h = await createPipelineHarness(backend);
    dir = mkdtempSync(join(tmpdir(), 'mesh-timed-'));
    writeFileSync(join(dir, 'people.csv'), 'id\n1\n2\n');
    await h.platform.publish(bundle('fed-daily', '1d'));
    await h.platform.publish(bundle('late-second', '1s'));
    await h.platform.publish(bundle('no-target', null));
    expect((await h.platform.runProduct('timed/fed-daily')).status).toBe('succeeded');
  });
  afterAll(async () => {
    await h?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('counts the SLA status and stale flag over the result, by the rule that flags each hit, and filters by them', async () => {
    await sleep(2_100); // past twice late-second's 1 s target: breached and stale
    const all = await h.platform.searchProducts('', { domain: ['timed'] });
    expect(all.total).toBe(3);
    expect(all.facets.sla).toEqual([
      { value: 'breached', count: 1 },
      { value: 'met', count: 1 },
      { value: 'none', count: 1 },
    ]);
    expect(all.facets.stale).toEqual([
      { value: 'no', count: 2 },
      { value: 'yes', count: 1 },
    ]);
    const byId = new Map(all.hits.map((hit) => [hit.id, hit]));
    expect(byId.get('timed/late-second')?.stale).toMatch(/^never published data in 0 days \(freshness target 1s\)$/);
    expect(all.hits.filter((hit) => hit.stale !== null).map((hit) => hit.id)).toEqual(['timed/late-second']);
    expect(byId.get('timed/late-second')?.freshness).toEqual({ target: '1s', lastGoodAt: null, sla: 'breached' });
    expect(byId.get('timed/no-target')?.freshness).toEqual({ target: null, lastGoodAt: null, sla: 'none' });
    expect(byId.get('timed/fed-daily')?.freshness).toMatchObject({ target: '1d', sla: 'met' });
    expect(byId.get('timed/fed-daily')?.freshness.lastGoodAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    const breached = await h.platform.searchProducts('', { sla: ['breached'] });
    expect(breached.hits.map((hit) => hit.id)).toEqual(['timed/late-second']);
    expect(breached.facets.sla).toEqual([{ value: 'breached', count: 1 }]);
    const fresh = await h.platform.searchProducts('', { stale: ['no'], domain: ['timed'] });
    expect(fresh.hits.map((hit) => hit.id).sort()).toEqual(['timed/fed-daily', 'timed/no-target']);
    await expect(h.platform.searchProducts('', { sla: ['late'] })).rejects.toThrow(
      '"late" is not a sla value; use one of none, met, breached',
    );
  });

  it('a good run moves a breached product back within its SLA, and a reindex rebuilds the same facts', async () => {
    expect((await h.platform.runProduct('timed/late-second')).status).toBe('succeeded');
    const after = await h.platform.searchProducts('late second', { domain: ['timed'] });
    expect(after.hits[0]).toMatchObject({ id: 'timed/late-second', freshness: { sla: 'met' }, stale: null });
    expect(after.hits[0].lastRun).toMatchObject({ status: 'succeeded' });
    expect(after.facets.sla).toEqual([{ value: 'met', count: 1 }]);

    await reindexRegistry(h.registry.registry);
    const rebuilt = await h.platform.searchProducts('', { domain: ['timed'], sla: ['met'] });
    expect(rebuilt.hits.map((hit) => hit.id).sort()).toEqual(['timed/fed-daily', 'timed/late-second']);
  });

  it('shows the newest quarter’s rating of a hit as its NPS, saying when it rests on few ratings', async () => {
    for (const [team, score] of [
      ['analytics', 10],
      ['finance', 9],
      ['support', 3],
    ] as const)
      await saveRating(h.registry.registry, {
        product: 'timed/fed-daily',
        team,
        score,
        comment: null,
        ratedBy: 'test',
      });
    const hit = (await h.platform.searchProducts('fed daily')).hits[0];
    expect(hit.rating).toMatchObject({ nps: 33.3, ratings: 3, note: 'based on 3 ratings only' });
    expect((await h.platform.searchProducts('no target')).hits[0].rating).toBeNull();
    expect((await h.platform.searchProducts('no target')).hits[0].lastRun).toBeNull();
  });
});
