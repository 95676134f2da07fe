/**
 * The web catalog in a real browser (Debian's Chromium through playwright-core, never a
 * downloaded one) against a real server: sign in with a token, search as you type with facet
 * counts, open a product with the keyboard, see its schema with PII badges, request access and
 * see the request's state. Screenshots of the pages go to reports/screenshots/.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import type { AppEnv } from '../../src/server/app-env.js';
import { WEB_DIST, webCatalogRoutes } from '../../src/server/web-catalog.js';
import { launchChromium, paintedPixels, SHOTS } from '../helpers/browser.js';
import { saveRating } from '../../src/registry/operations/ratings/save-rating.js';
import { productBundle } from '../helpers/products.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
let browser: Browser;
let consumer: string;
let csvFile: string;

async function publish(name: string, description: string, tags: string[], domain = 'sales', version = '1.0.0') {
  const bundle = productBundle({
    name,
    domain,
    version,
    description,
    tags,
    edit: (p) => {
      const email = p.spec.schema.columns.find((c) => c.type === 'varchar') ?? p.spec.schema.columns[0];
      Object.assign(email, { pii: 'direct', masking: 'hash', description: 'who placed the order' });
      Object.assign(p.spec, { retention: '365d' });
      p.spec.inputs = [{ name: 'records', source: { type: 'file', path: csvFile, format: 'csv' } }];
    },
  });
  const res = await fetch(`${server.url}/v1/products`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(bundle),
  });
  expect(res.status, await res.clone().text()).toBe(201);
}

beforeAll(async () => {
  expect(existsSync(join(WEB_DIST, 'index.html')), 'the built bundle is committed in web/dist').toBe(true);
  const data = mkdtempSync(join(tmpdir(), 'mesh-web-data-'));
  csvFile = join(data, 'records.csv');
  writeFileSync(
    csvFile,
    'id,label,amount,updated_at\n1,alice,1.50,2024-01-01 00:00:00\n2,bob,2.50,2024-01-02 00:00:00\n',
  );
  server = await startTestServer('sqlite', { maskingKey: 'web-catalog-test-masking-key-0123456789' });
  await publish('orders-daily', 'Daily orders per customer and country, for revenue reporting.', ['finance']);
  await publish('returns-weekly', 'Weekly product returns by reason, for the quality team.', ['quality']);
  await publish('customers', 'Every customer with their country and segment, the identity master.', [], 'identity');
  await createTeam(server.registry, { name: 'analytics', domains: [] });
  await addTeamMember(server.registry, 'analytics', 'carol');
  consumer = await server.token('carol', 'consumer');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function signedIn(token = consumer): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect.poll(() => page.getByRole('combobox').count()).toBe(1);
  return page;
}

describe('the web catalog in Chromium', () => {
  it('refuses a wrong token with a message that says what to do, and nothing is signed in', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.getByLabel('API token').fill('mesh_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('That token is not valid');
    expect(await page.getByRole('combobox').count()).toBe(0);
    await page.close();
  });

  it('searches as you type with facet counts, keeps the token out of the URL, and opens a product by keyboard', async () => {
    const page = await signedIn();
    expect(page.url()).not.toContain(consumer);
    expect(await page.evaluate(() => sessionStorage.getItem('meshwork.token'))).toBe(consumer);
    await page.keyboard.press('/');
    await page.keyboard.type('orders');
    const options = page.getByRole('option');
    await expect.poll(() => options.count()).toBe(1);
    expect(await options.first().textContent()).toContain('orders-daily');
    // At a glance: owner, freshness against its target, last run, rating.
    expect(await options.first().locator('.meta').textContent()).toMatch(
      /^owner \S+@\S+ · no data yet \(target 1d\) · never run · not rated$/,
    );
    expect(await page.getByRole('status').first().textContent()).toContain('1 product');
    const filters = page.getByRole('complementary', { name: 'filters' });
    expect(await filters.textContent()).toMatch(/Domain\s*sales\s*1/);
    expect(await filters.textContent()).toMatch(/Freshness SLA\s*met\s*1.*Stale\s*no\s*1/s);
    await page.screenshot({ path: join(SHOTS, 'search.png'), fullPage: true });
    // Widen the search, then narrow it with a facet.
    await page.getByRole('combobox').fill('');
    await expect.poll(() => options.count()).toBe(3);
    await page.getByRole('checkbox', { name: /identity/ }).check();
    await expect.poll(() => options.count()).toBe(1);
    expect(await options.first().textContent()).toContain('customers');
    await page.getByRole('checkbox', { name: /identity/ }).uncheck();
    await page.getByRole('combobox').fill('returns');
    await expect.poll(() => options.allTextContents()).toEqual([expect.stringContaining('returns-weekly')]);
    await page.getByRole('combobox').press('Enter');
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(page.url()).toContain('#/p/sales/returns-weekly');
    await page.close();
  });

  it('shows a product page with its schema and PII badges, and requests access for a team', async () => {
    const page = await signedIn();
    await page.goto(`${server.url}/#/p/sales/orders-daily`);
    const heading = page.getByRole('heading', { level: 1 });
    await heading.waitFor();
    expect(await heading.textContent()).toContain('v1.0.0');
    const schema = page.getByRole('table');
    expect(await schema.textContent()).toContain('direct · masked: hash');
    expect(await page.getByText('mesh query "SELECT * FROM sales.orders_daily LIMIT 10"').count()).toBe(1);
    expect(await page.getByText('No runs yet').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'product.png'), fullPage: true });
    await page.getByLabel('Team').fill('analytics');
    await page.getByLabel('Purpose').fill('weekly revenue dashboard');
    await page.getByRole('button', { name: 'Request access' }).click();
    const state = page.getByRole('status').filter({ hasText: 'Request' });
    await state.waitFor();
    expect(await state.textContent()).toMatch(/for team analytics: pending/);
    const pending = await fetch(`${server.url}/v1/access?pending=true`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(await pending.text()).toContain('weekly revenue dashboard');
    await page.close();
  });

  it('shows freshness with a 30-day SLA chart, the check history, ratings and the ODCS contract', async () => {
    for (let i = 0; i < 2; i++) {
      const run = await fetch(`${server.url}/v1/products/sales/returns-weekly/runs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminToken}` },
      });
      expect(run.status, await run.clone().text()).toBe(201);
    }
    await saveRating(server.registry, {
      product: 'sales/returns-weekly',
      team: 'analytics',
      score: 9,
      comment: 'exactly what the dashboard needs',
      ratedBy: 'carol',
    });
    const page = await signedIn();
    await page.goto(`${server.url}/#/p/sales/returns-weekly`);
    await expect
      .poll(() => page.getByRole('region', { name: 'Consumers' }).textContent())
      .toMatch(/No consumers yet: no product reads it and no team holds a grant\./);
    const freshness = page.getByRole('region', { name: 'Freshness and SLA' });
    await expect.poll(() => freshness.textContent()).toMatch(/Now: fresh · target 1d/);
    expect(await freshness.textContent()).toContain('Last 30 days: 100% within target');
    const sla = freshness.getByRole('img', { name: /Share of each of the last 30 days/ });
    expect(await sla.getAttribute('aria-label')).toMatch(/\d{4}-\d\d-\d\d 100%$/);
    const checks = page.getByRole('region', { name: 'Check history' });
    await checks.getByRole('img').waitFor();
    expect(await checks.getByRole('img').getAttribute('aria-label')).toMatch(
      /^Checks passed and failed in each of the last 2 runs: (\d+) passed, 0 failed; \1 passed, 0 failed$/,
    );
    for (const n of await paintedPixels(page.locator('canvas'))) expect(n).toBeGreaterThan(200);
    expect(await page.getByRole('list', { name: 'ratings' }).textContent()).toBe(
      `9/10 from analytics (${new Date().getUTCFullYear()}-Q${Math.floor(new Date().getUTCMonth() / 3) + 1}): “exactly what the dashboard needs”`,
    );
    // A documentation-only release shows in the history, classified against the version before.
    await publish(
      'returns-weekly',
      'Weekly product returns by reason and channel, for the quality team.',
      ['quality'],
      'sales',
      '1.0.1',
    );
    await page.reload();
    const versions = page.getByRole('list', { name: 'versions' });
    await versions.waitFor();
    expect(await versions.locator(':scope > li').allTextContents()).toEqual([
      expect.stringMatching(/^v1\.0\.1 active.*patch metadata\.description: only documentation and contacts changed/),
      'v1.0.0 active · first version',
    ]);
    await page.getByRole('button', { name: 'ODCS data contract' }).click();
    const contract = page.getByLabel('ODCS document');
    await contract.waitFor();
    expect(await contract.textContent()).toContain('kind: DataContract');
    await page.screenshot({ path: join(SHOTS, 'product-insights.png'), fullPage: true });
    await page.close();
  });

  it('says what went wrong for a product that does not exist', async () => {
    const page = await signedIn();
    await page.goto(`${server.url}/#/p/sales/nope`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/sales\/nope: .*no product/i);
    await page.close();
  });
});

describe('the query snippet through the API', () => {
  it('refuses before a grant with the command to ask, and after approval returns rows with PII masked', async () => {
    const admin = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
    const run = await fetch(`${server.url}/v1/products/sales/returns-weekly/runs`, { method: 'POST', headers: admin });
    expect((await run.json()).status).toBe('succeeded');
    const page = await signedIn();
    await page.goto(`${server.url}/#/p/sales/returns-weekly`);
    await page.getByRole('button', { name: 'Run it here' }).click();
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('mesh access request sales/returns-weekly');
    await page.getByLabel('Team').fill('analytics');
    await page.getByLabel('Purpose').fill('returns by reason, weekly');
    await page.getByRole('button', { name: 'Request access' }).click();
    const state = page.getByRole('status').filter({ hasText: 'Request' });
    await state.waitFor();
    const id = /Request (\S+) for team/.exec((await state.textContent()) ?? '')![1];
    const approved = await fetch(`${server.url}/v1/access/requests/${id}/approve`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ reason: 'ok' }),
    });
    expect(approved.status, await approved.clone().text()).toBe(200);
    await page.getByRole('button', { name: 'Run it here' }).click();
    const result = page.getByRole('table', { name: 'query result' });
    await result.waitFor({ timeout: 10_000 }).catch(async (e: Error) => {
      throw new Error(`${e.message}: ${await page.locator('main').textContent()}`);
    });
    const text = (await result.textContent()) ?? '';
    expect(text).toContain('1.5');
    expect(text).not.toContain('alice');
    expect(text).not.toContain('bob');
    await page.screenshot({ path: join(SHOTS, 'query.png'), fullPage: true });
    // The grant makes the team a consumer of the product, on its page.
    await page.reload();
    const consumers = page.getByRole('list', { name: 'consumers' });
    await consumers.waitFor();
    expect(await consumers.textContent()).toMatch(/analytics\s*team with a grant/);
    await page.close();
  });
});

describe('the access inbox', () => {
  it('lets the owning domain approve a pending request in place; a consumer who may not decide is told so', async () => {
    const asked = await fetch(`${server.url}/v1/access/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${consumer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ product: 'identity/customers', team: 'analytics', purpose: 'churn model features' }),
    });
    expect(asked.status, await asked.clone().text()).toBe(201);
    const label = 'identity/customers for team analytics';

    const outsider = await signedIn();
    await outsider.getByRole('link', { name: 'Access requests' }).click();
    const row = outsider.getByRole('listitem', { name: label });
    await row.waitFor();
    expect(await row.textContent()).toContain('“churn model features” — asked by carol');
    await row.getByRole('button', { name: 'Approve' }).click();
    const refused = outsider.getByRole('alert');
    await refused.waitFor();
    expect(await refused.textContent()).toMatch(/carol .*may not/);
    await outsider.close();

    const owner = await signedIn(await server.token('ivy', 'member', { domains: ['identity'] }));
    await owner.goto(`${server.url}/#/access`);
    const pending = owner.getByRole('listitem', { name: label });
    await pending.waitFor();
    await pending.getByLabel('Reason').fill('features for the churn model are fine');
    await pending.getByRole('button', { name: 'Approve' }).click();
    const decided = owner.getByRole('list', { name: 'decided requests' });
    await decided.waitFor();
    expect(await decided.textContent()).toMatch(
      /identity\/customers for team analytics: approved \(grant [\w-]+\) — features for the churn model are fine/,
    );
    expect(await owner.getByRole('listitem', { name: label }).count()).toBe(0);
    await owner.screenshot({ path: join(SHOTS, 'access-inbox.png'), fullPage: true });
    await owner.close();
    const grants = await fetch(`${server.url}/v1/access?product=identity/customers`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    const listing = (await grants.json()) as { grants: Array<{ grantee: string; origin: string }> };
    expect(listing.grants.filter((g) => g.origin === 'request').map((g) => g.grantee)).toEqual(['analytics']);
  });
});

describe('the mesh health page', () => {
  it('shows the mesh figures, the failure patterns with their remedy, and each domain', async () => {
    const page = await signedIn();
    await page.getByRole('link', { name: 'Mesh health' }).click();
    const figures = page.getByRole('list', { name: 'mesh figures' });
    await figures.waitFor();
    expect(await figures.textContent()).toMatch(/3 products: \d active, \d+ stale, 0 failing/);
    const api = await fetch(`${server.url}/v1/health/mesh?weeks=0`, {
      headers: { authorization: `Bearer ${consumer}` },
    });
    const health = (await api.json()) as { diagnosis: Array<{ pattern: string; remedy: string }> };
    for (const f of health.diagnosis) {
      const finding = page.getByRole('article', { name: f.pattern });
      expect(await finding.textContent()).toContain(`remedy: ${f.remedy}`);
    }
    const domains = page.getByRole('table', { name: 'domains' });
    expect(await domains.locator('tbody tr').allTextContents()).toEqual([
      expect.stringMatching(/^identity/),
      expect.stringMatching(/^sales/),
    ]);
    const trend = page.getByRole('region', { name: 'Weekly trend' });
    const charts = trend.getByRole('img');
    expect(await charts.count()).toBe(3);
    const products = await charts.first().getAttribute('aria-label');
    expect(products).toMatch(/^Products each week: active: /);
    expect(products!.split(';')[0].match(/\d{4}-\d\d-\d\d/g)).toHaveLength(13); // 12 weeks back and now
    for (const n of await paintedPixels(trend.locator('canvas'))) expect(n).toBeGreaterThan(200);
    await page.screenshot({ path: join(SHOTS, 'health.png'), fullPage: true });
    await page.close();
  });
});

describe('serving the bundle', () => {
  it('serves only the files of the build, with a strict Content Security Policy', async () => {
    const index = await fetch(`${server.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await index.text()).toContain('<div id="root">');
    expect((await fetch(`${server.url}/assets/app.js`)).headers.get('content-type')).toContain('text/javascript');
    expect((await fetch(`${server.url}/assets/..%2f..%2fpackage.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/assets/nothing.js`)).status).toBe(404);
  });

  it('says how to build it when the bundle is missing', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'mesh-web-'));
    writeFileSync(join(empty, 'not-index.txt'), '');
    const app = new Hono<AppEnv>();
    webCatalogRoutes(app, empty);
    const res = await app.request('/');
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('npm run build:web');
  });
});
