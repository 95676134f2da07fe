/**
 * `mesh report --format html` as a reader meets it: one file opened in Chromium with the
 * network cut off draws its four charts (Chart.js inlined), shows the diagnosis with its
 * evidence and the scorecards, asks for nothing over the network, and prints to PDF.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { launchChromium, SHOTS, paintedPixels } from '../helpers/browser.js';
import { productBundle } from '../helpers/products.js';
import { mesh } from '../helpers/run-mesh.js';

let work: string;
let browser: Browser;
let report: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'mesh-report-html-'));
  const env = { MESH_HOME: join(work, '.mesh'), MESH_SERVER: '', MESH_TOKEN: '', MESH_DATABASE_URL: '' };
  const platform = new LocalPlatform({ config: { ...configFromEnv(env, work), actor: 'root' } });
  await platform.publish(productBundle({ name: 'orders', domain: 'sales' }));
  await platform.publish(productBundle({ name: 'returns', domain: 'sales' }));
  await platform.close();
  // Three days on, neither product has served data: the diagnosis finds them stale.
  const later = new Date(Date.now() + 3 * 86_400_000).toISOString();
  const ok = await mesh(['report', '--format', 'html', '--now', later, '--out', 'mesh.html'], { cwd: work, env });
  expect(ok.code, ok.stderr).toBe(0);
  report = join(work, 'mesh.html');
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the HTML health report in Chromium', () => {
  it('draws its charts offline and shows the diagnosis, the scorecards and the stale products', async () => {
    const context = await browser.newContext({ offline: true });
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(report).href);
    await expect.poll(() => page.locator('body').getAttribute('data-charts')).toBe('drawn');
    expect(errors).toEqual([]);
    expect(requests).toEqual([pathToFileURL(report).href]);

    const canvases = page.locator('canvas');
    expect(await canvases.count()).toBe(4);
    const inked = await paintedPixels(canvases);
    for (const n of inked) expect(n).toBeGreaterThan(500);

    const diagnosis = page.locator('section', { has: page.getByRole('heading', { name: 'Diagnosis' }) });
    expect(await diagnosis.textContent()).toContain('stale-products');
    expect(await diagnosis.textContent()).toContain('sales/orders');
    const domain = page.locator('.domain', { has: page.getByRole('heading', { name: 'sales' }) });
    expect(await domain.locator('tbody tr').count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'health-report.png'), fullPage: true });

    await page.emulateMedia({ media: 'print' });
    const pdf = await page.pdf({ format: 'A4' });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await context.close();
  });
});
