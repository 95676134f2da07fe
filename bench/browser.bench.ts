/**
 * The web catalog in Chromium (Debian's, through playwright-core) against a real server with
 * 10,000 products (rows seeded as the search bench does, then the search index built): the
 * first load of `/` with a cold cache, search results after a keystroke (key press → the result
 * list changed on screen), a product page (hash change → its heading on screen), and a 3-hop
 * lineage graph of 200 nodes (the elkjs layout, and hash change → every node drawn), plus the
 * first page's JavaScript size gzip. Medians hold the targets; p95 is printed beside them.
 * MESH_BENCH_QUICK=1: fewer samples. MESH_BENCH_BROWSER_100K=1 adds a 100,000-product phase.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { reindexRegistry } from '../src/registry/operations/products/search-index.js';
import { productNodeId } from '../src/registry/operations/lineage/lineage-ids.js';
import { ensureNodes, insertOwnedEdges } from '../src/registry/operations/lineage/write-lineage.js';
import { writeTransaction, type Registry } from '../src/registry/registry.js';
import { WEB_DIST } from '../src/server/web-catalog.js';
import { launchChromium } from '../test/helpers/browser.js';
import { startTestServer, type TestServer } from '../test/helpers/test-server.js';
import type { BenchReport } from './bench-report.js';
import { seedRows } from './search.bench.js';

const QUICK = Boolean(process.env.MESH_BENCH_QUICK);
const SAMPLES = QUICK ? 3 : 7;
/** Settle on the first text, then one key press replaces it (the text is selected): the list must change. */
const KEYSTROKES: Array<[string, string]> = [
  ['orders', 'c'],
  ['customer', 'i'],
  ['invoice', 's'],
  ['session', 'm'],
  ['margin', 't'],
  ['track', 'r'],
];
/** Upstream and downstream nodes per hop of the lineage graph: 84 + 115 + the root = 200. */
const UPSTREAM = [4, 16, 64];
const DOWNSTREAM = [5, 22, 88];

export async function bench(report: BenchReport): Promise<void> {
  reportBundle(report);
  const server = await startTestServer('sqlite');
  const browser = await launchChromium();
  try {
    const token = await server.token('bench-reader', 'consumer');
    const sizes = process.env.MESH_BENCH_BROWSER_100K ? [10_000, 100_000] : [10_000];
    let seeded = 0;
    let lineageRoot: string | undefined;
    for (const size of sizes) {
      await seedRows(server.registry, seeded, size);
      seeded = size;
      await reindexRegistry(server.registry);
      lineageRoot ??= await seedLineage(server.registry);
      await benchSize(report, { server, browser, token, size, lineageRoot });
    }
  } finally {
    await browser.close();
    await server.close();
  }
}

/** The first page's scripts (index.html's module script and what it preloads), gzip; the lineage chunk apart. */
function reportBundle(report: BenchReport): void {
  const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
  const first = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  const gz = (file: string) => gzipSync(readFileSync(join(WEB_DIST, file))).length / 1024;
  report.metric(
    'first page JavaScript, gzip',
    first.map(gz).reduce((a, b) => a + b, 0),
    'kB',
    { max: 500 },
  );
  const lazy = readdirSync(join(WEB_DIST, 'assets')).filter((f) => /^lineage-page.*\.js$/.test(f));
  report.metric(
    '  lineage page chunk (elkjs, React Flow), gzip',
    lazy.map((f) => gz(`assets/${f}`)).reduce((a, b) => a + b, 0),
    'kB',
  );
}

interface Phase {
  readonly server: TestServer;
  readonly browser: Browser;
  readonly token: string;
  readonly size: number;
  readonly lineageRoot: string;
}

async function benchSize(report: BenchReport, phase: Phase): Promise<void> {
  const n = phase.size.toLocaleString('en-US');
  report.note(`${n} products`);
  const load = await firstLoads(phase);
  report.metric(`first load of /, cold cache, median (${n})`, load.p50, 'ms', { max: 1000 });
  report.metric(`  p95 (${n})`, load.p95, 'ms');
  const page = await signedInPage(phase);
  try {
    await page.goto(phase.server.url);
    await page.getByRole('option').first().waitFor();
    const search = await keystrokes(page);
    report.metric(`search results after a keystroke, median (${n})`, search.p50, 'ms', { max: 100 });
    report.metric(`  p95 (${n})`, search.p95, 'ms');
    const product = await productPages(page, phase.server.registry);
    report.metric(`product page, median (${n})`, product.p50, 'ms', { max: 300 });
    report.metric(`  p95 (${n})`, product.p95, 'ms');
    await lineageGraphs(report, page, phase.lineageRoot, n);
  } finally {
    await page.close();
  }
}

async function signedInPage(phase: Phase): Promise<Page> {
  const context = await phase.browser.newContext({ viewport: { width: 1400, height: 900 } });
  await context.addInitScript((t) => sessionStorage.setItem('meshwork.token', t), phase.token);
  // tsx (esbuild, keepNames) wraps the functions this file hands to page.evaluate in __name().
  await context.addInitScript('window.__name = (f) => f');
  const page = await context.newPage();
  return page;
}

/** Each in a fresh context (nothing cached): goto → the first results listed. */
async function firstLoads(phase: Phase) {
  const times: number[] = [];
  for (let i = 0; i < SAMPLES + 1; i++) {
    const page = await signedInPage(phase);
    const started = performance.now();
    await page.goto(phase.server.url);
    await page.getByRole('option').first().waitFor();
    const ms = performance.now() - started;
    if (i > 0) times.push(ms); // the first warms the server and the browser process
    await page.context().close();
  }
  return spread(times);
}

