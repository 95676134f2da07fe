/**
 * Catalog search at scale, on SQLite and PostgreSQL, 10,000 and 100,000 products (the
 * foundation bench's generator, plus owners, tags and PII for the facets): the full-text
 * index build, search with facet counts, typo-tolerant search, publish with the index kept
 * current, and the ratio to the term-table search this replaced, on the same corpus.
 * MESH_BENCH_QUICK=1: 10,000 products only. MESH_BENCH_SEARCH=sqlite,100000 (backends and sizes,
 * in any order): only those.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { parse } from 'yaml';
import type { DataProduct } from '../src/descriptor/data-product-schema.js';
import { LocalPlatform } from '../src/platform/local-platform.js';
import { configFromEnv } from '../src/core/mesh-config.js';
import { reindexRegistry } from '../src/registry/operations/products/search-index.js';
import { searchProducts, type SearchOptions } from '../src/registry/operations/products/search-products.js';
import { openRegistry, type Registry } from '../src/registry/registry.js';
import { createTestDatabase } from '../test/helpers/registries.js';
import { productBundle } from '../test/helpers/products.js';
import type { BenchReport } from './bench-report.js';
import { buildLegacyTerms, legacySearch } from './legacy-term-search.js';

const WORDS = [
  'orders',
  'revenue',
  'customer',
  'invoice',
  'track',
  'album',
  'payment',
  'refund',
  'segment',
  'churn',
  'session',
  'inventory',
  'shipment',
  'supplier',
  'employee',
  'ledger',
  'forecast',
  'campaign',
  'click',
  'margin',
];
const DOMAINS = ['sales', 'identity', 'catalog', 'finance', 'marketing', 'logistics', 'hr', 'support'];

/** Text searches, each with its facet counts; some narrowed by filters. */
const QUERIES: Array<[string, SearchOptions]> = [
  ['orders', {}],
  ['customer revenue', {}],
  ['inv', {}],
  ['track album', {}],
  ['employee ledger', {}],
  ['churn', { domain: ['marketing'] }],
  ['sales', {}],
  ['amount', {}],
  ['ship', {}],
  ['forecast margin', { tag: ['margin', 'forecast'] }],
  ['"payment refund"', {}],
  ['revenue', { domain: ['sales'], tag: ['revenue'] }],
];
/** Misspelt: nothing matches them as typed. */
const TYPOS = ['custmer revnue', 'invetory', 'forcast margn', 'shipmnt', 'emplyee ledgr', 'campain'];
/** The same words for the term-table search (it knows no phrases, filters or typos). */
const LEGACY_QUERIES = QUERIES.map(([q]) => q.replaceAll('"', ''));

const only = (process.env.MESH_BENCH_SEARCH ?? '').split(',').filter(Boolean);

