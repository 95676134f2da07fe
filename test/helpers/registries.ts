/**
 * The registry backends every storage test runs on: a fresh SQLite file and a fresh
 * PostgreSQL database (created and dropped per suite, so runs never collide).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openRegistry, type Registry } from '../../src/registry/registry.js';

export const PG_ADMIN_URL = process.env.MESH_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestRegistry {
  readonly registry: Registry;
  /** A URL or file another process can open the same registry with. */
  readonly url: string;
  dispose(): Promise<void>;
}

export type BackendName = 'sqlite' | 'postgres';
export const BACKENDS: BackendName[] = ['sqlite', 'postgres'];

export async function createTestDatabase(prefix = 'mesh_test'): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = PG_ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function createTestRegistry(backend: BackendName): Promise<TestRegistry> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-reg-'));
    const url = join(dir, 'registry.sqlite');
    const registry = await openRegistry({ sqlitePath: url });
    return {
      registry,
      url,
      dispose: async () => {
        await registry.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const db = await createTestDatabase();
  const registry = await openRegistry({ url: db.url });
  return {
    registry,
    url: db.url,
    dispose: async () => {
      await registry.close();
      await db.drop();
    },
  };
}
