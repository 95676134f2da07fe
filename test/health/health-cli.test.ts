/**
 * `mesh rate`, `mesh ratings`, `mesh nps`, `mesh domain`, `mesh health` and `mesh scorecard` as
 * a user runs them, on this machine and against a server: the same output and exit codes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productBundle } from '../helpers/products.js';
import { mesh } from '../helpers/run-mesh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { LocalPlatform } from '../../src/platform/local-platform.js';
import { configFromEnv } from '../../src/core/mesh-config.js';
import { addTeamMember, createTeam } from '../../src/registry/operations/identity/teams.js';
import type { Registry } from '../../src/registry/registry.js';

describe.each(['local', 'server'] as const)('mesh health commands (%s mode)', (mode) => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  let server: TestServer | undefined;
  let local: LocalPlatform | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), `mesh-health-cli-${mode}-`));
    let registry: Registry;
    if (mode === 'server') {
      server = await startTestServer('sqlite');
      env = {
        MESH_SERVER: server.url,
        MESH_TOKEN: server.adminToken,
        MESH_HOME: join(work, 'unused'),
        MESH_DATABASE_URL: '',
      };
      registry = server.registry;
    } else {
      env = {
        MESH_HOME: join(work, '.mesh'),
        MESH_SERVER: '',
        MESH_TOKEN: '',
        MESH_DATABASE_URL: '',
        MESH_USER: 'root',
      };
      local = new LocalPlatform({ config: configFromEnv(env, work) });
      registry = await local.registry();
    }
    await createTeam(registry, { name: 'analytics', domains: ['analytics'] });
    await addTeamMember(registry, 'analytics', 'ana');
    await createTeam(registry, { name: 'sales-crew', domains: ['sales'] });
    await addTeamMember(registry, 'sales-crew', 'sam');
    const bundle = productBundle({
      name: 'orders',
      domain: 'sales',
      edit: (p) => {
        p.spec.access = { default: 'deny', allow: [{ team: 'analytics' }] };
      },
    });
    const platform = local ?? new LocalPlatform({ registry });
    await platform.publish(bundle);
    if (!local) await platform.close();
    // The CLI opens its own handle on this machine.
    await local?.close();
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const run = (args: string[]) => mesh(args, { cwd: work, env });

  it('rates a product, lists the rating, answers it, and shows the NPS', async () => {
    const rated = await run(['rate', 'sales/orders', '5', '--team', 'analytics', '--comment', 'late on Mondays']);
    expect(rated.stderr).toBe('');
    expect(rated.code).toBe(0);
    expect(rated.stdout).toMatch(/^sales\/orders rated 5\/10 by team analytics for \d{4}-Q[1-4]: rat-[0-9a-f]+\n/);
    expect(rated.stdout).toContain('below 7: the owners of sales/orders are notified (event rating.low)');
    const listed = JSON.parse((await run(['ratings', 'list', '--product', 'sales/orders', '--json'])).stdout);
    expect(listed).toHaveLength(1);
    const answered = await run(['ratings', 'answer', listed[0].id, '--answer', 'moved to 05:00']);
    expect(answered.stdout).toContain('answered');
    const nps = await run(['nps']);
    expect(nps.stdout).toContain('mesh NPS -100 (1 rating: based on 1 rating only)');
  });

  it('refuses a score out of range as a usage error, and a team without a grant with exit 1', async () => {
    const range = await run(['rate', 'sales/orders', '11', '--team', 'analytics']);
    expect(range.code).toBe(2);
    expect(range.stderr).toContain('Expected a whole number from 0 to 10.');
    const noGrant = await run(['rate', 'sales/orders', '9', '--team', 'sales-crew']);
    expect(noGrant.code).toBe(1);
    expect(noGrant.stderr).toContain('owners do not rate their own products');
  });

  it('sets and shows a domain', async () => {
    const set = await run(['domain', 'set', 'sales', '--owner', 'sales-crew', '--description', 'orders']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('owner:    sales-crew');
    const shown = JSON.parse((await run(['domain', 'show', 'sales', '--json'])).stdout);
    expect(shown).toMatchObject({ name: 'sales', ownerTeam: 'sales-crew', members: ['sam'], products: 1 });
  });

  it('prints mesh health, the Markdown report and a scorecard', async () => {
    const health = await run(['health', '--weeks', '1']);
    expect(health.code).toBe(0);
    expect(health.stdout).toContain('products: 1 (0 active, 0 stale, 0 failing)');
    expect(health.stdout).toContain('diagnosis: no failure pattern found');
    const report = await run(['health', '--report', '--weeks', '1']);
    expect(report.stdout).toMatch(/^# Mesh health, /);
    expect(report.stdout).toContain('| sales/orders | sales-data@company.com |');
    const json = JSON.parse((await run(['health', '--json', '--weeks', '1'])).stdout);
    expect(json.trend).toHaveLength(2);
    const card = await run(['scorecard', 'sales']);
    expect(card.stdout).toContain('### sales');
    // Three days on, the product has never served data: stale (a warning, so the exit code stays 0).
    const later = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const stale = await run(['health', '--now', later, '--weeks', '0']);
    expect(stale.stdout).toContain('stale-products: 1 stale product(s): sales/orders (never published data in 3 days');
    expect(stale.code).toBe(0);
  });

  it('writes the report as text, JSON or one HTML file, from --since, and refuses bad flags as usage errors', async () => {
    const text = await run(['report', '--since', new Date(Date.now() - 15 * 86_400_000).toISOString().slice(0, 10)]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^# Mesh health, /);
    expect(text.stdout).toContain('## Weekly trend');
    const json = JSON.parse(
      (await run(['report', '--format', 'json', '--since', '2000-01-01T00:00:00Z', '--now', '2000-01-22T00:00:00Z']))
        .stdout,
    );
    expect(json.trend).toHaveLength(4);
    const html = await run(['report', '--format', 'html', '--out', 'health.html']);
    expect(html).toMatchObject({ code: 0, stderr: '', stdout: 'wrote the html report to health.html\n' });
    const page = readFileSync(join(work, 'health.html'), 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<td>sales/orders</td>');
    expect(page).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    const format = await run(['report', '--format', 'pdf']);
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('Allowed choices are text, json, html.');
    const since = await run(['report', '--since', 'last spring']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('invalid --since "last spring": an ISO date such as 2026-06-01');
    const far = await run(['report', '--since', '1990-01-01']);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/--since 1990-01-01 is \d+ weeks back; the report covers at most 104 weeks/);
  });
});
