/**
 * Issue 11, findings 6 (the validator crashed) and 7 (a descriptor's meaning changed without
 * a word). Each test goes through `mesh validate` as a user runs it (in-process runCli) or the
 * bundle check the server runs, and asserts what the user sees.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/core/diagnostic.js';
import { checkBundle } from '../../src/platform/descriptor-bundle.js';
import { initProduct } from '../../src/platform/init-product.js';
import { mesh } from '../helpers/run-mesh.js';

/** A product folder from the postgres template with its descriptor rewritten by `edit` (which must change it). */
function productWith(edit?: (yaml: string) => string): { root: string; dir: string; yaml: string } {
  const root = mkdtempSync(join(tmpdir(), 'mesh-hardening-'));
  const { dir } = initProduct({ name: 'orders-daily', domain: 'sales', owner: 'sales-data@company.com', cwd: root });
  const file = join(dir, 'product.yaml');
  const original = readFileSync(file, 'utf8');
  const yaml = edit ? edit(original) : original;
  if (edit) expect(yaml, 'the edit must change the template').not.toBe(original);
  writeFileSync(file, yaml);
  return { root, dir, yaml };
}

function lineOf(yaml: string, marker: string): number {
  expect(yaml).toContain(marker);
  return yaml.slice(0, yaml.indexOf(marker)).split('\n').length;
}

interface Validated {
  code: number;
  output: string;
  errors: Diagnostic[];
}

async function validate(root: string, path = 'orders-daily'): Promise<Validated> {
  const json = await mesh(['validate', '--json', path], { cwd: root });
  const text = await mesh(['validate', path], { cwd: root });
  expect(text.code).toBe(json.code);
  const output = json.stdout + json.stderr + text.stdout + text.stderr;
  expect(output).not.toMatch(/this is a bug in Meshwork|TypeError|^ {4}at /m);
  const errors =
    json.code === 1
      ? (JSON.parse(json.stdout) as { files: Array<{ diagnostics: Diagnostic[] }> }).files
          .flatMap((f) => f.diagnostics)
          .filter((d) => d.severity === 'error')
      : [];
  return { code: json.code, output, errors };
}

/** The error with `code`, checked to be located at `line` of the product's descriptor. */
function located(v: Validated, code: string, line: number): Diagnostic {
  expect(v.code, v.output).toBe(1);
  const d = v.errors.find((e) => e.code === code);
  expect(d, `expected ${code} in ${v.output}`).toBeTruthy();
  expect(d!.location).toMatchObject({ file: join('orders-daily', 'product.yaml'), line });
  expect(v.output).toMatch(new RegExp(`orders-daily/product\\.yaml:${line}:\\d+ +error +${code} `));
  return d!;
}

describe('finding 6: wrong types are diagnostics, never a crash', () => {
  it.each(['id', '5', '{ a: 1 }', 'true'])('primaryKey: %s is a located wrong-type error (exit 1)', async (value) => {
    const p = productWith((y) => y.replace('primaryKey: [id]', `primaryKey: ${value}`));
    const d = located(await validate(p.root), 'wrong-type', lineOf(p.yaml, 'primaryKey:'));
    expect(d.path).toBe('spec.schema.primaryKey');
    expect(d.message).toMatch(/must be an array, got/);
  });

  it.each(['id', '{ a: 1 }'])('a check with columns: %s is a located wrong-type error', async (value) => {
    const p = productWith((y) => y.replace('{ type: unique, column: id }', `{ type: unique, columns: ${value} }`));
    const d = located(await validate(p.root), 'wrong-type', lineOf(p.yaml, 'type: unique'));
    expect(d.path).toBe('spec.quality.checks[0].columns');
  });

  it('a FIFO, /dev/zero or a product.yaml that is a pipe are reported as not a file, without reading them', async () => {
    const root = mkdtempSync(join(tmpdir(), 'mesh-hardening-'));
    execFileSync('mkfifo', [join(root, 'pipe')]);
    for (const path of ['pipe', '/dev/zero']) {
      const r = await mesh(['validate', path], { cwd: root });
      expect(r.stdout + r.stderr).not.toMatch(/this is a bug|ENOTDIR/);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`${path}:1:1  error  not-a-file  ${path} is not a regular file`);
    }
    const p = productWith();
    rmSync(join(p.dir, 'product.yaml'));
    execFileSync('mkfifo', [join(p.dir, 'product.yaml')]);
    const v = await validate(p.root);
    located(v, 'not-a-file', 1);
  });
});

