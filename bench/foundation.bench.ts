/**
 * Foundation speed: validate 1,000 descriptors, publish on SQLite, catalog search over
 * 10,000 products on SQLite and PostgreSQL.
 */
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDescriptorFile } from '../src/platform/descriptor-bundle.js';
import { initProduct } from '../src/platform/init-product.js';
import { fileURLToPath } from 'node:url';
import { loadPolicyEngine } from '../src/governance/policy-engine.js';
import { LocalPlatform } from '../src/platform/local-platform.js';
import { configFromEnv } from '../src/core/mesh-config.js';
import { sql } from 'kysely';
import { openRegistry, type Registry } from '../src/registry/registry.js';
import { createTestDatabase } from '../test/helpers/registries.js';
import { productBundle } from '../test/helpers/products.js';
import type { BenchReport } from './bench-report.js';

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

export async function bench(report: BenchReport): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'mesh-bench-'));
  try {
    await validateThousand(report, root);
    await publishLatency(report, root);
    if (!process.env.MESH_BENCH_QUICK) await searchAtScale(report, 'sqlite', root);
    if (!process.env.MESH_BENCH_QUICK) await searchAtScale(report, 'postgres', root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function validateThousand(report: BenchReport, root: string): Promise<void> {
  const { dir } = initProduct({
    name: 'template',
    domain: 'sales',
    owner: 'sales-data@company.com',
    template: 'file',
    cwd: root,
  });
  const yaml = readFileSync(join(dir, 'product.yaml'), 'utf8');
  const files: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const d = join(root, 'products', `p${i}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'product.yaml'), yaml.replace('name: template', `name: product-${i}`));
    writeFileSync(join(d, 'transform.sql'), 'SELECT * FROM records');
    files.push(join(d, 'product.yaml'));
  }
  // What `mesh validate` does per file: parse, schema, cross-file checks, then the policies in force.
  const repo = fileURLToPath(new URL('..', import.meta.url));
  const platform = new LocalPlatform({
    config: { ...configFromEnv({}, root), actor: 'bench' },
    governance: loadPolicyEngine({ cwd: repo, env: {} }),
  });
  // Warm both paths (validator compilation, JIT) so neither measurement pays for the other's start.
  for (const f of files.slice(0, 200)) await platform.checkLoaded(loadDescriptorFile(f));
  let errors = 0;
  let started = performance.now();
  for (const f of files) errors += loadDescriptorFile(f).diagnostics.filter((d) => d.severity === 'error').length;
  const specOnly = performance.now() - started;
  started = performance.now();
  for (const f of files)
    errors += (await platform.checkLoaded(loadDescriptorFile(f))).diagnostics.filter(
      (d) => d.severity === 'error',
    ).length;
  const elapsed = performance.now() - started;
  await platform.close();
  if (errors) report.note(`unexpected: ${errors} errors`);
  report.metric('validate 1,000 descriptors (parse, schema, files, policies)', elapsed, 'ms', { max: 1000 });
  report.metric('  per descriptor', elapsed / 1000, 'ms');
  report.metric('  of which parse, schema and files only', specOnly, 'ms');
}

async function publishLatency(report: BenchReport, root: string): Promise<void> {
  const registry = await openRegistry({ sqlitePath: join(root, 'publish.sqlite') });
  // The policies in force in this repository (built-in rules + policies/), as `mesh publish` applies them.
  const governance = loadPolicyEngine({ cwd: fileURLToPath(new URL('..', import.meta.url)), env: {} });
  const platform = new LocalPlatform({ registry, config: { ...configFromEnv(), actor: 'bench' }, governance });
  const bundles = Array.from({ length: 300 }, (_, i) =>
    productBundle({ name: `pub-${i}`, domain: DOMAINS[i % DOMAINS.length] }),
  );
  for (const b of bundles.slice(0, 20)) await platform.publish(b); // warm-up
  const againBefore = await platform.publish(bundles[0]);
  if (againBefore.diagnostics.some((d) => d.severity === 'error'))
    report.note('unexpected: governance errors on the bench products');
  const times: number[] = [];
  for (const b of bundles.slice(20)) {
    const t = performance.now();
    await platform.publish(b);
    times.push(performance.now() - t);
  }
  const again = performance.now();
  await platform.publish(bundles[50]);
  const noop = performance.now() - again;
  report.metric('publish, median (SQLite, in-process, validate + governance + write)', percentile(times, 0.5), 'ms', {
    max: 20,
  });
  report.metric('publish, p95', percentile(times, 0.95), 'ms');
  report.metric('re-publish identical content (no-op)', noop, 'ms');
  await registry.close();
}

async function searchAtScale(report: BenchReport, backend: 'sqlite' | 'postgres', root: string): Promise<void> {
  let registry: Registry;
  let drop = async () => {};
  if (backend === 'sqlite') registry = await openRegistry({ sqlitePath: join(root, 'search.sqlite') });
  else {
    const db = await createTestDatabase('mesh_bench');
    drop = db.drop;
    registry = await openRegistry({ url: db.url });
  }
  const platform = new LocalPlatform({ registry, config: { ...configFromEnv(), actor: 'bench' } });
  const seedStart = performance.now();
  await seedProducts(platform, 10_000);
  report.note(`${backend}: seeded 10,000 products in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
  if (backend === 'postgres') {
    // Steady state, as autovacuum leaves a live registry: right after a bulk load the visibility
    // map is empty and index-only scans fall back to heap fetches (about 4x slower, printed below).
    await measureSearch(platform, ['customer revenue', 'track album'], 10).then((ms) =>
      report.metric('  p95 right after the bulk load, before vacuum (postgres)', ms, 'ms'),
    );
    await sql`vacuum analyze search_documents`.execute(registry.db);
    await sql`vacuum analyze search_facets`.execute(registry.db);
    await sql`vacuum analyze products`.execute(registry.db);
  }
  const queries = [
    'orders',
    'customer revenue',
    'inv',
    'track album',
    'employee ledger',
    'churn',
    'sales',
    'amount',
    'ship',
    'forecast margin',
  ];
  for (const q of queries) await platform.searchProducts(q); // warm-up
  const times: number[] = [];
  for (let round = 0; round < 20; round++) {
    for (const q of queries) {
      const t = performance.now();
      await platform.searchProducts(q);
      times.push(performance.now() - t);
    }
  }
  const hits = await platform.searchProducts('customer revenue');
  report.metric(`catalog search over 10,000 products, p95 (${backend})`, percentile(times, 0.95), 'ms', { max: 20 });
  report.metric(`  median (${backend})`, percentile(times, 0.5), 'ms');
  report.note(`  "customer revenue" → ${hits.total} hits, best ${hits.hits[0]?.id}`);
  await registry.close();
  await drop();
}

async function seedProducts(platform: LocalPlatform, n: number): Promise<void> {
  const batch: Array<Promise<unknown>> = [];
  for (let i = 0; i < n; i++) {
    const w = (k: number) => WORDS[(i * 7 + k * 13) % WORDS.length];
    const bundle = productBundle({
      name: `${w(0)}-${w(1)}-${i}`,
      domain: DOMAINS[i % DOMAINS.length],
      description: `The ${w(2)} and ${w(3)} facts of the ${w(4)} process, refreshed daily for ${w(5)} analysis.`,
      tags: [w(6), w(7)],
    });
    batch.push(platform.publish(bundle));
    if (batch.length >= 32) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
}

async function measureSearch(platform: LocalPlatform, queries: string[], rounds: number): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const q of queries) {
      const t = performance.now();
      await platform.searchProducts(q);
      times.push(performance.now() - t);
    }
  }
  return percentile(times, 0.95);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
