/**
 * A consumer's access request on the product page follows the owner's decision: pending when
 * sent, approved (with the reason) once the owner approves, without reloading the page; and
 * My access then lists the request and the grant it gave — also to a teammate who never asked.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import { launchChromium } from '../helpers/browser.js';
import { productBundle } from '../helpers/products.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startTestServer('sqlite');
  const res = await fetch(`${server.url}/v1/products`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(productBundle({ name: 'orders-daily' })),
  });
  expect(res.status).toBe(201);
  await createTeam(server.registry, { name: 'analytics', domains: [] });
  await addTeamMember(server.registry, 'analytics', 'carol');
  await addTeamMember(server.registry, 'analytics', 'dave');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('an access request on the product page', () => {
  it('shows pending, then approved once the owner approves, without a reload', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.getByLabel('API token').fill(await server.token('carol', 'consumer'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('combobox').waitFor();
    await page.goto(`${server.url}/#/p/sales/orders-daily`);
    await page.getByLabel('Team').fill('analytics');
    await page.getByLabel('Purpose').fill('weekly revenue dashboard');
    await page.getByRole('button', { name: 'Request access' }).click();
    const state = page.getByRole('status').filter({ hasText: 'for team analytics' });
    await state.waitFor();
    const shown = (await state.textContent())!;
    expect(shown).toMatch(/: pending$/);
    const id = /^Request (\S+) for team/.exec(shown)![1];

    const approved = await fetch(`${server.url}/v1/access/requests/${id}/approve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'dashboards are fine' }),
    });
    expect(approved.status, await approved.text()).toBe(200);
    await expect.poll(() => state.textContent(), { timeout: 10_000 }).toMatch(/: approved \(dashboards are fine\)$/);

    // My access lists the request as decided and the grant it gave the team.
    await page.getByRole('link', { name: 'My access' }).click();
    const requests = page.getByRole('table', { name: 'my requests' }).locator('tbody tr');
    await requests.first().waitFor();
    expect(await requests.allTextContents()).toEqual([
      'sales/orders-daily (every major)analyticsweekly revenue dashboardapproveddashboards are fine',
    ]);
    expect(await page.getByRole('list', { name: 'my grants' }).textContent()).toMatch(
      /^sales\/orders-daily \(every major\) for team analytics, PII masked, until \d{4}-\d{2}-\d{2}$/,
    );
    await page.close();
  });

  it("lists a team's grant under My access for a teammate who never asked for it", async () => {
    const token = await server.token('dave', 'consumer');
    const me = await fetch(`${server.url}/v1/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ user: 'dave', role: 'consumer', teams: ['analytics'] });
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('combobox').waitFor();
    await page.getByRole('link', { name: 'My access' }).click();
    await page.getByRole('heading', { name: 'Requests' }).waitFor();
    expect(await page.getByRole('list', { name: 'my grants' }).textContent()).toMatch(
      /^sales\/orders-daily \(every major\) for team analytics, PII masked, until \d{4}-\d{2}-\d{2}$/,
    );
    expect(await page.getByText('No request yet').count()).toBe(1);
    await page.close();
  });
});
