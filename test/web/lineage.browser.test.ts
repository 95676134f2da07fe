/**
 * The lineage graph page in Chromium against a real server: a product with an input and
 * consumers across domains shows one hop, a node's "+" brings its next hop, a product node
 * opens its page, a column shows the nodes it comes from, failing and stale products are
 * marked, a neighbourhood larger than a page comes page by page, and an unknown product says so. Screenshots go to reports/screenshots/.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordRunLineage } from '../../src/registry/operations/lineage/record-run-lineage.js';
import { HttpPlatform } from '../../src/server/client/http-platform.js';
import { WEB_DIST } from '../../src/server/web-catalog.js';
import { launchChromium, SHOTS } from '../helpers/browser.js';
import { pipelineBundle } from '../helpers/pipelines.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';

let server: TestServer;
let browser: Browser;
let token: string;

const columns = [
  { name: 'id', type: 'integer', nullable: false, pii: 'none' as const },
  { name: 'amount', type: 'double', pii: 'none' as const },
];

async function publish(ref: string, inputs: DataProduct['spec']['inputs'], sql: string): Promise<void> {
  const [domain, name] = ref.split('/');
  const client = new HttpPlatform({ baseUrl: server.url, token: server.adminToken, retries: 0 });
  await client.publish(pipelineBundle({ domain, name, inputs, sql, columns, primaryKey: ['id'] }));
}

beforeAll(async () => {
  expect(existsSync(join(WEB_DIST, 'index.html')), 'the built bundle is committed in web/dist').toBe(true);
  server = await startTestServer('sqlite');
  const csv = join(mkdtempSync(join(tmpdir(), 'mesh-lineage-web-')), 'orders.csv');
  writeFileSync(csv, 'id,amount\n1,10.5\n2,20\n');
  const file = [{ name: 'raw', source: { type: 'file' as const, path: csv, format: 'csv' as const } }];
  await publish('sales/orders', file, 'SELECT id, amount FROM raw');
  await publish(
    'sales/revenue',
    [{ name: 'orders', product: 'sales/orders@1' }],
    'SELECT id, amount * 2 AS amount FROM orders',
  );
  await publish('finance/ledger', [{ name: 'revenue', product: 'sales/revenue@1' }], 'SELECT id, amount FROM revenue');
  await publish(
    'finance/forecast',
    [{ name: 'ledger', product: 'finance/ledger@1' }],
    'SELECT id, sum(amount) AS amount FROM ledger GROUP BY id',
  );
  // The ledger's last run failed a check; the forecast's last good run is older than its 1-day target.
  const at = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString();
  await recordRunLineage(server.registry, {
    product: 'finance/ledger',
    runId: 'run-ledger-1',
    status: 'failed',
    finishedAt: at(0),
    failingChecks: 1,
    resolved: [],
  });
  await recordRunLineage(server.registry, {
    product: 'finance/forecast',
    runId: 'run-forecast-1',
    status: 'succeeded',
    finishedAt: at(3),
    failingChecks: 0,
    resolved: [],
  });
  token = await server.token('carol', 'consumer');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signedIn(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(server.url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('combobox').waitFor();
  return page;
}

const node = (page: Page, id: string) => page.locator(`.lineage-node[data-node-id="${id}"]`);
const shownIds = (page: Page) =>
  page.locator('.lineage-node').evaluateAll((els) => els.map((e) => e.getAttribute('data-node-id')).sort());

describe('the lineage graph in Chromium', () => {
  it('opens from the product page and shows one hop, each side laid out left to right', async () => {
    const page = await signedIn();
    await page.goto(`${server.url}/#/p/sales/revenue`);
    await page.getByRole('link', { name: 'Lineage graph' }).click();
    await page.getByRole('heading', { name: 'Lineage of sales/revenue' }).waitFor();
    expect(page.url()).toContain('#/lineage/sales/revenue');
    await expect
      .poll(() => shownIds(page))
      .toEqual(['product:finance/ledger', 'product:sales/orders', 'product:sales/revenue', 'team:analytics']);
    const x = async (id: string) => (await node(page, id).boundingBox())!.x;
    expect(await x('product:sales/orders')).toBeLessThan(await x('product:sales/revenue'));
    expect(await x('product:sales/revenue')).toBeLessThan(await x('product:finance/ledger'));
    expect(await x('product:sales/revenue')).toBeLessThan(await x('team:analytics'));
    expect(await page.getByRole('status').first().textContent()).toContain('4 nodes, 3 edges · 1 failing');
    // The lineage page came as its own chunk: the first page's script does not hold elkjs.
    const scripts = await page.evaluate(() =>
      performance
        .getEntriesByType('resource')
        .map((r) => r.name)
        .filter((n) => n.endsWith('.js')),
    );
    expect(scripts.some((s) => /lineage-page/.test(s))).toBe(true);
    await page.screenshot({ path: join(SHOTS, 'lineage.png'), fullPage: true });
    await page.close();
  });

  it('expands a node to its next hop on both sides', async () => {
    const page = await signedIn();
    await page.goto(`${server.url}/#/lineage/sales/revenue`);
    await node(page, 'product:finance/ledger').waitFor();
    expect(await page.getByRole('button', { name: 'Show the next hop of sales/revenue' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Show the next hop of finance/ledger' }).click();
    await node(page, 'product:finance/forecast').waitFor();
    await page.getByRole('button', { name: 'Show the next hop of sales/orders' }).click();
    await node(page, 'source:sales/orders/raw').waitFor();
    expect(await shownIds(page)).toEqual([
      'product:finance/forecast',
      'product:finance/ledger',
      'product:sales/orders',
      'product:sales/revenue',
      'source:sales/orders/raw',
      'team:analytics',
    ]);
    expect(await page.getByRole('button', { name: 'Show the next hop of finance/ledger' }).count()).toBe(0);
    const x = async (id: string) => (await node(page, id).boundingBox())!.x;
    expect(await x('source:sales/orders/raw')).toBeLessThan(await x('product:sales/orders'));
    expect(await x('product:finance/ledger')).toBeLessThan(await x('product:finance/forecast'));
    // Failing and stale products are marked, with the reason as the badge's title.
    const ledger = node(page, 'product:finance/ledger');
    expect(await ledger.getAttribute('class')).toContain('health-failing');
    expect(await ledger.locator('.badge.failing').getAttribute('title')).toMatch(
      /^the last run failed at .+: 1 check\(s\) failed in the last run$/,
    );
    expect(await node(page, 'product:finance/forecast').getAttribute('class')).toContain('health-stale');
    expect(await node(page, 'product:sales/orders').getAttribute('class')).toContain('health-ok');
    await page.screenshot({ path: join(SHOTS, 'lineage-expanded.png'), fullPage: true });
    await page.close();
  });

  it('pages a neighbourhood larger than a page: the next nodes come on a click, until none are left', async () => {
    const page = await signedIn();
    await page.goto(`${server.url}/#/lineage/sales/revenue?page=2`);
    await expect.poll(() => shownIds(page)).toEqual(['product:sales/orders', 'product:sales/revenue']);
    expect(await page.getByRole('status').first().textContent()).toContain(
      '2 nodes, 1 edges · 2 more on further pages',
    );
    await page.getByRole('button', { name: "Show 2 more of sales/revenue's neighbourhood" }).click();
    await expect
      .poll(() => shownIds(page))
      .toEqual(['product:finance/ledger', 'product:sales/orders', 'product:sales/revenue', 'team:analytics']);
    expect(await page.getByRole('status').first().textContent()).toContain('4 nodes, 3 edges · 1 failing.');
    expect(await page.getByRole('button', { name: /^Show \d+ more/ }).count()).toBe(0);
    await page.close();
  });

  it('shows a column’s lineage on a click and highlights the node it comes from', async () => {
    const page = await signedIn();
    await page.goto(`${server.url}/#/lineage/sales/revenue`);
    const panel = page.getByRole('complementary', { name: 'columns' });
    await panel.getByRole('button', { name: 'amount' }).click();
    const detail = panel.getByRole('status');
    await detail.waitFor();
    expect(await detail.textContent()).toMatch(/transformation.*← sales\/orders\.amount.*\(input orders\)/);
    await expect.poll(() => node(page, 'product:sales/orders').getAttribute('class')).toContain('column-source');
    expect(await node(page, 'product:finance/ledger').getAttribute('class')).not.toContain('column-source');
    await page.screenshot({ path: join(SHOTS, 'lineage-column.png'), fullPage: true });
    // Another product's columns: click its node.
    await node(page, 'product:finance/ledger').locator('.node-kind').click();
    await panel.getByRole('heading', { name: 'Columns of finance/ledger' }).waitFor();
    await panel.getByRole('button', { name: 'id' }).click();
    expect(await panel.getByRole('status').textContent()).toMatch(/identity.*← sales\/revenue\.id/);
    await page.close();
  });

  it('opens a product node’s page on a click', async () => {
    const page = await signedIn();
    await page.goto(`${server.url}/#/lineage/sales/revenue`);
    await node(page, 'product:finance/ledger').getByRole('link', { name: 'finance/ledger' }).click();
    await page.getByRole('heading', { level: 1, name: /ledger/ }).waitFor();
    expect(page.url()).toContain('#/p/finance/ledger');
    await page.close();
  });

  it('says what went wrong for a product that does not exist', async () => {
    const page = await signedIn();
    await page.goto(`${server.url}/#/lineage/sales/nope`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/The lineage of sales\/nope could not be loaded: no product sales\/nope/);
    await page.close();
  });
});
