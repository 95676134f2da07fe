/**
 * The server under load: 10,000 products on the embedded registry (SQLite), 50 concurrent
 * readers (catalog pages, product pages, searches) from a separate process, then the same
 * with 5 publishers; the registry must stay consistent. MESH_BENCH_SECONDS sets each phase's
 * length (default 60).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { parse } from 'yaml';
import { contentHash } from '../src/platform/descriptor-bundle.js';
import { initProduct } from '../src/platform/init-product.js';
import { LocalPlatform } from '../src/platform/local-platform.js';
import { configFromEnv } from '../src/core/mesh-config.js';
import { createToken } from '../src/registry/operations/identity/tokens.js';
import { addTeamMember, createTeam } from '../src/registry/operations/identity/teams.js';
import { publishVersion } from '../src/registry/operations/products/publish-version.js';
import { listProducts } from '../src/registry/operations/products/read-products.js';
import { openRegistry } from '../src/registry/registry.js';
import { backgroundServices } from '../src/server/background-services.js';
import { silentLog } from '../src/core/json-log.js';
import { platformRunExecutor } from '../src/server/scheduler/run-executor.js';
import { startServer } from '../src/server/serve.js';
import type { DataProduct } from '../src/descriptor/data-product-schema.js';
import type { BenchReport } from './bench-report.js';

const WORDS = (
  'orders revenue customers invoices payments refunds shipments returns inventory stock suppliers products catalog pricing discounts ' +
  'campaigns leads churn retention sessions clicks impressions conversions subscriptions renewals tickets support agents calls surveys ' +
  'employees payroll benefits hiring contracts vendors budgets forecasts ledger accounts tax audits fraud risk scores devices sensors ' +
  'telemetry latency errors incidents deployments builds releases tracks albums artists playlists genres media reviews ratings'
).split(' ');
const DOMAINS = ['sales', 'finance', 'identity', 'marketing', 'support', 'hr', 'logistics', 'catalog', 'media', 'risk'];
const PRODUCTS = 10_000;

export async function bench(report: BenchReport): Promise<void> {
  let seconds = Number(process.env.MESH_BENCH_SECONDS) || 60;
  const dir = mkdtempSync(join(tmpdir(), 'mesh-bench-server-'));
  const { dir: tpl } = initProduct({
    name: 'template-product',
    domain: 'bench',
    owner: 'bench@company.com',
    template: 'file',
    cwd: dir,
  });
  const templateYaml = readFileSync(join(tpl, 'product.yaml'), 'utf8');
  const transformSql = readFileSync(join(tpl, 'transform.sql'), 'utf8');
  const template = parse(templateYaml) as DataProduct;

  const registry = await openRegistry({ sqlitePath: join(dir, 'registry.sqlite') });
  let seeded = performance.now();
  let rnd = 42;
  const random = () => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const ids: string[] = [];
  for (let i = 0; i < PRODUCTS; i++) {
    const p = structuredClone(template);
    const words = Array.from({ length: 6 }, () => WORDS[Math.floor(random() * WORDS.length)]);
    p.metadata.domain = DOMAINS[i % DOMAINS.length];
    p.metadata.name = `${words[0]}-${words[1]}-${i}`;
    p.metadata.description = `${words.join(' ')} by day, with ${words[2]} and ${words[3]} details.`;
    p.metadata.tags = [words[4], words[5]];
    ids.push(`${p.metadata.domain}/${p.metadata.name}`);
    await publishVersion(registry, {
      descriptor: p,
      sourceYaml: JSON.stringify(p),
      transformSql,
      contentHash: contentHash(p, transformSql),
      publishedBy: 'bench',
    });
  }
  seeded = (performance.now() - seeded) / 1000;
  report.metric('seed 10,000 products through publishVersion', seeded, 's');
  const reader = await createToken(registry, { user: 'reader', role: 'consumer', createdBy: 'bench' });
  await createTeam(registry, { name: 'bench-team', domains: ['bench'] });
  await addTeamMember(registry, 'bench-team', 'publisher');
  const publisher = await createToken(registry, { user: 'publisher', role: 'member', createdBy: 'bench' });

  const platform = new LocalPlatform({ registry, config: { ...configFromEnv(), actor: 'bench' } });
  const server = await startServer({
    platform,
    port: 0,
    log: silentLog,
    background: (reg, metrics) =>
      backgroundServices({
        registry: reg,
        metrics,
        log: silentLog,
        env: {},
        executor: platformRunExecutor(platform, {}),
      }),
  });
  const bundle = {
    file: 'product.yaml',
    yaml: JSON.stringify(
      { ...template, metadata: { ...template.metadata, domain: 'bench', version: '1.0.0' } },
      null,
      2,
    ),
    transformSql,
  };

  const load = (publishers: number) =>
    new Promise<{
      requests: number;
      rps: number;
      p50: number;
      p99: number;
      max: number;
      errors: number;
      sampleErrors: string[];
      published: Array<{ product: string; version: string; status: number }>;
    }>((resolve, reject) => {
      const args = JSON.stringify({
        url: server.url,
        readToken: reader.token,
        publishToken: publisher.token,
        seconds,
        readers: 50,
        publishers,
        publishPauseMs: 100,
        products: ids.filter((_, i) => i % 7 === 0),
        words: WORDS,
        bundle,
      });
      execFile(
        process.execPath,
        ['--import', 'tsx', fileURLToPath(new URL('./server-load.ts', import.meta.url)), args],
        { maxBuffer: 64 * 1024 * 1024, timeout: (seconds + 60) * 1000 },
        (error, stdout, stderr) => {
          if (error) return reject(new Error(`load generator failed: ${error.message}\n${stderr}`));
          resolve(JSON.parse(stdout.trim().split('\n').at(-1)!));
        },
      );
    });

  report.note(
    `${seconds}s per phase after a 3s warm-up, 50 concurrent readers in a separate process; mix: catalog pages (50 per page), product pages, one-word searches`,
  );
  const measured = seconds;
  seconds = 3;
  await load(0); // warm-up: JIT, caches, the monitor's first pass over the catalog
  seconds = measured;
  const reads = await load(0);
  report.metric('read load: requests/s', reads.rps, 'req/s', { min: 1500 });
  report.metric('read load: p50 latency', reads.p50, 'ms');
  report.metric('read load: p99 latency', reads.p99, 'ms', { max: 100 });
  report.metric('read load: errors', reads.errors, 'errors', { max: 0 });
  if (reads.errors) report.note(`sample errors: ${reads.sampleErrors.join('; ')}`);

  const mixed = await load(5);
  const created = mixed.published.filter((p) => p.status === 201);
  report.metric('with 5 publishers: read+publish requests/s', mixed.rps, 'req/s', { min: 1500 });
  report.metric('with 5 publishers: p99 latency', mixed.p99, 'ms', { max: 100 });
  report.metric('with 5 publishers: errors', mixed.errors, 'errors', { max: 0 });
  report.metric('with 5 publishers: versions published', created.length, 'versions');
  if (mixed.errors) report.note(`sample errors: ${mixed.sampleErrors.join('; ')}`);

  // Consistency: every 201 is exactly one version row and one event; the latest version is the semver maximum.
  const problems: string[] = [];
  const versions = await registry.db
    .selectFrom('product_versions')
    .select(['product_id', 'version'])
    .where('product_id', 'like', 'bench/%')
    .execute();
  const events = await registry.db
    .selectFrom('events')
    .select(['subject', 'data'])
    .where('type', '=', 'product.published')
    .where('subject', 'like', 'bench/%')
    .execute();
  if (versions.length !== created.length)
    problems.push(`${created.length} publications answered 201 but ${versions.length} versions exist`);
  if (events.length !== versions.length)
    problems.push(`${versions.length} versions but ${events.length} product.published events`);
  const byProduct = new Map<string, string[]>();
  for (const v of versions) byProduct.set(v.product_id, [...(byProduct.get(v.product_id) ?? []), v.version]);
  const rows = await registry.db
    .selectFrom('products')
    .select(['id', 'latest_version'])
    .where('id', 'like', 'bench/%')
    .execute();
  for (const r of rows) {
    const max = semver.rsort([...(byProduct.get(r.id) ?? [])])[0];
    if (r.latest_version !== max) problems.push(`${r.id}: latest ${r.latest_version}, newest version ${max}`);
  }
  // The server's cached view must agree with the registry once the writes are done.
  const served: Array<{ id: string; latestVersion: string }> = [];
  for (let offset = 0; ; offset += 10_000) {
    const page = (await (
      await fetch(`${server.url}/v1/products?limit=10000&offset=${offset}`, {
        headers: { authorization: `Bearer ${reader.token}` },
      })
    ).json()) as typeof served;
    served.push(...page);
    if (page.length < 10_000) break;
  }
  const stored = await listProducts(registry, { limit: 20_000 });
  if (served.length !== stored.length)
    problems.push(`the server lists ${served.length} products, the registry has ${stored.length}`);
  for (let i = 0; i < Math.min(served.length, stored.length); i++) {
    if (served[i].id !== stored[i].id || served[i].latestVersion !== stored[i].latestVersion) {
      problems.push(
        `the server lists ${served[i].id}@${served[i].latestVersion} where the registry has ${stored[i].id}@${stored[i].latestVersion}`,
      );
      break;
    }
  }
  const contended = (await (
    await fetch(`${server.url}/v1/products/bench/contended`, { headers: { authorization: `Bearer ${reader.token}` } })
  ).json()) as { product?: { latestVersion: string } };
  const contendedRow = rows.find((r) => r.id === 'bench/contended');
  if (contendedRow && contended.product?.latestVersion !== contendedRow.latest_version)
    problems.push(`bench/contended: served ${contended.product?.latestVersion}, stored ${contendedRow.latest_version}`);
  report.metric('with 5 publishers: consistency problems', problems.length, 'problems', { max: 0 });
  for (const p of problems.slice(0, 5)) report.note(`inconsistent: ${p}`);

  await server.close();
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
}
