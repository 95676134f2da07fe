/**
 * Product inputs without MESH_MASKING_KEY: a server (the API's runs, and the scheduler's or a
 * worker's platform in server mode) refuses to hash an input's PII columns with the
 * development key, as it refuses hashed downloads, and says to set MESH_MASKING_KEY; a
 * PII-cleared consumer still reads in clear. On this machine the development key is used.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { DEVELOPMENT_MASKING_KEY, maskHash } from '../../src/engine/masking-key.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { readCurrentPointer } from '../../src/ports/warehouse.js';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import type { Registry } from '../../src/registry/registry.js';
import { HttpPlatform } from '../../src/server/client/http-platform.js';
import { PEOPLE, PEOPLE_COLUMNS, PEOPLE_SQL, writePeopleCsv } from '../helpers/people.js';
import { pipelineBundle, uniqueName } from '../helpers/pipelines.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { createTestDatabase } from '../helpers/registries.js';
import type { MeshApi } from '../../src/platform/mesh-api.js';
import { openEngine } from '../../src/engine/duckdb-engine.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';

const NO_KEY = 'this server has no MESH_MASKING_KEY, so it cannot hash the PII columns of';

async function withoutKey<T>(fn: () => Promise<T>): Promise<T> {
  const saved = process.env.MESH_MASKING_KEY;
  delete process.env.MESH_MASKING_KEY;
  try {
    return await fn();
  } finally {
    if (saved !== undefined) process.env.MESH_MASKING_KEY = saved;
  }
}

async function addTeams(registry: Registry): Promise<void> {
  for (const [team, domain] of [
    ['identity-crew', 'identity'],
    ['growth', 'growth'],
    ['fraud', 'risk'],
  ]) {
    await createTeam(registry, { name: team, domains: [domain] });
    await addTeamMember(registry, team, `${team}-member`);
  }
}

/** Publishes the people product (growth may read it masked, risk in clear) and runs it. */
async function publishPeople(api: MeshApi, csv: string): Promise<string> {
  const name = uniqueName('people');
  await api.publish(
    pipelineBundle({
      domain: 'identity',
      name,
      inputs: [{ name: 'people', source: { type: 'file', path: csv, format: 'csv' } }],
      sql: PEOPLE_SQL,
      primaryKey: ['id'],
      columns: PEOPLE_COLUMNS,
      access: { default: 'deny', allow: [{ team: 'growth' }], pii: [{ domain: 'risk' }] },
    }),
  );
  const run = await api.runProduct(`identity/${name}`);
  expect(run.status, run.error ?? '').toBe('succeeded');
  return `identity/${name}`;
}

