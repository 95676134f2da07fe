/**
 * The Chinook database loaded into a PostgreSQL database of the test's own (created and
 * dropped per suite). The script (test/fixtures/chinook, with its licence) creates its own database; its CREATE DATABASE and
 * \c lines are stripped so it loads wherever we point it.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createTestDatabase } from './registries.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CHINOOK_SQL = fileURLToPath(new URL('../fixtures/chinook/chinook.postgres.sql', import.meta.url));

export interface ChinookDatabase {
  readonly url: string;
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
  drop(): Promise<void>;
}

export async function createChinookDatabase(): Promise<ChinookDatabase> {
  const db = await createTestDatabase('mesh_chinook');
  const script = readFileSync(CHINOOK_SQL, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*(DROP DATABASE|CREATE DATABASE|\\c\b)/i.test(line))
    .join('\n');
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  await client.query(script);
  return {
    url: db.url,
    query: (text, values) => client.query(text, values as unknown[]),
    drop: async () => {
      await client.end();
      await db.drop();
    },
  };
}
