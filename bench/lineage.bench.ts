/**
 * The lineage graph at scale, on SQLite and PostgreSQL: 10,000 products and 30,000 edges (each
 * product reads three earlier ones), a 3-hop graph around one product in both directions
 * (target p95 ≤ 50 ms), against a baseline measured in the same run: the 1-hop graph of the
 * same products (the fixed cost of a lineage request). Then one product with 1,000 direct
 * consumers: its first page (200 nodes) must come at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { lineageGraph } from '../src/lineage/lineage-graph.js';
import { productNodeId } from '../src/registry/operations/lineage/lineage-ids.js';
import { openRegistry, writeTransaction, type Registry } from '../src/registry/registry.js';
import { createTestDatabase } from '../test/helpers/registries.js';
import type { BenchReport } from './bench-report.js';

const PRODUCTS = 10_000;
const READS_PER_PRODUCT = 3;
const FAN_OUT = 1_000;
const ROUNDS = 200;

export async function bench(report: BenchReport): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'mesh-lineage-bench-'));
  try {
    for (const backend of ['sqlite', 'postgres'] as const) await benchBackend(report, backend, root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function benchBackend(report: BenchReport, backend: 'sqlite' | 'postgres', root: string): Promise<void> {
  let registry: Registry;
  let drop = async () => {};
  if (backend === 'sqlite') registry = await openRegistry({ sqlitePath: join(root, 'lineage.sqlite') });
  else {
    const db = await createTestDatabase('mesh_bench_lineage');
    drop = db.drop;
    registry = await openRegistry({ url: db.url });
  }
  try {
    const edges = await seedGraph(registry);
    if (backend === 'postgres') await sql`vacuum analyze`.execute(registry.db);
    report.note(`${PRODUCTS.toLocaleString('en-US')} products, ${edges.toLocaleString('en-US')} edges (${backend})`);
    const roots = Array.from({ length: 20 }, (_, i) => productRef(2_000 + i * 397));
    const oneHop = await percentiles(roots, (r) => lineageGraph(registry, r, { depth: 1 }));
    const threeHops = await percentiles(roots, (r) => lineageGraph(registry, r, { depth: 3 }));
    const sample = await lineageGraph(registry, roots[0], { depth: 3 });
    report.metric(`3-hop graph, both directions, p95 (${backend})`, threeHops.p95, 'ms', { max: 50 });
    report.metric(`  median (${backend})`, threeHops.p50, 'ms');
    report.metric(`  baseline: 1-hop graph, p95 (${backend})`, oneHop.p95, 'ms');
    report.metric(`  ratio 3 hops / 1 hop, p95 (${backend})`, threeHops.p95 / oneHop.p95, 'x');
    report.note(`  e.g. ${roots[0]}: ${sample.total} nodes, ${sample.edges.length} edges within 3 hops`);
    const fan = await percentiles(['d0/p0'], (r) => lineageGraph(registry, r, { direction: 'downstream', depth: 1 }));
    report.metric(
      `first page of a product with ${FAN_OUT.toLocaleString('en-US')} consumers, p95 (${backend})`,
      fan.p95,
      'ms',
      {
        max: 50,
      },
    );
  } finally {
    await registry.close();
    await drop();
  }
}

/** Products p0…p9999 (domain d0…d7); each reads three earlier products; p0 gets 1,000 extra consumers. */
async function seedGraph(registry: Registry): Promise<number> {
  const now = new Date().toISOString();
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const id = productRef;
  const edges: Array<{
    from_id: string;
    to_id: string;
    owner: string;
    origin: string;
    input_name: string;
    updated_at: string;
  }> = [];
  for (let i = 1; i < PRODUCTS; i++) {
    const upstream = new Set<number>();
    while (upstream.size < Math.min(READS_PER_PRODUCT, i)) upstream.add(Math.floor(random() * i));
    for (const u of upstream)
      edges.push({
        from_id: productNodeId(id(u)),
        to_id: productNodeId(id(i)),
        owner: id(i),
        origin: 'publish',
        input_name: `in${u}`,
        updated_at: now,
      });
  }
  for (let c = 0; c < FAN_OUT; c++)
    edges.push({
      from_id: productNodeId(id(0)),
      to_id: productNodeId(id(1 + c)),
      owner: id(1 + c),
      origin: 'publish',
      input_name: 'fan',
      updated_at: now,
    });
  await writeTransaction(registry, async (tx) => {
    for (let i = 0; i < PRODUCTS; i += 500) {
      const slice = Array.from({ length: Math.min(500, PRODUCTS - i) }, (_, k) => i + k);
      await tx
        .insertInto('products')
        .values(
          slice.map((n) => ({
            id: id(n),
            domain: `d${n % 8}`,
            name: `p${n}`,
            owner: `team${n % 50}@company.com`,
            oncall: null,
            description: null,
            latest_version: '1.0.0',
            created_at: now,
            updated_at: now,
          })),
        )
        .execute();
      await tx
        .insertInto('lineage_nodes')
        .values(
          slice.map((n) => ({
            id: productNodeId(id(n)),
            kind: 'product',
            label: id(n),
            external: 0,
            freshness_target: '1d',
            updated_at: now,
          })),
        )
        .execute();
    }
    for (let i = 0; i < edges.length; i += 1_000)
      await tx
        .insertInto('lineage_edges')
        .values(edges.slice(i, i + 1_000))
        .execute();
  });
  return edges.length;
}

const productRef = (i: number) => `d${i % 8}/p${i}`;

async function percentiles<T>(
  items: readonly T[],
  fn: (item: T) => Promise<unknown>,
): Promise<{ p50: number; p95: number }> {
  for (const item of items) await fn(item); // warm-up
  const times: number[] = [];
  for (let r = 0; times.length < ROUNDS; r++)
    for (const item of items) {
      const t = performance.now();
      await fn(item);
      times.push(performance.now() - t);
    }
  times.sort((a, b) => a - b);
  const at = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  return { p50: at(0.5), p95: at(0.95) };
}