export async function bench(report: BenchReport): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'mesh-search-bench-'));
  try {
    for (const backend of ['sqlite', 'postgres'] as const)
      if (only.length === 0 || only.includes(backend) || !only.some((o) => /^[a-z]/.test(o)))
        await benchBackend(report, backend, root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function benchBackend(report: BenchReport, backend: 'sqlite' | 'postgres', root: string): Promise<void> {
  let registry: Registry;
  let drop = async () => {};
  if (backend === 'sqlite') registry = await openRegistry({ sqlitePath: join(root, 'search.sqlite') });
  else {
    const db = await createTestDatabase('mesh_bench_search');
    drop = db.drop;
    registry = await openRegistry({ url: db.url });
  }
  try {
    const chosen = only.filter((o) => /^\d+$/.test(o)).map(Number);
    const sizes = chosen.length
      ? chosen.sort((a, b) => a - b)
      : process.env.MESH_BENCH_QUICK
        ? [10_000]
        : [10_000, 100_000];
    let seeded = 0;
    for (const size of sizes) {
      await seedRows(registry, seeded, size);
      seeded = size;
      const n = size.toLocaleString('en-US');
      const build = await reindexRegistry(registry);
      if (backend === 'postgres') await sql`vacuum analyze`.execute(registry.db);
      report.metric(
        `index build, ${n} products (${backend})`,
        build.ms / 1000,
        's',
        size === 100_000 ? { max: 60 } : undefined,
      );
      await measureSearch(report, registry, backend, size);
    }
    await measurePublish(report, registry, backend, seeded);
  } finally {
    await registry.close();
    await drop();
  }
}

async function measureSearch(report: BenchReport, registry: Registry, backend: string, size: number): Promise<void> {
  const n = size.toLocaleString('en-US');
  const target = size === 100_000;
  const search = await percentiles(QUERIES, ([q, o]) => searchProducts(registry, q, o));
  report.metric(`search + facets, ${n} products, p95 (${backend})`, search.p95, 'ms', target ? { max: 20 } : undefined);
  report.metric(`  median (${backend})`, search.p50, 'ms');
  const typo = await percentiles(TYPOS, (q) => searchProducts(registry, q));
  report.metric(
    `typo-tolerant search, ${n} products, p95 (${backend})`,
    typo.p95,
    'ms',
    target ? { max: 40 } : undefined,
  );
  await buildLegacyTerms(registry);
  const legacy = await percentiles(LEGACY_QUERIES, (q) => legacySearch(registry, q));
  await sql`drop table legacy_search_terms`.execute(registry.db);
  report.metric(`  term-table search (before), p95 (${backend})`, legacy.p95, 'ms');
  report.metric(`  ratio full-text search / term-table search, p95 (${backend})`, search.p95 / legacy.p95, 'x');
  const sample = await searchProducts(registry, 'customer revenue');
  const typoSample = await searchProducts(registry, 'custmer revnue');
  report.note(
    `  "customer revenue" → ${sample.total} matches, best ${sample.hits[0]?.id}, domains ${sample.facets.domain.length}, tags ${sample.facets.tag.length}; ` +
      `"custmer revnue" → "${typoSample.query}", ${typoSample.total} matches`,
  );
}

async function measurePublish(report: BenchReport, registry: Registry, backend: string, size: number): Promise<void> {
  const platform = new LocalPlatform({ registry, config: { ...configFromEnv(), actor: 'bench' } });
  const bundles = Array.from({ length: 220 }, (_, i) =>
    productBundle({
      name: `published-${WORDS[i % WORDS.length]}-${i}`,
      domain: DOMAINS[i % DOMAINS.length],
      description: `Fresh ${WORDS[(i + 3) % WORDS.length]} facts for the ${WORDS[(i + 7) % WORDS.length]} team.`,
      tags: [WORDS[(i + 5) % WORDS.length]],
    }),
  );
  for (const b of bundles.slice(0, 20)) await platform.publish(b); // warm-up
  const times: number[] = [];
  for (const b of bundles.slice(20)) {
    const t = performance.now();
    await platform.publish(b);
    times.push(performance.now() - t);
  }
  const found = await searchProducts(registry, `published ${WORDS[0]}`);
  report.metric(
    `publish with the index kept current, ${size.toLocaleString('en-US')} products, p95 (${backend})`,
    percentile(times, 0.95),
    'ms',
    { max: 20 },
  );
  report.note(`  the new products are searchable at once: "published ${WORDS[0]}" → ${found.total} matches`);
}

async function percentiles<T>(inputs: readonly T[], run: (input: T) => Promise<unknown>) {
  for (const input of inputs) await run(input); // warm-up
  const times: number[] = [];
  for (let round = 0; round < 10; round++) {
    for (const input of inputs) {
      const t = performance.now();
      await run(input);
      times.push(performance.now() - t);
    }
  }
  return { p50: percentile(times, 0.5), p95: percentile(times, 0.95) };
}

let template: DataProduct | undefined;

/** The i-th generated product: the foundation bench's names, descriptions and tags, plus owners and PII. */
function generated(i: number): DataProduct {
  template ??= parse(productBundle({ name: 'template', domain: 'sales' }).yaml) as DataProduct;
  const w = (k: number) => WORDS[(i * 7 + k * 13) % WORDS.length];
  const p = structuredClone(template);
  const domain = DOMAINS[i % DOMAINS.length];
  p.metadata.name = `${w(0)}-${w(1)}-${i}`;
  p.metadata.domain = domain;
  p.metadata.owner = `${domain}-team-${i % 5}@company.com`;
  p.metadata.description = `The ${w(2)} and ${w(3)} facts of the ${w(4)} process, refreshed daily for ${w(5)} analysis.`;
  p.metadata.tags = [w(6), w(7)];
  if (i % 4 === 0) p.spec.schema.columns[0] = { ...p.spec.schema.columns[0], pii: i % 8 === 0 ? 'direct' : 'indirect' };
  return p;
}

/** Products `from`..`to` written straight into the registry's tables (the index is built after). */
export async function seedRows(registry: Registry, from: number, to: number): Promise<void> {
  const now = new Date().toISOString();
  for (let start = from; start < to; start += 500) {
    const products = Array.from({ length: Math.min(500, to - start) }, (_, k) => generated(start + k));
    await registry.db.transaction().execute(async (tx) => {
      await tx
        .insertInto('products')
        .values(
          products.map((p) => ({
            id: `${p.metadata.domain}/${p.metadata.name}`,
            domain: p.metadata.domain,
            name: p.metadata.name,
            owner: p.metadata.owner,
            oncall: p.metadata.oncall ?? null,
            description: p.metadata.description ?? null,
            latest_version: '1.0.0',
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
      await tx
        .insertInto('product_versions')
        .values(
          products.map((p) => ({
            product_id: `${p.metadata.domain}/${p.metadata.name}`,
            version: '1.0.0',
            major: 1,
            minor: 0,
            patch: 0,
            descriptor: JSON.stringify(p),
            source_yaml: '',
            transform_sql: null,
            content_hash: `seed-${p.metadata.name}`,
            published_by: 'bench',
            published_at: now,
            status: 'active',
            sunset_at: null,
          })),
        )
        .execute();
    });
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