/** Key press → the result list on screen is not the one before it (timed inside the page). */
async function keystrokes(page: Page) {
  const times: number[] = [];
  for (let round = 0; round < Math.max(1, SAMPLES - 3); round++)
    for (const [settle, key] of KEYSTROKES) {
      const box = page.getByRole('combobox');
      const answered = page.waitForResponse((r) => r.url().includes(`q=${settle}&`));
      await box.fill(settle);
      await answered;
      await page.waitForTimeout(100);
      await box.selectText();
      await page.evaluate(armListChange);
      await page.keyboard.press(key);
      times.push(await page.evaluate(() => (window as unknown as Armed).listChanged));
    }
  return spread(times);
}

interface Armed {
  listChanged: Promise<number>;
}

/** In the page: `listChanged` resolves with the ms from the next keydown to the result list's next change. */
function armListChange(): void {
  const list = document.querySelector('[role=listbox]')!;
  const before = list.innerHTML;
  let down = 0;
  window.addEventListener('keydown', () => (down = performance.now()), { once: true, capture: true });
  (window as unknown as Armed).listChanged = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (down && list.innerHTML !== before) {
        observer.disconnect();
        resolve(performance.now() - down);
      }
    });
    observer.observe(list, { childList: true, subtree: true, characterData: true });
  });
}

/** Hash change → the product's heading on screen (timed inside the page), for products across the catalog. */
async function productPages(page: Page, registry: Registry) {
  const rows = await registry.db.selectFrom('products').select('id').orderBy('id').limit(200).execute();
  const ids = rows.filter((_, i) => i % 17 === 3).slice(0, SAMPLES + 1);
  const times: number[] = [];
  for (const [i, { id }] of ids.entries()) {
    const ms = await page.evaluate(timeRoute, { hash: `#/p/${id}`, selector: 'h1#product-name', count: 1 });
    if (i > 0) times.push(ms);
    await page.evaluate(() => (window.location.hash = '#/'));
    await page.getByRole('option').first().waitFor();
  }
  return spread(times);
}

/** In the page: set the hash, resolve with the ms until `count` elements match `selector`. */
function timeRoute(args: { hash: string; selector: string; count: number }): Promise<number> {
  return new Promise((resolve) => {
    const started = performance.now();
    const check = () => {
      if (document.querySelectorAll(args.selector).length >= args.count) resolve(performance.now() - started);
      else requestAnimationFrame(check);
    };
    window.location.hash = args.hash;
    requestAnimationFrame(check);
  });
}

async function lineageGraphs(report: BenchReport, page: Page, root: string, n: string): Promise<void> {
  const total = 1 + [...UPSTREAM, ...DOWNSTREAM].reduce((a, b) => a + b, 0);
  const layouts: number[] = [];
  const drawn: number[] = [];
  for (let i = 0; i < SAMPLES + 1; i++) {
    const ms = await page.evaluate(timeRoute, {
      hash: `#/lineage/${root}?depth=3`,
      selector: '.react-flow__node',
      count: total,
    });
    const layout = Number(await page.locator('.lineage-canvas').getAttribute('data-layout-ms'));
    if (i > 0) {
      drawn.push(ms);
      layouts.push(layout);
    } else
      report.note(`  first lineage graph (chunk loaded, layout engine cold), hash change → drawn: ${ms.toFixed(0)} ms`);
    await page.evaluate(() => (window.location.hash = '#/'));
    await page.getByRole('option').first().waitFor();
  }
  const layout = spread(layouts);
  const shown = spread(drawn);
  report.metric(`3-hop lineage, ${total} nodes, elkjs layout, median (${n})`, layout.p50, 'ms', {
    max: 500,
  });
  report.metric(`  p95 (${n})`, layout.p95, 'ms');
  report.metric(`  hash change → ${total} nodes drawn, median (${n})`, shown.p50, 'ms');
  report.metric(`  p95 (${n})`, shown.p95, 'ms');
}

/**
 * A lineage of 200 of the seeded products around the first: hop by hop, each new node is an
 * input (upstream) or a consumer (downstream) of one of the previous hop's nodes, round-robin.
 */
async function seedLineage(registry: Registry): Promise<string> {
  const total = 1 + [...UPSTREAM, ...DOWNSTREAM].reduce((a, b) => a + b, 0);
  const ids = (await registry.db.selectFrom('products').select('id').orderBy('id').limit(total).execute()).map(
    (r) => r.id,
  );
  const edges: Array<{ from: string; to: string; owner: string; inputName: string }> = [];
  let next = 1;
  const grow = (hops: number[], side: 'upstream' | 'downstream') => {
    let frontier = [ids[0]];
    for (const count of hops) {
      const added = ids.slice(next, next + count);
      next += count;
      added.forEach((id, k) => {
        const other = frontier[k % frontier.length];
        const [from, to] = side === 'upstream' ? [id, other] : [other, id];
        edges.push({ from: productNodeId(from), to: productNodeId(to), owner: to, inputName: from.split('/')[1] });
      });
      frontier = added;
    }
  };
  grow(UPSTREAM, 'upstream');
  grow(DOWNSTREAM, 'downstream');
  await writeTransaction(registry, async (tx) => {
    await ensureNodes(
      tx,
      ids.map((id) => ({ id: productNodeId(id), kind: 'product' as const, label: id })),
    );
    await insertOwnedEdges(tx, 'publish', edges);
  });
  return ids[0];
}

function spread(values: number[]): { p50: number; p95: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { p50: at(0.5), p95: at(0.95) };
}
