/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser): the flags this
 * machine needs, and where the browser tests leave their screenshots.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { REPO_ROOT } from './chinook.js';

export const CHROMIUM = '/usr/bin/chromium';
export const SHOTS = join(REPO_ROOT, 'reports', 'screenshots');

/** Headless Chromium, without background networking (this machine's closed network refuses it). */
export async function launchChromium(): Promise<Browser> {
  expect(existsSync(CHROMIUM), 'Debian chromium is installed (.ci/run installs it with apt)').toBe(true);
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-background-networking'],
  });
}

/** How many pixels of each canvas matched by `canvases` are painted (not fully transparent): a chart was drawn. */
export function paintedPixels(canvases: Locator): Promise<number[]> {
  return canvases.evaluateAll((all) =>
    all.map((c) => {
      const canvas = c as HTMLCanvasElement;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let drawn = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) drawn++;
      return drawn;
    }),
  );
}

/** A new page signed in with `token` on the server at `url`, on the new-product form (#/new). */
export async function openNewProductForm(
  browser: Browser,
  url: string,
  token: string,
  options: { acceptDownloads?: boolean } = {},
): Promise<Page> {
  const page = await browser.newPage(options);
  await page.goto(url);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('combobox').waitFor();
  await page.goto(`${url}/#/new`);
  await page.getByRole('heading', { name: 'New product' }).waitFor();
  return page;
}
