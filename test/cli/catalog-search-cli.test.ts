/**
 * `mesh catalog search` and `mesh admin reindex` as a user runs them: filters, facets, typo
 * corrections, paging, bad input as exit 1 with a message, --json.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { productBundle } from '../helpers/products.js';
import { mesh } from '../helpers/run-mesh.js';

let cwd: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'mesh-search-cli-'));
  env = { MESH_HOME: join(cwd, '.mesh'), MESH_DATABASE_URL: '', MESH_USER: 'test:bob' };
  const platform = new LocalPlatform({ config: configFromEnv(env, cwd) });
  const products = [
    { name: 'customer-revenue', domain: 'sales', description: 'Revenue per customer and month.', tags: ['finance'] },
    { name: 'revenue-forecast', domain: 'sales', description: 'Forecast of next quarter.', tags: ['planning'] },
    { name: 'revenue-ledger', domain: 'finance', description: 'Booked revenue lines.', tags: ['finance'] },
  ];
  for (const p of products) await platform.publish(productBundle(p));
  await platform.close();
});

describe('mesh catalog search', () => {
  it('combines the text with --domain and --tag, and shows facet counts', async () => {
    const r = await mesh(['catalog', 'search', 'revenue', '--domain', 'sales', '--tag', 'finance', '--json'], {
      cwd,
      env,
    });
    expect(r.code).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.hits.map((h: { id: string }) => h.id)).toEqual(['sales/customer-revenue']);
    expect(result.facets.domain).toEqual([{ value: 'sales', count: 1 }]);
    const human = await mesh(['catalog', 'search', 'revenue'], { cwd, env });
    expect(human.stdout).toContain('3 product(s) match');
    expect(human.stdout).toMatch(/domain\s+sales \(2\), finance \(1\)/);
    expect(human.stdout).toMatch(/tag\s+finance \(2\), planning \(1\)/);
  });

  it('corrects typos and suggests words', async () => {
    const fixed = await mesh(['catalog', 'search', 'custmer', 'revnue'], { cwd, env });
    expect(fixed.stdout).toContain('no product matches "custmer revnue"; showing results for "customer revenue"');
    expect(fixed.stdout).toContain('sales/customer-revenue');
    const none = await mesh(['catalog', 'search', 'forcast', 'zzzzzz'], { cwd, env });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('no products match "forcast zzzzzz"');
    expect(none.stdout).toContain('did you mean forecast?');
  });

  it('pages with --cursor', async () => {
    const first = JSON.parse(
      (await mesh(['catalog', 'search', 'revenue', '--limit', '2', '--json'], { cwd, env })).stdout,
    );
    expect(first.hits).toHaveLength(2);
    const second = JSON.parse(
      (
        await mesh(['catalog', 'search', 'revenue', '--limit', '2', '--cursor', first.nextCursor, '--json'], {
          cwd,
          env,
        })
      ).stdout,
    );
    expect(second.hits).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const all = [...first.hits, ...second.hits].map((h: { id: string }) => h.id).sort();
    expect(all).toEqual(['finance/revenue-ledger', 'sales/customer-revenue', 'sales/revenue-forecast']);
  });

  it('refuses bad input with a message and exit 1', async () => {
    const long = await mesh(['catalog', 'search', 'x'.repeat(10_000)], { cwd, env });
    expect(long.code).toBe(1);
    expect(long.stderr).toContain('at most 1000 are searched');
    const lifecycle = await mesh(['catalog', 'search', 'revenue', '--lifecycle', 'gone'], { cwd, env });
    expect(lifecycle.code).toBe(1);
    expect(lifecycle.stderr).toContain('"gone" is not a lifecycle value');
    expect(lifecycle.stderr).not.toMatch(/fts5|syntax error|at .*\.ts:/);
    const syntax = await mesh(['catalog', 'search', '" * ( ) : ^ NEAR AND OR NOT -'], { cwd, env });
    expect(syntax.code).toBe(0);
  });

  it('documents filters and typo tolerance in --help', async () => {
    const help = await mesh(['catalog', 'search', '--help'], { cwd, env });
    for (const flag of ['--domain', '--tag', '--owner', '--pii', '--lifecycle', '--cursor', '--no-typos'])
      expect(help.stdout).toContain(flag);
    expect(help.stdout).toContain('custmer revnue');
  });
});

describe('mesh admin reindex', () => {
  it('rebuilds a lost index', async () => {
    const platform = new LocalPlatform({ config: configFromEnv(env, cwd) });
    const registry = await platform.registry();
    await sql`delete from search_documents`.execute(registry.db);
    await sql`delete from search_fts`.execute(registry.db);
    await platform.close();
    expect(JSON.parse((await mesh(['catalog', 'search', 'forecast', '--json'], { cwd, env })).stdout).total).toBe(0);
    const r = await mesh(['admin', 'reindex'], { cwd, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/search index rebuilt: 3 product\(s\) in [\d.]+ s/);
    expect(JSON.parse((await mesh(['catalog', 'search', 'forecast', '--json'], { cwd, env })).stdout).total).toBe(1);
  });
});
