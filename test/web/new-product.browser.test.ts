/**
 * New product without YAML, in Chromium against a real server: a domain member fills in the
 * form, proposes the columns from a CSV file, sees a live governance finding, fixes it and
 * publishes; the downloaded descriptor (alone or in the folder's .zip) passes the core validator; a consumer is told why they
 * may not publish.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBundle } from '../../src/platform/descriptor-bundle.js';
import { listGovernanceAttempts } from '../../src/registry/operations/governance/governance-attempts.js';
import { launchChromium, openNewProductForm, SHOTS } from '../helpers/browser.js';
import { productBundle } from '../helpers/products.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let server: TestServer;
let browser: Browser;
let csvFile: string;

beforeAll(async () => {
  const data = mkdtempSync(join(tmpdir(), 'mesh-web-new-'));
  csvFile = join(data, 'orders.csv');
  writeFileSync(
    csvFile,
    'id,email,amount,placed_at\n1,a@x.com,1.50,2024-01-01 00:00:00\n2,b@x.com,2.50,2024-01-02 10:00:00\n',
  );
  server = await startTestServer('sqlite');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const signedIn = (token: string): Promise<Page> =>
  openNewProductForm(browser, server.url, token, { acceptDownloads: true });

const findings = (page: Page) => page.getByRole('region', { name: 'Validation and governance' });

async function fillAbout(page: Page): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill('daily-orders');
  await page
    .getByLabel('Description', { exact: true })
    .fill('Orders placed each day, one row per order, for revenue reporting.');
  await page.getByLabel('Owner (team e-mail)').fill('sales-data@company.com');
  await page.getByLabel('On-call (e-mail)').fill('sales-oncall@company.com');
  await page.getByLabel('Propose the columns from a CSV file').setInputFiles(csvFile);
  await expect.poll(() => page.getByLabel('File path').inputValue()).toBe('data/orders.csv');
  // The server reads the file where it runs: here, the test's own copy.
  await page.getByLabel('File path').fill(csvFile);
}

describe('a new product from the form', () => {
  it('proposes columns from the file, shows a live finding, is fixed, published and downloaded', async () => {
    const page = await signedIn(await server.token('mia', 'member', { domains: ['sales'] }));
    expect(await page.getByLabel('Domain', { exact: true }).inputValue()).toBe('sales');
    await fillAbout(page);
    await expect.poll(() => page.getByLabel('column 4 name').inputValue()).toBe('placed_at');
    expect(await page.getByLabel('column 1 type').inputValue()).toBe('bigint');
    expect(await page.getByLabel('column 4 type').inputValue()).toBe('timestamp');
    await page.getByLabel('column 1 key').check();

    // The e-mail is proposed as direct PII from its name: governance asks for masking and a retention, live.
    expect(await page.getByLabel('column 2 PII').inputValue()).toBe('direct');
    expect(await page.getByLabel('column 3 PII').inputValue()).toBe('none');
    await expect.poll(() => findings(page).textContent()).toContain('pii-protected');
    expect(await findings(page).textContent()).toContain('retention-for-pii');
    expect(await page.getByRole('button', { name: /^Publish/ }).isDisabled()).toBe(true);
    expect(await page.locator('pre').textContent()).toContain('pii: direct');
    await page.screenshot({ path: join(SHOTS, 'new-product-finding.png'), fullPage: true });

    await page.getByLabel('column 2 masking').selectOption('hash');
    await page.getByLabel('Retention', { exact: true }).fill('365d');
    await expect.poll(() => findings(page).textContent()).toContain('No findings');

    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download product.yaml' }).click();
    const yaml = readFileSync((await (await download).path())!, 'utf8');
    const checked = checkBundle({ file: 'product.yaml', yaml });
    expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(checked.product?.spec.schema.columns[1]).toMatchObject({ name: 'email', pii: 'direct', masking: 'hash' });

    const zipped = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download the folder (.zip)' }).click();
    const zip = (await (await zipped).path())!;
    const listing = execFileSync('unzip', ['-l', zip], { encoding: 'utf8' });
    expect(listing).toContain('sales/daily-orders/product.yaml');
    expect(listing).toContain('sales/daily-orders/README.md');
    expect(execFileSync('unzip', ['-p', zip, 'sales/daily-orders/product.yaml'], { encoding: 'utf8' })).toBe(yaml);

    await page.getByRole('button', { name: 'Publish sales/daily-orders' }).click();
    const done = page.getByRole('status').filter({ hasText: 'Published' });
    await done.waitFor();
    expect(await done.textContent()).toContain('Published sales/daily-orders@1.0.0 (created)');
    await page.screenshot({ path: join(SHOTS, 'new-product.png'), fullPage: true });
    const shown = await fetch(`${server.url}/v1/products/sales/daily-orders`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    expect(shown.status).toBe(200);
    // The checks made while typing were drafts: mesh health sees the publication, not the keystrokes.
    const attempts = (await listGovernanceAttempts(server.registry.db)).map(
      (a) => `${a.product} ${a.kind} ${a.outcome}`,
    );
    expect(attempts).toEqual(['sales/daily-orders publish published']);
    await page.close();
  });

  it('a member may not publish outside their domains, and says which they have', async () => {
    const page = await signedIn(await server.token('max', 'member', { domains: ['identity'] }));
    await page.getByLabel('Domain', { exact: true }).fill('sales');
    await fillAbout(page);
    await page.getByLabel('Name', { exact: true }).fill('other-orders');
    await page.getByLabel('column 1 key').check();
    await page.getByRole('button', { name: 'Publish sales/other-orders' }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(
      /Not published: max may not publish in domain sales.*your domains: identity/,
    );
    await page.close();
  });

  it('a consumer may fill the form and download it, but is told why they may not check or publish', async () => {
    const page = await signedIn(await server.token('carol', 'consumer'));
    expect(await page.getByText('As a consumer you may not publish').count()).toBe(1);
    await expect
      .poll(() => findings(page).textContent())
      .toMatch(/Not checked: carol \(consumer\) may not check descriptors/);
    await page.getByRole('button', { name: /^Publish/ }).click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/Not published: carol \(consumer\) may not publish/);
    expect(await page.getByRole('link', { name: 'Download README.md' }).count()).toBe(1);
    await page.close();
  });

  it('records a check that is not a draft as a governance attempt, as mesh validate does', async () => {
    const bundle = productBundle({ name: 'checked-once' });
    for (const query of ['?draft=true', '']) {
      const res = await fetch(`${server.url}/v1/check${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(bundle),
      });
      expect(res.status).toBe(200);
    }
    const attempts = (await listGovernanceAttempts(server.registry.db)).filter(
      (a) => a.product === 'sales/checked-once',
    );
    expect(attempts.map((a) => `${a.kind} ${a.outcome}`)).toEqual(['check passed']);
  });
});
