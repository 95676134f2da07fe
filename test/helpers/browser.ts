/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser): the flags this
 * machine needs, and where the browser tests leave their screenshots.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
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
