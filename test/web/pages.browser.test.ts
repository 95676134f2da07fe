/**
 * The domain and governance pages in Chromium against a real server: the domains list, one
 * domain's teams, members, core flag and scorecard, and the rules in force with the policy
 * sets they come from, each as the API returns them.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import { launchChromium, SHOTS } from '../helpers/browser.js';
import { productBundle } from '../helpers/products.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
let browser: Browser;

async function call(method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  expect(res.status, text).toBeLessThan(300);
  return JSON.parse(text);
}

const POLICY_SET = `apiVersion: mesh/v1
kind: PolicySet
metadata:
  name: sales-rules
  owner: sales-governance@company.com
  scope: sales
spec:
  rules:
    - id: no-free-text-pii
      cel: >-
        product.spec.schema.columns.all(c, !c.name.endsWith('_notes') || (has(c.pii) && c.pii != 'none'))
      message: free-text columns (*_notes) must be classified as PII
      severity: warn
`;

beforeAll(async () => {
  server = await startTestServer('sqlite');
  await createTeam(server.registry, { name: 'sales-team', domains: ['sales'] });
  await addTeamMember(server.registry, 'sales-team', 'mia');
  await addTeamMember(server.registry, 'sales-team', 'sam');
  await call('PUT', '/v1/domains/sales', { ownerTeam: 'sales-team', core: true, description: 'Orders and revenue.' });
  for (const name of ['orders-daily', 'returns-weekly']) await call('POST', '/v1/products', productBundle({ name }));
  await call('POST', '/v1/products', productBundle({ name: 'customers', domain: 'identity' }));
  await call('PUT', '/v1/policy-sets/sales-rules', { yaml: POLICY_SET });
  // A publication governance refuses: no on-call.
  const refused = await fetch(`${server.url}/v1/products`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(productBundle({ name: 'unowned', edit: (p) => delete p.metadata.oncall })),
  });
  expect(refused.status).toBe(400);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function open(hash: string, role: 'governance' | 'consumer' = 'governance'): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.getByLabel('API token').fill(await server.token(`${role}-user`, role));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('combobox').waitFor();
  await page.goto(`${server.url}/#${hash}`);
  await page.getByRole('heading', { level: 1 }).waitFor();
  return page;
}

describe('domain and governance pages in Chromium', () => {
  it('lists the domains with owner team, core flag and product counts, and opens one', async () => {
    const page = await open('/domains');
    const rows = page.getByRole('table', { name: 'domains' }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.allTextContents()).toEqual([
      expect.stringMatching(/^identity–\s*–\s*1/),
      expect.stringMatching(/^salessales-teamcore2sales-team/),
    ]);
    await page.getByRole('link', { name: 'sales', exact: true }).click();
    await page.getByRole('heading', { name: /^sales/ }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('sales core');
    expect(await page.locator('.facts').textContent()).toContain('membersmia, sam');
    const products = page.getByRole('table', { name: 'products' }).locator('tbody tr');
    await expect.poll(() => products.count()).toBe(2);
    const card = (await call('GET', '/v1/health/domains/sales?weeks=0')) as { products: Array<{ product: string }> };
    expect((await products.allTextContents()).map((t) => t.split('sales-data')[0])).toEqual(
      card.products.map((p) => p.product),
    );
    expect(await page.getByRole('list', { name: 'domain figures' }).textContent()).toContain('2 products');
    await page.screenshot({ path: join(SHOTS, 'domain.png'), fullPage: true });
    await page.getByRole('link', { name: 'sales/orders-daily' }).click();
    await expect.poll(() => page.url()).toContain('#/p/sales/orders-daily');
    await page.close();
  });

  it('shows the rules in force, the policy sets and the governance findings the API returns', async () => {
    const page = await open('/governance');
    const rules = page.getByRole('table', { name: 'rules in force' }).locator('tbody tr');
    const listing = (await call('GET', '/v1/policies')) as { rules: Array<{ id: string }> };
    await expect.poll(() => rules.count()).toBe(listing.rules.length);
    expect(await rules.allTextContents()).toContainEqual(expect.stringMatching(/^pii-protected built-inerrorglobal/));
    await page.getByLabel('Rules in force for').selectOption('sales');
    const cel = rules.filter({ hasText: 'no-free-text-pii' });
    await cel.waitFor();
    expect(await cel.textContent()).toMatch(/^no-free-text-pii celwarnsales/);
    expect(await page.getByRole('list', { name: 'policy sets' }).textContent()).toContain(
      'sales-rules (sales, 1 rule(s), owner sales-governance@company.com, from registry)',
    );
    const held = page.getByRole('list', { name: 'refused versions' });
    await held.waitFor();
    expect(await held.locator('li').allTextContents()).toEqual([
      expect.stringMatching(/^sales\/unowned@1\.0\.0 refused at publish by oncall-assigned \(root, /),
    ]);
    const health = (await call('GET', '/v1/health/mesh?weeks=0')) as { diagnosis: Array<{ pattern: string }> };
    const governance = health.diagnosis.filter(
      (f) => f.pattern.startsWith('governance') || f.pattern.startsWith('platform'),
    );
    const articles = page.locator('article');
    if (governance.length === 0) await page.getByText('No governance finding across the mesh').waitFor();
    else await expect.poll(() => articles.count()).toBe(governance.length);
    await page.screenshot({ path: join(SHOTS, 'governance.png'), fullPage: true });
    await page.close();
  });

  it('tells a consumer the policies are not theirs to read, and why', async () => {
    const page = await open('/governance', 'consumer');
    const alert = page.getByRole('alert').first();
    await alert.waitFor();
    expect(await alert.textContent()).toContain('consumer-user (consumer) may not list policies');
    await page.close();
  });
});
