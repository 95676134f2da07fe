/**
 * The catalog's main pages under axe-core (its own script injected into the page, nothing
 * fetched): no serious or critical violation on search, product, access inbox, my access,
 * health, new product, domain and governance, in the light and the dark theme and at a phone's width.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, SHOTS } from '../helpers/browser.js';
import { productBundle } from '../helpers/products.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server: TestServer;
let browser: Browser;
let token: string;

const PAGES: ReadonlyArray<{ name: string; hash: string; ready: string }> = [
  { name: 'search', hash: '/', ready: 'orders-daily' },
  { name: 'product', hash: '/p/sales/orders-daily', ready: 'Request access' },
  { name: 'access inbox', hash: '/access', ready: 'weekly revenue dashboard' },
  { name: 'my access', hash: '/my-access', ready: 'Grants' },
  { name: 'health', hash: '/health', ready: 'Diagnosis' },
  { name: 'new product', hash: '/new', ready: 'Validation and governance' },
  { name: 'domain', hash: '/domains/sales', ready: 'Scorecard' },
  { name: 'governance', hash: '/governance', ready: 'Findings across the mesh' },
];

const VIEWS = [
  { theme: 'light', width: 1280 },
  { theme: 'dark', width: 1280 },
  { theme: 'light', width: 390 },
  { theme: 'dark', width: 390 },
] as const;

beforeAll(async () => {
  server = await startTestServer('sqlite');
  const bundle = productBundle({
    name: 'orders-daily',
    description: 'Daily orders per customer and country, for revenue reporting.',
    edit: (p) => {
      Object.assign(p.spec.schema.columns[1], { pii: 'direct', masking: 'hash' });
      Object.assign(p.spec, { retention: '365d' });
    },
  });
  const headers = { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' };
  const published = await fetch(`${server.url}/v1/products`, { method: 'POST', headers, body: JSON.stringify(bundle) });
  expect(published.status).toBe(201);
  const asked = await fetch(`${server.url}/v1/access/requests`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ product: 'sales/orders-daily', team: 'analytics', purpose: 'weekly revenue dashboard' }),
  });
  expect(asked.status, await asked.text()).toBeLessThan(300);
  token = await server.token('mia', 'member', { domains: ['sales'] });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: ReadonlyArray<{ target: string[] }>;
}

async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: () => Promise<{ violations: Violation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('accessibility of the main pages (axe-core)', () => {
  for (const view of VIEWS) {
    it(`has no serious or critical violation, ${view.theme} theme at ${view.width} px`, async () => {
      const context = await browser.newContext({
        viewport: { width: view.width, height: 900 },
        colorScheme: view.theme,
        // The catalog's CSP (script-src 'self') refuses inline scripts: axe is the test's, not the page's.
        bypassCSP: true,
      });
      const page = await context.newPage();
      await page.goto(server.url);
      await page.getByLabel('API token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('combobox').waitFor();
      const found: Record<string, string[]> = {};
      for (const p of PAGES) {
        await page.goto(`${server.url}/#${p.hash}`);
        await page.getByText(p.ready).first().waitFor();
        const violations = await seriousViolations(page);
        if (violations.length) found[p.name] = violations;
        if (view.width < 400 || view.theme === 'dark')
          await page.screenshot({
            path: join(SHOTS, `${p.name.replace(' ', '-')}-${view.theme}-${view.width}.png`),
            fullPage: true,
          });
      }
      expect(found).toEqual({});
      await context.close();
    }, 60_000);
  }

  it('switches the theme from the header, and keeps the choice across a reload', async () => {
    const context = await browser.newContext({ colorScheme: 'light' });
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const background = () => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    const toggle = page.getByRole('button', { name: /^Theme:/ });
    await toggle.waitFor();
    expect(await background()).toBe('rgb(255, 255, 255)');
    await toggle.click(); // system → light
    await toggle.click(); // light → dark
    expect(await toggle.textContent()).toBe('Theme: dark');
    expect(await background()).toBe('rgb(13, 17, 23)');
    await page.reload();
    await toggle.waitFor();
    expect(await background()).toBe('rgb(13, 17, 23)');
    await context.close();
  });
});
