/**
 * `mesh run`, `mesh runs` and `mesh checks` as a user sees them, on the example products
 * (Chinook extracts shipped under examples/data, so no database server is needed).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { REPO_ROOT } from '../helpers/chinook.js';
import { mesh } from '../helpers/run-mesh.js';

describe('mesh run / runs / checks', () => {
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'mesh-cli-'));
    env = { MESH_HOME: home, MESH_DATABASE_URL: '', CHINOOK_DATA: join(REPO_ROOT, 'examples/data') };
    for (const p of ['identity/customers', 'catalog/tracks', 'sales/invoices-daily']) {
      const r = await mesh(['publish', join(REPO_ROOT, 'examples', p)], { env });
      expect(r.code, r.stderr).toBe(0);
    }
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('has help and refuses a missing product with a usage error', async () => {
    const help = await mesh(['run', '--help'], { env });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--path <dir>/);
    const none = await mesh(['run'], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/name a product/);
  });

  it('a run that needs an upstream snapshot fails with exit 1 and says what to do', async () => {
    const r = await mesh(['run', 'sales/invoices-daily'], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/input customers: identity\/customers@1 has no published snapshot yet/);
    expect(r.stdout).toMatch(/nothing was published; the last good snapshot stays current/);
  });

  it('runs the examples in order, then shows the history and the checks', async () => {
    const customers = await mesh(['run', 'identity/customers'], { env });
    expect(customers.code, customers.stdout).toBe(0);
    expect(customers.stdout).toMatch(/✓ identity\/customers@1\.0\.0: run \S+ succeeded/);
    expect(customers.stdout).toMatch(/59 rows published as snapshot/);
    expect(customers.stdout).not.toMatch(/\x1b\[/); // no colour when not a terminal
    expect((await mesh(['run', 'catalog/tracks'], { env })).code).toBe(0);
    const invoices = await mesh(['run', 'sales/invoices-daily', '--json'], { env });
    expect(invoices.code).toBe(0);
    const outcome = JSON.parse(invoices.stdout);
    expect(outcome).toMatchObject({
      status: 'succeeded',
      product: 'sales/invoices-daily',
      rowsOut: expect.any(Number),
    });
    expect(outcome.inputs.map((i: { name: string }) => i.name)).toEqual(['invoice', 'invoice_line', 'customers']);

    const runs = await mesh(['runs', 'sales/invoices-daily'], { env });
    expect(runs.code).toBe(0);
    expect(runs.stdout).toMatch(/RUN\s+STATUS\s+VERSION\s+STARTED/);
    expect(runs.stdout).toMatch(/succeeded/);
    expect(runs.stdout).toMatch(/failed .*identity\/customers@1 has no published snapshot yet/);
    const runsJson = JSON.parse((await mesh(['runs', 'sales/invoices-daily', '--json'], { env })).stdout);
    expect(runsJson[0].steps.map((s: { name: string }) => s.name)).toEqual([
      'extract',
      'transform',
      'conform',
      'audit',
      'publish',
    ]);

    await mesh(['run', 'identity/customers'], { env });
    const checks = await mesh(['checks', 'identity/customers'], { env });
    expect(checks.code).toBe(0);
    expect(checks.stdout).toMatch(/unique\(customer_id\)\s+error\s+pass\s+.*✓✓/);
    expect(checks.stdout).toMatch(/row_count_delta\s+error\s+pass\s+59 row\(s\) vs a 7-day average of 59/);
    const checksJson = JSON.parse((await mesh(['checks', 'identity/customers', '--json'], { env })).stdout);
    expect(checksJson.trend['unique(customer_id)']).toEqual(['pass', 'pass']);
  });

  it('a dry run of a local folder publishes nothing', async () => {
    const r = await mesh(['run', '--path', join(REPO_ROOT, 'examples/catalog/tracks'), '--json'], { env });
    expect(r.code).toBe(0);
    const outcome = JSON.parse(r.stdout);
    expect(outcome).toMatchObject({ dryRun: true, status: 'succeeded', snapshotId: null, rowsOut: 3503 });
    expect(outcome.steps.at(-1)).toMatchObject({ name: 'publish', status: 'skipped' });
  });

  it('a dry run of a folder whose descriptor is broken names the file, line and column, and runs nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-dry-'));
    try {
      cpSync(join(REPO_ROOT, 'examples/catalog/tracks'), join(dir, 'tracks'), { recursive: true });
      const file = join(dir, 'tracks', 'product.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/^kind: DataProduct$/m, 'kind: [DataProduct'));
      for (const [cwd, path, shown] of [
        [join(dir, 'tracks'), '.', 'product.yaml'],
        [dir, 'tracks', 'tracks/product.yaml'],
      ]) {
        const r = await mesh(['run', '--path', path], { env, cwd });
        expect(r.code).toBe(1);
        expect(r.stdout + r.stderr).toMatch(
          new RegExp(`^${shown.replace('.', '\\.')}:\\d+:\\d+  error  yaml-syntax`, 'm'),
        );
        expect(r.stderr).toContain(`${shown} has errors; fix them before running`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows live progress on a terminal', async () => {
    let stderr = '';
    const code = await runCli(['run', 'catalog/tracks'], {
      streams: {
        out: () => undefined,
        err: (t) => {
          stderr += t;
        },
        isTTY: true,
      },
      env: { ...process.env, ...env },
    });
    expect(code).toBe(0);
    expect(stderr).toMatch(/extract…/);
    expect(stderr).toMatch(/✓ extract \d+ ms, 4,150 rows/);
    expect(stderr).toMatch(/✓ publish \d+ ms, 3,503 rows/);
  });
});