/** A product of `domain` reading the e-mails of `input`. */
function readerBundle(domain: string, input: string) {
  return pipelineBundle({
    domain,
    name: uniqueName('reach'),
    inputs: [{ name: 'src', product: `${input}@1` }],
    sql: 'SELECT id, email AS contact FROM src',
    primaryKey: ['id'],
    columns: [
      { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
      { name: 'contact', type: 'varchar', pii: 'direct', masking: 'hash' },
    ],
  });
}

/** Publishes a reader of `input` in `domain`; returns its id. */
async function publishReader(api: MeshApi, domain: string, input: string): Promise<string> {
  const bundle = readerBundle(domain, input);
  await api.publish(bundle);
  return `${domain}/${JSON.parse(bundle.yaml).metadata.name}`;
}

async function contacts(warehouseDir: string, product: string): Promise<unknown[]> {
  const engine = await openEngine();
  try {
    const file = readCurrentPointer(warehouseDir, product, 1)!.file;
    return (await engine.rows(`SELECT contact FROM read_parquet(${quoteLiteral(file)}) ORDER BY id`)).map(
      (r) => r.contact,
    );
  } finally {
    engine.close();
  }
}

describe('product inputs on a server without MESH_MASKING_KEY', () => {
  let t: TestServer;
  let home: string;
  let data: string;
  let admin: HttpPlatform;
  let people: string;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mesh-access-perf-nokey-'));
    // Beside the server's home, not in it: a server never reads its own home as a data file.
    data = mkdtempSync(join(tmpdir(), 'mesh-access-perf-nokey-data-'));
    t = await withoutKey(() => startTestServer('sqlite', { env: { ...process.env, MESH_HOME: home } }));
    await addTeams(t.registry);
    admin = new HttpPlatform({ baseUrl: t.url, token: t.adminToken });
    people = await publishPeople(admin, writePeopleCsv(data));
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(home, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  it('fails a run that would hash an input with the development key, naming MESH_MASKING_KEY; the PII-cleared read in clear', async () => {
    const growth = await publishReader(admin, 'growth', people);
    const refused = await admin.runProduct(growth);
    expect(refused.status).toBe('failed');
    expect(refused.error).toBe(`input src: ${NO_KEY} ${people}@1 for ${growth}`);
    expect(readCurrentPointer(join(home, 'warehouse'), growth, 1)).toBeUndefined();

    const risk = await publishReader(admin, 'risk', people);
    const cleared = await admin.runProduct(risk);
    expect(cleared.status, cleared.error ?? '').toBe('succeeded');
    expect(await contacts(join(home, 'warehouse'), risk)).toEqual(PEOPLE.map((p) => p.email));
  });

  it('refuses the same in the platform a scheduler or a worker runs (server mode), and in dry runs', async () => {
    const growth = await publishReader(admin, 'growth', people);
    const worker = await withoutKey(async () => {
      const config = { ...configFromEnv({ MESH_DATA_ROOTS: `*=${tmpdir()}` }, home), actor: 'worker' };
      return new LocalPlatform({ registry: t.registry, config: { ...config, warehouseDir: join(home, 'warehouse') } });
    });
    worker.enterServerMode();
    const outcome = await worker.runProduct(growth);
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toBe(`input src: ${NO_KEY} ${people}@1 for ${growth}`);
    const bundle = readerBundle('growth', people);
    const dry = await worker.dryRun(bundle);
    expect(dry.status).toBe('failed');
    expect(dry.error).toMatch(new RegExp(`^input src: ${NO_KEY} ${people}@1 for growth/reach-`));
  });
});

describe('output ports on a server without MESH_MASKING_KEY', () => {
  let t: TestServer;
  let home: string;
  let data: string;
  let db: { url: string; drop: () => Promise<void> };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mesh-nokey-port-'));
    data = mkdtempSync(join(tmpdir(), 'mesh-nokey-port-data-'));
    db = await createTestDatabase('mesh_nokey_port');
    process.env.NOKEY_PORT_DB = db.url; // runs resolve connections from the process environment
    t = await withoutKey(() =>
      startTestServer('sqlite', {
        env: { ...process.env, MESH_HOME: home, NOKEY_PORT_DB: db.url, MESH_ENV_GRANTS: 'identity=NOKEY_PORT_DB' },
      }),
    );
    await addTeams(t.registry);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await db?.drop();
    delete process.env.NOKEY_PORT_DB;
    rmSync(home, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  it('fails a run whose SQL port would hash PII with the development key, naming MESH_MASKING_KEY; nothing is published', async () => {
    const admin = new HttpPlatform({ baseUrl: t.url, token: t.adminToken });
    const name = uniqueName('people');
    await admin.publish(
      pipelineBundle({
        domain: 'identity',
        name,
        inputs: [{ name: 'people', source: { type: 'file', path: writePeopleCsv(data), format: 'csv' } }],
        sql: PEOPLE_SQL,
        primaryKey: ['id'],
        columns: PEOPLE_COLUMNS,
        access: { default: 'deny', allow: [{ team: 'growth' }] },
        ports: [
          { name: 'files', type: 'parquet' },
          { name: 'sql', type: 'postgres', connection: '${NOKEY_PORT_DB}', table: 'mart.people' },
        ],
      }),
    );
    const run = await admin.runProduct(`identity/${name}`);
    expect(run.status).toBe('failed');
    expect(run.error).toContain(
      'the SQL port mart.people: this server has no MESH_MASKING_KEY, so it cannot hash the PII columns its readers get masked',
    );
    expect(readCurrentPointer(join(home, 'warehouse'), `identity/${name}`, 1)).toBeUndefined();
  });
});

describe('product inputs on this machine without MESH_MASKING_KEY', () => {
  it('are hashed with the documented development key', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mesh-access-perf-devkey-'));
    const platform = await withoutKey(async () => {
      const config = { ...configFromEnv({}, home), home, warehouseDir: join(home, 'warehouse'), actor: 'root' };
      return new LocalPlatform({ config });
    });
    try {
      await addTeams(await platform.registry());
      const people = await publishPeople(platform, writePeopleCsv(home));
      const growth = await publishReader(platform, 'growth', people);
      const run = await platform.runProduct(growth);
      expect(run.status, run.error ?? '').toBe('succeeded');
      expect(await contacts(platform.config.warehouseDir, growth)).toEqual(
        PEOPLE.map((p) => maskHash(DEVELOPMENT_MASKING_KEY, p.email)),
      );
    } finally {
      await platform.close();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