describe('finding 7: nothing changes meaning silently', () => {
  it.each([
    ['threshold: 0.05', 'threshold: .inf'],
    ['threshold: 0.05', 'threshold: -.inf'],
    ['min: 1 }', 'min: .nan }'],
    ['min: 1 }', 'min: 1e999 }'],
    ['deprecationNoticeDays: 30', 'deprecationNoticeDays: .Inf'],
  ])('%s → %s is refused where it is written', async (from, to) => {
    const p = productWith((y) => y.replace(from, to));
    const d = located(await validate(p.root), 'non-finite-number', lineOf(p.yaml, to));
    expect(d.message).toContain('not a finite number');
  });

  it.each([
    ['title: !!int "abc"', 'changes this value from str to int'],
    ['title: !!str 123', 'changes this value from int to str'],
    ['title: !!float 1', 'changes this value from int to float'],
    ['title: !secret hunter2', 'unknown YAML tag !secret'],
    ['title: !!binary aGk=', 'changes this value from str to binary'],
  ])('the tag in %s is an error', async (line, message) => {
    const p = productWith((y) => y.replace('  description: ', `  ${line}\n  description: `));
    const d = located(await validate(p.root), 'yaml-tag', lineOf(p.yaml, line));
    expect(d.message).toContain(message);
    expect(d.location!.col).toBe(10);
  });

  it('a tag that keeps the type is accepted', async () => {
    const p = productWith((y) => y.replace('  description: ', '  title: !!str "Orders"\n  description: '));
    const v = await validate(p.root);
    expect(v.output).toContain('0 errors, 0 warnings');
  });

  it.each([
    [
      '"decimal(18,2)"',
      '"decimal(999999999999999999999,2)"',
      'decimal precision 999999999999999999999 is out of range',
    ],
    ['"decimal(18,2)"', '"decimal(39,0)"', 'decimal precision 39 is out of range'],
    ['"decimal(18,2)"', '"decimal(10,12)"', 'decimal scale 12 is larger than its precision 10'],
    ['type: varchar', 'type: "varchar(99999999999999999999)"', 'varchar length 99999999999999999999 is out of range'],
    ['type: varchar', 'type: "varchar(10485761)"', 'varchar length 10485761 is out of range'],
    ['type: bigint', 'type: "bigint(20)"', 'type bigint takes no parameters'],
  ])('column type %s → %s is refused', async (from, to, message) => {
    const p = productWith((y) => y.replace(from, to));
    const d = located(await validate(p.root), 'invalid-type-size', lineOf(p.yaml, to));
    expect(d.message).toContain(message);
  });

  it('accepts the largest sizes that are allowed', async () => {
    const p = productWith((y) =>
      y.replace('"decimal(18,2)"', '"decimal(38,38)"').replace('type: varchar', 'type: "varchar(10485760)"'),
    );
    expect((await validate(p.root)).output).toContain('0 errors');
  });

  it('an undefined alias is reported as such at its own position', async () => {
    const p = productWith((y) => y.replace('primaryKey: [id]', 'primaryKey: *nope'));
    const line = lineOf(p.yaml, '*nope');
    const d = located(await validate(p.root), 'yaml-undefined-alias', line);
    expect(d.location!.col).toBe(p.yaml.split('\n')[line - 1].indexOf('*nope') + 1);
    expect(d.message).toBe('alias *nope refers to no anchor');
  });

  it('follows a symlinked product.yaml to its file, but refuses a link to a pipe', async () => {
    const p = productWith((y) => y.replace('primaryKey: [id]', 'primaryKey: [idx]'));
    renameSync(join(p.dir, 'product.yaml'), join(p.dir, 'real.yaml'));
    symlinkSync('real.yaml', join(p.dir, 'product.yaml'));
    const v = await validate(p.root);
    const d = located(v, 'unknown-column', lineOf(p.yaml, 'primaryKey:'));
    expect(d.message).toContain('"idx"');

    rmSync(join(p.dir, 'product.yaml'));
    execFileSync('mkfifo', [join(p.root, 'pipe')]);
    symlinkSync(join(p.root, 'pipe'), join(p.dir, 'product.yaml'));
    located(await validate(p.root), 'not-a-file', 1);
  });

  it('caps transform.sql at 1 MiB, on disk and in a bundle', async () => {
    const p = productWith();
    writeFileSync(join(p.dir, 'transform.sql'), `SELECT 1 -- ${'x'.repeat(2 * 1024 * 1024)}\n`);
    const d = located(await validate(p.root), 'transform-too-large', lineOf(p.yaml, 'transform: transform.sql'));
    expect(d.message).toBe('the transform SQL is 2.0 MiB; it may be at most 1.0 MiB');

    const bundle = checkBundle({
      file: 'product.yaml',
      yaml: p.yaml,
      transformSql: `SELECT 1 ${' '.repeat(1_100_000)}`,
    });
    expect(bundle.diagnostics.map((x) => x.code)).toContain('transform-too-large');
    expect(bundle.bundle.transformSql).toBeUndefined();
  });

  it.each([
    'user:pw@host:5432/db',
    'postgres://user:pw@host:5432/db',
    '//user:pw@host/db',
    '${DB_USER}:hunter2@db.internal:5432/orders',
    'host=db user=app password=hunter2',
  ])('finds the inline password in %s', async (connection) => {
    const p = productWith((y) => y.replace('connection: ${SOURCE_DB_URI}', `connection: "${connection}"`));
    located(await validate(p.root), 'inline-secret', lineOf(p.yaml, connection));
  });

  it.each([
    '${DB_USER}:${DB_PASSWORD}@host:5432/db',
    'postgres://${DB_USER}:${DB_PASSWORD}@host:5432/db?application_name=mesh@sales',
    'postgres://reader@host:5432/db',
    'host=db user=app password=${DB_PASSWORD}',
  ])('no false positive on %s', async (connection) => {
    const p = productWith((y) => y.replace('connection: ${SOURCE_DB_URI}', `connection: "${connection}"`));
    const v = await validate(p.root);
    expect(v.output).not.toContain('inline-secret');
    expect(v.code).toBe(0);
  });

  it('checks a long hostile owner in linear time', async () => {
    const owner = `a@${'a.'.repeat(50_000)}`;
    const p = productWith((y) => y.replace('owner: sales-data@company.com', `owner: "${owner} "`));
    const started = Date.now();
    located(await validate(p.root), 'invalid-value', lineOf(p.yaml, 'owner: "a@'));
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
