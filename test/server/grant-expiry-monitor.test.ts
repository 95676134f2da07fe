/**
 * A grant expiring while `mesh serve` runs: the server's own monitor notices it (no sweep
 * called by the test), announces `access.expired`, and its `onGrantExpired` hook revokes the
 * team's privileges in the PostgreSQL port, so the database itself refuses the role. Real
 * timing (a 2 s expiry, a 200 ms monitor interval), observed by polling, never a timed assertion.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import { createToken } from '../../src/registry/operations/identity/tokens.js';
import { openRegistry } from '../../src/registry/registry.js';
import { HttpPlatform } from '../../src/server/client/http-platform.js';
import { PEOPLE_COLUMNS, PEOPLE_SQL, writePeopleCsv } from '../helpers/people.js';
import { pipelineBundle, uniqueName } from '../helpers/pipelines.js';
import { createTestDatabase } from '../helpers/registries.js';
import { mesh } from '../helpers/run-mesh.js';
import { serveEnv, startServeProcess, type ServeProcess } from '../helpers/serve-process.js';

/** Polls `probe` until it returns a value (not undefined), or fails after `ms` with what it last saw. */
async function eventually<T>(ms: number, probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const seen = await probe();
    if (seen !== undefined) return seen;
    if (Date.now() > deadline) throw new Error(`not observed within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('an expiring grant in a running server', () => {
  const home = mkdtempSync(join(tmpdir(), 'mesh-access-perf-expiry-'));
  const data = mkdtempSync(join(tmpdir(), 'mesh-access-perf-expiry-data-'));
  let target: { url: string; drop: () => Promise<void> };
  let db: pg.Client;
  let serve: ServeProcess | undefined;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    target = await createTestDatabase('access_perf_expiry');
    db = new pg.Client({ connectionString: target.url });
    await db.connect();
    const env = serveEnv(home, {
      MESH_MASKING_KEY: 'access-perf-expiry-key-0123456789',
      MESH_DATA_ROOTS: `*=${tmpdir()}`,
      MESH_ENV_GRANTS: 'identity=ACCESS_PERF_EXPIRY_URI',
      ACCESS_PERF_EXPIRY_URI: target.url,
    });
    const init = await mesh(['admin', 'init', '--json'], { env });
    expect(init.code, init.stderr).toBe(0);
    tokens.set('root', JSON.parse(init.stdout).token as string);
    const registry = await openRegistry({ sqlitePath: configFromEnv(env).sqlitePath });
    for (const [team, domain, user, role] of [
      ['identity-crew', 'identity', 'olive', 'member'],
      ['hr', 'people-ops', 'hana', 'consumer'],
    ] as const) {
      await createTeam(registry, { name: team, domains: [domain] });
      await addTeamMember(registry, team, user);
      tokens.set(user, (await createToken(registry, { user, role, createdBy: 'test' })).token);
    }
    await registry.close();
    serve = await startServeProcess(env);
  }, 60_000);
  afterAll(async () => {
    serve?.child.kill('SIGKILL');
    await db?.end();
    await target?.drop();
    rmSync(home, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  /** What the team's role may read in the port's database: a count, or the database's refusal. */
  async function readAs(role: string, table: string): Promise<number | string> {
    await db.query('BEGIN');
    try {
      await db.query(`SET LOCAL ROLE ${role}`);
      return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n;
    } catch (error) {
      return `${(error as { code?: string }).code}: ${(error as Error).message}`;
    } finally {
      await db.query('ROLLBACK');
    }
  }

  it("the monitor announces it and the hook revokes it in the database: PostgreSQL refuses the team's role", async () => {
    const api = (user: string) => new HttpPlatform({ baseUrl: serve!.url, token: tokens.get(user)! });
    const scope = { principal: { user: 'token', role: 'consumer' as const } };
    const name = uniqueName('people');
    const table = name.replace(/-/g, '_');
    const product = `identity/${name}`;
    await api('root').publish(
      pipelineBundle({
        domain: 'identity',
        name,
        inputs: [{ name: 'people', source: { type: 'file', path: writePeopleCsv(data), format: 'csv' } }],
        sql: PEOPLE_SQL,
        primaryKey: ['id'],
        columns: PEOPLE_COLUMNS,
        access: { default: 'deny' },
        ports: [
          { name: 'files', type: 'parquet' },
          { name: 'sql', type: 'postgres', connection: '${ACCESS_PERF_EXPIRY_URI}', table: `public.${table}` },
        ],
      }),
    );
    const run = await api('root').runProduct(product);
    expect(run.status, run.error ?? '').toBe('succeeded');

    const { request } = await api('hana').requestAccess(scope, {
      product,
      team: 'hr',
      purpose: 'a look',
      expires: '2s',
    });
    const { grant } = await api('olive').decideAccess(scope, request.id, { approve: true });
    expect(await readAs('mesh_team_hr', `${table}_masked`)).toBe(3);

    const refused = await eventually(
      30_000,
      async () => {
        const seen = await readAs('mesh_team_hr', `${table}_masked`);
        return typeof seen === 'string' ? seen : undefined;
      },
      'the database refusing mesh_team_hr after the grant expired',
    );
    expect(refused).toBe(`42501: permission denied for view ${table}_masked`);
    const events = await api('root').listEvents({ subject: product, limit: 1000 });
    expect(events.filter((e) => e.type === 'access.expired').map((e) => (e.data as { grant: string }).grant)).toEqual([
      grant!.id,
    ]);
    const logged = serve!
      .stderr()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; grant?: string });
    expect(logged.filter((l) => l.msg === 'grant expired').map((l) => l.grant)).toEqual([grant!.id]);
    expect(logged.some((l) => l.msg === 'grant expired, SQL ports not updated')).toBe(false);
  }, 60_000);
});
