/**
 * The demo's product folders: made with the platform's own `init` (file template, a small CSV
 * source), then given their owner, freshness target and access. A product breaks when its CSV
 * goes missing (the run fails on the real source) and is fixed when the file is back.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { DataProduct } from '../../descriptor/data-product-schema.js';
import { initProduct } from '../../platform/init-product.js';
import type { DemoProduct } from './demo-plan.js';

export function productDir(root: string, p: DemoProduct): string {
  return join(root, p.domain.name, p.name);
}

/** `mesh init` for the product, then its descriptor edited as its owner would. */
export function initDemoProduct(root: string, p: DemoProduct, runEvery: number): string {
  const { dir } = initProduct({
    name: p.name,
    domain: p.domain.name,
    owner: p.owner,
    template: 'file',
    cwd: join(root, p.domain.name),
  });
  const file = join(dir, 'product.yaml');
  const product = parse(readFileSync(file, 'utf8')) as DataProduct;
  product.metadata.version = '1.0.0';
  product.metadata.description = `${p.name} of the ${p.domain.name} domain: one row per record, refreshed every ${runEvery} day(s).`;
  // The target follows the run cadence (a day of slack), so a product run on time is never late.
  product.spec.freshness = { target: `${runEvery + 1}d`, alert_after: `${runEvery + 1}d` };
  product.spec.schedule = runEvery === 1 ? '0 6 * * *' : `0 6 */${Math.min(runEvery, 28)} * *`;
  product.spec.access = { default: 'deny', allow: [] };
  writeFileSync(file, stringify(product));
  return file;
}

function csvOf(dir: string): string {
  return join(dir, 'data', 'records.csv');
}

/** The source goes missing: the next run fails reading it. */
export function breakSource(dir: string): void {
  if (existsSync(csvOf(dir))) renameSync(csvOf(dir), `${csvOf(dir)}.moved`);
}

export function fixSource(dir: string): void {
  if (existsSync(`${csvOf(dir)}.moved`)) renameSync(`${csvOf(dir)}.moved`, csvOf(dir));
}
