/**
 * The CLI scenarios, run twice: on this machine (LocalPlatform) and against a server
 * (--server / MESH_SERVER with MESH_TOKEN). A user sees the same output and exit codes.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mesh } from '../helpers/run-mesh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const CERTIFIED_ONLY = fileURLToPath(new URL('./fixtures/certified-only.policy.yaml', import.meta.url));

describe.each(['local', 'server'] as const)('mesh CLI (%s mode)', (mode) => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  let server: TestServer | undefined;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), `mesh-cli-${mode}-`));
    if (mode === 'server') {
      server = await startTestServer('sqlite');
      env = {
        MESH_SERVER: server.url,
        MESH_TOKEN: server.adminToken,
        MESH_HOME: join(work, 'unused-home'),
        MESH_DATABASE_URL: '',
      };
    } else {
      env = {
        MESH_HOME: join(work, '.mesh'),
        MESH_SERVER: '',
        MESH_TOKEN: '',
        MESH_DATABASE_URL: '',
        MESH_USER: 'root',
      };
    }
  });
  afterAll(async () => {
    await server?.close();
  });

  const run = (args: string[], cwd = work) => mesh(args, { cwd, env });
  /** As another user: on the server with that role's token; locally every command acts as the registry's owner. */
  const runAs = async (role: 'governance' | 'member', args: string[]) => {
    if (!server) return run(args);
    const token =
      role === 'governance'
        ? await server.token(`gov-${Date.now()}`, 'governance')
        : await server.token(`member-${Date.now()}`, 'member', { domains: ['sales'] });
    return mesh(args, { cwd: work, env: { ...env, MESH_TOKEN: token } });
  };

  it('init, validate and publish a product', async () => {
    expect(
      (
        await run([
          'init',
          'orders-daily',
          '--domain',
          'sales',
          '--owner',
          'sales-data@company.com',
          '--template',
          'file',
        ])
      ).code,
    ).toBe(0);
    const validated = await run(['validate'], join(work, 'orders-daily'));
    expect(validated.stdout).toContain('1 file checked, 0 errors');
    expect(validated.code).toBe(0);
    const published = await run(['publish', 'orders-daily']);
    expect(published.code).toBe(0);
    expect(published.stdout).toContain('published sales/orders-daily@0.1.0');
    const again = await run(['publish', 'orders-daily', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({
      published: false,
      status: 'unchanged',
      product: 'sales/orders-daily',
    });
  });

  it('refuses a descriptor with errors, naming file:line:col', async () => {
    const file = join(work, 'orders-daily', 'product.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('version: 0.1.0', 'version: one'));
    const result = await run(['publish', 'orders-daily']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/orders-daily\/product\.yaml:\d+:\d+/);
    expect(result.stdout).toContain('not published');
    writeFileSync(file, original);
  });

  it('refuses other content under a published version (exit 1, conflict)', async () => {
    const file = join(work, 'orders-daily', 'product.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace(/description: .*/, 'description: Entirely different words about orders.'));
    const result = await run(['publish', 'orders-daily', '--json']);
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout).error).toMatchObject({ kind: 'conflict' });
    expect(JSON.parse(result.stdout).error.message).toContain(
      'sales/orders-daily@0.1.0 is already published with different content',
    );
    writeFileSync(file, original);
  });

  it('lists, searches and shows the catalog', async () => {
    const list = await run(['catalog', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain('sales/orders-daily');
    const listJson = JSON.parse((await run(['catalog', 'list', '--domain', 'sales', '--json'])).stdout);
    expect(listJson.map((p: { id: string }) => p.id)).toEqual(['sales/orders-daily']);
    const search = JSON.parse((await run(['catalog', 'search', 'orders', '--json'])).stdout);
    expect(search.hits[0]).toMatchObject({ id: 'sales/orders-daily' });
    const show = await run(['show', 'sales/orders-daily']);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('sales/orders-daily@0.1.0');
    expect(show.stdout).toContain('owner:      sales-data@company.com');
    const exact = JSON.parse((await run(['show', 'sales/orders-daily@0.1.0', '--json'])).stdout);
    expect(exact.version.version).toBe('0.1.0');
  });

  it('reports a missing product and a bad reference the same way', async () => {
    const missing = await run(['show', 'sales/nothing-here']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('error: no product sales/nothing-here in the catalog');
    const bad = await run(['show', 'sales/Bad_Name', '--json']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).error.kind).toBe('input');
  });

  it('reports freshness, incidents and webhooks', async () => {
    const sla = await run(['sla', 'sales/orders-daily', '--json']);
    expect(sla.code).toBe(0);
    expect(JSON.parse(sla.stdout)).toMatchObject({
      product: 'sales/orders-daily',
      target: '1d',
      alertAfter: '2d',
      state: 'never-published',
      lastGoodAt: null,
      objective: 0.995,
    });
    const text = await run(['sla', 'sales/orders-daily']);
    expect(text.stdout).toContain('freshness:     target 1d, alert after 2d');
    expect(text.stdout).toContain('last good:     never');
    expect((await run(['sla', 'sales/nothing'])).code).toBe(1);
    expect((await run(['incident', 'list'])).stdout).toContain('no incidents');
    expect((await run(['incident', 'ack', 'inc-missing'])).stderr).toContain('no incident inc-missing');
    const hook = JSON.parse(
      (await run(['webhook', 'add', 'http://127.0.0.1:9/hook', '--types', 'product.published', '--json'])).stdout,
    );
    expect(hook).toMatchObject({ url: 'http://127.0.0.1:9/hook', types: ['product.published'], format: 'cloudevents' });
    expect((await run(['webhook', 'list'])).stdout).toContain(hook.id);
    expect((await run(['webhook', 'deliveries', hook.id])).stdout).toContain('nothing delivered yet');
    expect((await run(['webhook', 'remove', hook.id])).stdout).toContain(`removed ${hook.id}`);
    expect((await run(['webhook', 'add', 'ftp://x'])).code).toBe(1);
  });

  it('dry-runs a folder, runs the published product, and shows its runs and checks', async () => {
    const dry = await run(['run', '--path', 'orders-daily', '--json']);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ status: 'succeeded', dryRun: true, rowsOut: 3 });
    // A published product has no folder: its file input must be reachable where it runs (here an absolute path).
    const dir = join(work, 'orders-daily');
    const file = join(dir, 'product.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8')
        .replace('version: 0.1.0', 'version: 0.2.0')
        .replace('path: data/records.csv', `path: ${join(dir, 'data', 'records.csv')}`),
    );
    expect((await run(['publish', 'orders-daily'])).code).toBe(0);
    const ran = await run(['run', 'sales/orders-daily', '--json']);
    expect(ran.code).toBe(0);
    const outcome = JSON.parse(ran.stdout);
    expect(outcome).toMatchObject({ status: 'succeeded', dryRun: false, version: '0.2.0', rowsOut: 3 });
    const runs = JSON.parse((await run(['runs', 'sales/orders-daily', '--json'])).stdout);
    expect(runs[0]).toMatchObject({ id: outcome.runId, status: 'succeeded', snapshotId: outcome.snapshotId });
    expect((await run(['runs', 'sales/orders-daily'])).stdout).toMatch(
      new RegExp(`${outcome.runId} +succeeded +0\\.2\\.0 `),
    );
    const checks = await run(['checks', 'sales/orders-daily']);
    expect(checks.code).toBe(0);
    expect(checks.stdout).toContain('unique(id)');
    // A major by number: the current one runs as usual; one never published is named as such.
    expect(JSON.parse((await run(['run', 'sales/orders-daily@0', '--json'])).stdout)).toMatchObject({
      status: 'succeeded',
      version: '0.2.0',
    });
    const noMajor = await run(['run', 'sales/orders-daily@7']);
    expect(noMajor.code).toBe(1);
    expect(noMajor.stderr).toContain('sales/orders-daily has no major 7; its latest is 0.2.0');
    const missing = await run(['run', 'sales/nothing-here']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no product sales/nothing-here in the catalog');
  });

  it('manages teams and tokens', async () => {
    const team = await run(['team', 'create', 'sales-eng', '--domain', 'sales', '--json']);
    expect(team.code).toBe(0);
    expect(JSON.parse(team.stdout)).toMatchObject({ name: 'sales-eng', domains: ['sales'] });
    expect((await run(['team', 'add-member', 'sales-eng', 'alice'])).stdout).toContain(
      'alice is a member of sales-eng',
    );
    const created = JSON.parse(
      (await run(['token', 'create', '--user', 'alice', '--role', 'member', '--expires', '30d', '--json'])).stdout,
    );
    expect(created.token).toMatch(/^mesh_/);
    const listed = await run(['token', 'list']);
    expect(listed.stdout).toContain(created.id);
    expect(listed.stdout).not.toContain(created.token);
    expect((await run(['token', 'revoke', created.id])).stdout).toContain(`revoked ${created.id}`);
    expect((await run(['token', 'create', '--user', 'x', '--role', 'wizard'])).code).toBe(2);
  });

  it('diffs a descriptor against its published version and retires expired versions', async () => {
    const diff = await run(['diff', 'orders-daily', '--json']);
    expect(diff.code).toBe(0);
    expect(JSON.parse(diff.stdout)).toMatchObject({
      ok: true,
      product: 'sales/orders-daily',
      version: '0.2.0',
      against: '0.2.0',
      changes: [],
      required: 'none',
    });
    const text = await run(['diff', 'orders-daily']);
    expect(text.stdout).toContain('no changes: this file is what 0.2.0 published');
    const retire = await run(['versions', 'retire-expired', '--json']);
    expect(retire.code).toBe(0);
    expect(JSON.parse(retire.stdout)).toEqual({ retired: [] });
    expect((await run(['versions', 'retire-expired', '--now', 'yesterday'])).code).toBe(2);
  });

  it('applies a policy set through the platform: the next publish that violates it is refused with its rule id', async () => {
    const file = join(work, 'certified.policy.yaml');
    copyFileSync(CERTIFIED_ONLY, file);
    if (server) {
      const refused = await runAs('member', ['policy', 'apply', 'certified.policy.yaml', '--json']);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.stdout).error.kind).toBe('not-allowed');
    }
    const applied = await runAs('governance', ['policy', 'apply', 'certified.policy.yaml']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toContain('applied policy set certified-only (global, 1 rule)');
    expect((await runAs('governance', ['policy', 'apply', 'certified.policy.yaml'])).stdout).toContain(
      'already in force',
    );
    const listed = JSON.parse((await run(['policy', 'list', '--json'])).stdout);
    expect(listed.rules.find((r: { id: string }) => r.id === 'products-must-be-certified')).toMatchObject({
      kind: 'cel',
      severity: 'error',
      source: 'certified-only',
      sourceFile: 'registry:certified-only',
    });
    expect(listed.sets).toContainEqual(expect.objectContaining({ name: 'certified-only', origin: 'registry' }));
    const check = await run(['policy', 'check']);
    expect(check.code).toBe(0);
    expect(check.stdout).toContain('(1 from the registry), 0 errors');

    expect(
      (
        await run([
          'init',
          'orders-strict',
          '--domain',
          'sales',
          '--owner',
          'sales-data@company.com',
          '--template',
          'file',
        ])
      ).code,
    ).toBe(0);
    const published = await run(['publish', 'orders-strict']);
    expect(published.code).toBe(1);
    expect(published.stdout).toContain('products-must-be-certified');
    expect(published.stdout).toContain('every product must carry the tag certified');
    expect(published.stdout).toContain('not published');

    const removed = await runAs('governance', ['policy', 'remove', 'certified-only']);
    expect(removed.stdout).toContain('removed policy set certified-only');
    expect((await run(['publish', 'orders-strict'])).code).toBe(0);
    expect((await run(['policy', 'remove', 'certified-only'])).code).toBe(1);
  });

  it('refuses a broken policy set with file:line:col and stores nothing', async () => {
    writeFileSync(
      join(work, 'broken.policy.yaml'),
      `apiVersion: mesh/v1
kind: PolicySet
metadata:
  name: broken-set
  owner: governance@company.com
  scope: global
spec:
  rules:
    - id: names-are-short
      cel: size(product.metadata.nme) < 40
      message: short names
`,
    );
    const refused = await runAs('governance', ['policy', 'apply', 'broken.policy.yaml']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/broken\.policy\.yaml:10:\d+/);
    expect(refused.stderr).toContain('nothing was applied');
    const listed = JSON.parse((await run(['policy', 'check', '--json'])).stdout);
    expect(listed.sets.map((s: { name: string }) => s.name)).not.toContain('broken-set');
  });
});
