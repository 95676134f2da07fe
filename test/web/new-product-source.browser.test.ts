/**
 * New product from a database source, in Chromium against a real server and PostgreSQL: a
 * domain member fills a postgres source, asks for the columns, and the table fills with the
 * query's columns, their types and proposed PII classes; a query the database rejects is
 * shown as the form's error.
 */
import type { Browser, Page } from 'playwright-core';
import pg from 'pg';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, openNewProductForm, SHOTS } from '../helpers/browser.js';
import { createTestDatabase } from '../helpers/registries.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const SOURCE_VAR = `SHOP_DB_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
let server: TestServer;
let browser: Browser;
let db: { url: string; drop: () => Promise<void> };

beforeAll(async () => {
  db = await createTestDatabase('mesh_web_source');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(
    'CREATE TABLE customers (customer_id bigint PRIMARY KEY, email text, signed_up date NOT NULL, spend numeric(12,2))',
  );
  await client.end();
  process.env[SOURCE_VAR] = db.url;
  server = await startTestServer('sqlite', { env: { ...process.env, MESH_ENV_GRANTS: 'sales=SHOP_DB_*' } });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.drop();
});

const signedIn = (token: string): Promise<Page> => openNewProductForm(browser, server.url, token);

describe('a new product from a database source', () => {
  it("proposes the columns from the query's own schema, and shows the database's refusal", async () => {
    const page = await signedIn(await server.token('mia', 'member', { domains: ['sales'] }));
    await page.getByLabel('Source type').selectOption('postgres');
    await page.getByLabel('Connection environment variable').fill(SOURCE_VAR);
    await page.getByLabel('Query', { exact: true }).fill('SELECT * FROM customerz');
    const propose = page.getByRole('button', { name: 'Propose the columns from the query' });
    await propose.click();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Columns not proposed');
    expect(await alert.textContent()).toContain('relation "customerz" does not exist');

    await page.getByLabel('Query', { exact: true }).fill('SELECT * FROM customers');
    await propose.click();
    await expect.poll(() => page.getByLabel('column 4 name').inputValue()).toBe('spend');
    expect(await page.getByRole('alert').count()).toBe(0);
    const cells = async (n: number) => [
      await page.getByLabel(`column ${n} name`).inputValue(),
      await page.getByLabel(`column ${n} type`).inputValue(),
      await page.getByLabel(`column ${n} PII`).inputValue(),
      await page.getByLabel(`column ${n} nullable`).isChecked(),
    ];
    expect(await cells(1)).toEqual(['customer_id', 'bigint', 'none', false]);
    expect(await cells(2)).toEqual(['email', 'text', 'direct', true]);
    expect(await cells(3)).toEqual(['signed_up', 'date', 'none', false]);
    expect(await cells(4)).toEqual(['spend', 'decimal(12,2)', 'none', true]);
    expect(await page.getByText('Proposed 4 column(s) from the query').count()).toBe(1);
    // The descriptor names the variable, never its value.
    const yaml = (await page.locator('pre').textContent()) ?? '';
    expect(yaml).toContain(`connection: \${${SOURCE_VAR}}`);
    expect(yaml).not.toContain(db.url);
    await page.screenshot({ path: join(SHOTS, 'new-product-source.png'), fullPage: true });
    await page.close();
  });
});
