/**
 * The foundation commands as a user runs them: output, exit codes, --json, --help.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { mesh, meshProcess } from '../helpers/run-mesh.js';

let cwd: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'mesh-cli-'));
  env = { MESH_HOME: join(cwd, '.mesh'), MESH_DATABASE_URL: '', MESH_USER: 'test:bob' };
});

const init = (name = 'orders-daily', extra: string[] = []) =>
  mesh(['init', name, '--domain', 'sales', '--owner', 'sales-data@company.com', ...extra], { cwd, env });

describe('mesh --help and usage errors', () => {
  it('prints help with every foundation command and exits 0', async () => {
    const r = await mesh(['--help'], { cwd, env });
    expect(r.code).toBe(0);
    for (const c of ['init', 'validate', 'publish', 'catalog', 'show']) expect(r.stdout).toContain(c);
  });

  it('has --help on every command', async () => {
    for (const c of [['init'], ['validate'], ['publish'], ['catalog', 'list'], ['catalog', 'search'], ['show']]) {
      const r = await mesh([...c, '--help'], { cwd, env });
      expect(r.code, c.join(' ')).toBe(0);
      expect(r.stdout).toContain('Usage: mesh');
    }
  });

  it('exits 2 with usage on an unknown command or flag', async () => {
    const cmd = await mesh(['publsh'], { cwd, env });
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain("unknown command 'publsh'");
    expect(cmd.stderr).toContain("did you mean 'mesh publish'?");
    const flag = await mesh(['validate', '--strictt'], { cwd, env });
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("unknown option '--strictt'");
    expect(flag.stderr).toContain('mesh validate --help');
    const nested = await mesh(['catalog', 'search', 'x', '--limt', '3'], { cwd, env });
    expect(nested.code).toBe(2);
    expect(nested.stderr).toContain('(run mesh catalog search --help for usage)');
  });

  it('exits 2 when a required option is missing or a choice is wrong', async () => {
    expect((await mesh(['init', 'x', '--domain', 'sales'], { cwd, env })).code).toBe(2);
    const wrong = await init('x', ['--template', 'oracle']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('Allowed choices are postgres, file, product');
  });

  it('exits 2 with usage on a flag value out of range or of the wrong shape, before doing anything', async () => {
    const cases: Array<[string[], string, string]> = [
      [
        ['serve', '--port', '99999'],
        "option '--port <port>' argument '99999' is invalid. Expected a whole number from 0 to 65535.",
        'serve',
      ],
      [
        ['worker', '--concurrency', '0'],
        "option '--concurrency <n>' argument '0' is invalid. Expected a whole number from 1 to 64.",
        'worker',
      ],
      [
        ['token', 'create', '--user', 'a', '--role', 'admin', '--expires', 'soon'],
        "argument 'soon' is invalid. Expected a duration (30d, 12h) or an ISO time.",
        'token create',
      ],
      [
        ['versions', 'retire-expired', '--now', 'yesterday'],
        "argument 'yesterday' is invalid. Expected an ISO time",
        'versions retire-expired',
      ],
      [
        ['catalog', 'search', 'orders', '--limit', 'ten'],
        "argument 'ten' is invalid. Expected a whole number from 1 to 200.",
        'catalog search',
      ],
      [['runs', 'sales/orders', '--limit', '-1'], "argument '-1' is invalid.", 'runs'],
      [['checks', 'sales/orders', '--runs', '2.5'], "argument '2.5' is invalid.", 'checks'],
    ];
    for (const [args, message, command] of cases) {
      const r = await mesh(args, { cwd, env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain(`(run mesh ${command} --help for usage)`);
    }
  });
});

describe('mesh init', () => {
  it('creates a product folder that validates unchanged', async () => {
    const r = await init();
    expect(r.code).toBe(0);
    for (const f of ['product.yaml', 'transform.sql', 'README.md'])
      expect(existsSync(join(cwd, 'orders-daily', f))).toBe(true);
    expect(readFileSync(join(cwd, 'orders-daily', 'product.yaml'), 'utf8')).toContain('# ');
    const v = await mesh(['validate', 'orders-daily'], { cwd, env });
    expect(v.stdout).toContain('1 file checked, 0 errors');
    expect(v.code).toBe(0);
  });

  it('refuses to overwrite an existing folder and leaves it untouched', async () => {
    await init();
    writeFileSync(join(cwd, 'orders-daily', 'transform.sql'), 'SELECT 1');
    const again = await init();
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists; mesh init never overwrites');
    expect(readFileSync(join(cwd, 'orders-daily', 'transform.sql'), 'utf8')).toBe('SELECT 1');
  });

  it('rejects an invalid name with the naming rule', async () => {
    const r = await init('Orders_Daily');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('invalid product name "Orders_Daily": lowercase kebab-case');
    expect(existsSync(join(cwd, 'Orders_Daily'))).toBe(false);
  });

  it('writes into --dir with the chosen template', async () => {
    const r = await init('raw-records', [
      '--template',
      'file',
      '--dir',
      'products/raw',
      '--oncall',
      'pager@company.com',
    ]);
    expect(r.code).toBe(0);
    const yaml = readFileSync(join(cwd, 'products/raw/product.yaml'), 'utf8');
    expect(yaml).toContain('type: file');
    expect(yaml).toContain('oncall: pager@company.com');
  });
});

describe('mesh validate', () => {
  it('prints file:line:col  severity  code  message and exits 1 on errors', async () => {
    await init();
    const file = join(cwd, 'orders-daily', 'product.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('  owner:', '  onwer:'));
    const r = await mesh(['validate'], { cwd, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^orders-daily\/product\.yaml:9:3 {2}error {2}unknown-field {2}unknown field "onwer" in metadata$/m,
    );
    expect(r.stdout).toContain('hint: did you mean "owner"?');
    expect(r.stdout).toContain('1 file checked, 2 errors');
  });

  it('prints machine-readable diagnostics with --json', async () => {
    await init();
    const file = join(cwd, 'orders-daily', 'product.yaml');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('schedule: "0 6 * * *"', 'schedule: "every day"'));
    const line = text.split('\n').findIndex((l) => l.includes('schedule:')) + 1;
    const r = await mesh(['validate', '--json'], { cwd, env });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.files[0].diagnostics[0]).toMatchObject({
      code: 'invalid-cron',
      severity: 'error',
      location: { file: 'orders-daily/product.yaml', line },
      path: 'spec.schedule',
    });
  });

  it('validates many files in one go and finds product.yaml in folders', async () => {
    await init('a-one');
    await init('a-two');
    const r = await mesh(['validate', '.'], { cwd, env });
    expect(r.stdout).toContain('2 files checked, 0 errors');
  });

  it('says so, without a stack trace, when MESH_HOME cannot be written', async () => {
    const file = join(cwd, 'a-file');
    writeFileSync(file, 'x');
    const r = await mesh(['catalog', 'list'], { cwd, env: { ...env, MESH_HOME: join(file, 'home') } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`error: cannot create the registry folder ${join(file, 'home')}: ENOTDIR`);
    expect(r.stderr).toContain('hint: set MESH_HOME to a folder you can write to');
    expect(r.stderr).not.toContain('bug in Meshwork');
  });

  it('says which path does not exist', async () => {
    const r = await mesh(['validate', 'nowhere'], { cwd, env });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: no such file or folder: nowhere\n');
  });
});

describe('mesh publish, catalog and show', () => {
  it('publishes, is a no-op on identical content, refuses other content under the same version', async () => {
    await init();
    const first = await mesh(['publish', 'orders-daily'], { cwd, env });
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('published sales/orders-daily@0.1.0');
    const same = await mesh(['publish', 'orders-daily'], { cwd, env });
    expect(same.code).toBe(0);
    expect(same.stdout).toContain('already published with identical content; nothing to do');
    const file = join(cwd, 'orders-daily', 'product.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('tags: [sales]', 'tags: [sales, orders]'));
    const changed = await mesh(['publish', 'orders-daily', '--json'], { cwd, env });
    expect(changed.code).toBe(1);
    expect(JSON.parse(changed.stdout).error).toMatchObject({
      kind: 'conflict',
      message: 'sales/orders-daily@0.1.0 is already published with different content; versions are immutable',
    });
  });

  it('refuses to publish an invalid descriptor and records nothing', async () => {
    await init();
    const file = join(cwd, 'orders-daily', 'product.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace('connection: ${SOURCE_DB_URI}', 'connection: postgres://u:secret@db/x'),
    );
    const r = await mesh(['publish', 'orders-daily'], { cwd, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('inline-secret');
    expect(r.stdout + r.stderr).not.toContain('secret@');
    expect((await mesh(['catalog', 'list', '--json'], { cwd, env })).stdout.trim()).toBe('[]');
  });

  it('lists, searches and shows published products', async () => {
    await init('orders-daily');
    await mesh(['init', 'customers', '--domain', 'identity', '--owner', 'id@company.com', '--template', 'file'], {
      cwd,
      env,
    });
    await mesh(['publish', 'orders-daily'], { cwd, env });
    await mesh(['publish', 'customers'], { cwd, env });
    const list = JSON.parse((await mesh(['catalog', 'list', '--json'], { cwd, env })).stdout);
    expect(list.map((p: { id: string }) => p.id)).toEqual(['identity/customers', 'sales/orders-daily']);
    const byDomain = await mesh(['catalog', 'list', '--domain', 'identity'], { cwd, env });
    expect(byDomain.stdout).toContain('identity/customers');
    expect(byDomain.stdout).not.toContain('orders-daily');
    const search = JSON.parse((await mesh(['catalog', 'search', 'orders', '--json'], { cwd, env })).stdout);
    expect(search[0].id).toBe('sales/orders-daily');
    const show = await mesh(['show', 'sales/orders-daily'], { cwd, env });
    expect(show.stdout).toContain('sales/orders-daily@0.1.0');
    expect(show.stdout).toContain('on-call:    sales-data@company.com');
    expect(show.stdout).toMatch(/id \(pk\)\s+bigint/);
    const json = JSON.parse((await mesh(['show', 'sales/orders-daily@0.1.0', '--json'], { cwd, env })).stdout);
    expect(json.version.publishedBy).toBe('test:bob');
    const missing = await mesh(['show', 'sales/nothing'], { cwd, env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no product sales/nothing in the catalog');
    const bad = await mesh(['show', 'not a ref'], { cwd, env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('the shipped CLI (bin/mesh.js)', () => {
  it('lets exactly one of ten concurrent publisher processes win on one SQLite registry', async () => {
    const base = mkdtempSync(join(tmpdir(), 'mesh-race-'));
    const procEnv = { ...process.env, MESH_HOME: join(base, '.mesh'), MESH_DATABASE_URL: '' };
    for (let i = 0; i < 10; i++) {
      meshProcess(
        [
          'init',
          'race',
          '--domain',
          'sales',
          '--owner',
          'sales-data@company.com',
          '--template',
          'file',
          '--dir',
          `p${i}`,
        ],
        { cwd: base, env: procEnv },
      );
      const file = join(base, `p${i}`, 'product.yaml');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace(
          /description: .*/,
          `description: Publisher ${i} describes the race product differently.`,
        ),
      );
    }
    const { spawn } = await import('node:child_process');
    const { MESH_BIN } = await import('../helpers/run-mesh.js');
    const results = await Promise.all(
      Array.from(
        { length: 10 },
        (_, i) =>
          new Promise<{ code: number; out: string }>((resolve) => {
            const child = spawn(process.execPath, [MESH_BIN, 'publish', `p${i}`, '--json'], {
              cwd: base,
              env: procEnv,
            });
            let out = '';
            child.stdout.on('data', (d) => (out += d));
            child.on('close', (code) => resolve({ code: code ?? -1, out }));
          }),
      ),
    );
    const winners = results.filter((r) => r.code === 0);
    const losers = results.filter((r) => r.code === 1);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(9);
    for (const l of losers) expect(JSON.parse(l.out).error.kind).toBe('conflict');
    const show = JSON.parse(meshProcess(['show', 'sales/race', '--json'], { cwd: base, env: procEnv }).stdout);
    expect(show.versions).toHaveLength(1);
  });
});
