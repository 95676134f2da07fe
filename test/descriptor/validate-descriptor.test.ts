import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseYamlText } from '../../src/descriptor/yaml-source.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../src/core/diagnostic.js';
import { loadDescriptorFile } from '../../src/platform/descriptor-bundle.js';
import { initProduct } from '../../src/platform/init-product.js';

function workspace(): string {
  return mkdtempSync(join(tmpdir(), 'mesh-spec-'));
}

/** A valid product folder from the template, with its descriptor text rewritten by `edit`. */
function productWith(edit: (yaml: string) => string, template: 'postgres' | 'file' | 'product' = 'postgres') {
  const dir = workspace();
  const { dir: productDir } = initProduct({
    name: 'orders-daily',
    domain: 'sales',
    owner: 'sales-data@company.com',
    template,
    cwd: dir,
  });
  const file = join(productDir, 'product.yaml');
  const original = readFileSync(file, 'utf8');
  writeFileSync(file, edit(original));
  return { file, dir: productDir };
}

function check(file: string): Diagnostic[] {
  return loadDescriptorFile(file, 'product.yaml').diagnostics;
}

function codes(diagnostics: Diagnostic[]): string[] {
  return diagnostics.filter((d) => d.severity === 'error').map((d) => d.code);
}

describe('descriptor validation', () => {
  it('accepts what mesh init creates, for every template', () => {
    for (const template of ['postgres', 'file', 'product'] as const) {
      const { file } = productWith((y) => y, template);
      expect(check(file)).toEqual([]);
    }
  });

  it('reports malformed YAML with its position', () => {
    const { file } = productWith((y) => y.replace('kind: DataProduct', 'kind: [DataProduct'));
    const [d] = check(file);
    expect(d.code).toBe('yaml-syntax');
    expect(d.location).toMatchObject({ file: 'product.yaml' });
    expect(d.location!.line).toBeGreaterThan(1);
  });

  it('refuses a tab used for indentation', () => {
    const { file } = productWith((y) => y.replace('  name: orders-daily', '\tname: orders-daily'));
    expect(codes(check(file))).toContain('tab-indent');
  });

  it('refuses duplicate keys and points at the second one', () => {
    const { file } = productWith((y) => y.replace('  domain: sales\n', '  domain: sales\n  domain: finance\n'));
    const d = check(file).find((x) => x.code === 'duplicate-key')!;
    expect(d).toBeDefined();
    expect(d.location!.line).toBe(8);
  });

  it('reports wrong types with the path and what it got', () => {
    const { file } = productWith((y) => y.replace('tags: [sales]', 'tags: sales'));
    const d = check(file).find((x) => x.code === 'wrong-type')!;
    expect(d.message).toContain('metadata.tags must be an array');
    expect(d.location!.line).toBe(12);
  });

  it('suggests the field meant by an unknown field', () => {
    const { file } = productWith((y) => y.replace('  owner: ', '  ownr: '));
    const diagnostics = check(file);
    const unknown = diagnostics.find((x) => x.code === 'unknown-field')!;
    expect(unknown.message).toContain('"ownr"');
    expect(unknown.hint).toBe('did you mean "owner"?');
    expect(unknown.location).toMatchObject({ line: 9, col: 3 });
    expect(codes(diagnostics)).toContain('missing-field');
  });

  it('suggests the enum value meant by a misspelt one', () => {
    const { file } = productWith((y) => y.replace('{ name: files, type: parquet }', '{ name: files, type: parquett }'));
    const d = check(file).find((x) => x.code === 'invalid-value')!;
    expect(d.message).toContain('expected one of parquet, stream, postgres');
    expect(d.hint).toBe('did you mean "parquet"?');
  });

  it('names missing required fields', () => {
    const { file } = productWith((y) => y.replace(/ {2}owner: .*\n/, ''));
    const d = check(file).find((x) => x.code === 'missing-field')!;
    expect(d.message).toBe('missing required field "owner" in metadata');
  });

  it('refuses an empty file', () => {
    const { file } = productWith(() => '   \n');
    expect(codes(check(file))).toEqual(['empty-file']);
  });

  it('refuses binary and non-UTF-8 files', () => {
    const dir = workspace();
    const binary = join(dir, 'binary.yaml');
    writeFileSync(binary, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    expect(codes(check(binary))).toEqual(['binary-file']);
    const latin1 = join(dir, 'latin1.yaml');
    writeFileSync(latin1, Buffer.from('description: caf\xe9\n', 'latin1'));
    expect(codes(check(latin1))).toEqual(['not-utf8']);
  });

  it('refuses a 50 MB file without reading it into the parser', () => {
    const dir = workspace();
    const big = join(dir, 'big.yaml');
    writeFileSync(big, Buffer.alloc(50 * 1024 * 1024, 'a'));
    const started = performance.now();
    const diagnostics = check(big);
    expect(codes(diagnostics)).toEqual(['file-too-large']);
    expect(diagnostics[0].message).toContain('50.0 MiB');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses a billion-laughs alias bomb with bounded memory', () => {
    const dir = workspace();
    const bomb = join(dir, 'bomb.yaml');
    const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    writeFileSync(bomb, lines.join('\n'));
    const before = process.memoryUsage().heapUsed;
    expect(codes(check(bomb))).toEqual(['yaml-alias-limit']);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('refuses an unknown apiVersion or kind', () => {
    const v = productWith((y) => y.replace('apiVersion: mesh/v1', 'apiVersion: mesh/v2'));
    expect(check(v.file).map((d) => d.message)).toEqual([
      'unknown apiVersion "mesh/v2"; this version of Meshwork reads mesh/v1',
    ]);
    const k = productWith((y) => y.replace('kind: DataProduct', 'kind: DataProdcut'));
    const [d] = check(k.file);
    expect(d.code).toBe('unknown-kind');
    expect(d.hint).toBe('did you mean DataProduct?');
  });

  it('refuses a connection string with an inline password', () => {
    const { file } = productWith((y) =>
      y.replace('connection: ${SOURCE_DB_URI}', 'connection: postgres://app:hunter2@db:5432/orders'),
    );
    const d = check(file).find((x) => x.code === 'inline-secret')!;
    expect(d.severity).toBe('error');
    expect(d.hint).toContain('${');
    expect(JSON.stringify(d)).not.toContain('hunter2');
  });

  it('accepts a password that comes from the environment', () => {
    const { file } = productWith((y) =>
      y.replace('connection: ${SOURCE_DB_URI}', 'connection: postgres://app:${ORDERS_PW}@db:5432/orders'),
    );
    expect(check(file)).toEqual([]);
  });

  it('checks cross-file facts: transform file, cron, durations, semver, product references', () => {
    const { file } = productWith((y) =>
      y
        .replace('transform: transform.sql', 'transform: missing.sql')
        .replace('"0 6 * * *"', '"0 6 * *"')
        .replace('target: 1d', 'target: 1 day')
        .replace('version: 0.1.0', 'version: 1.2.x')
        .replace(/source:\n {8}type: postgres[\s\S]*?watermark: updated_at/, 'product: identity/customers'),
    );
    const found = codes(check(file));
    expect(found).toEqual(
      expect.arrayContaining([
        'file-not-found',
        'invalid-cron',
        'invalid-value',
        'invalid-version',
        'invalid-product-ref',
      ]),
    );
  });

  it('catches checks and keys that name unknown columns, with a suggestion', () => {
    const { file } = productWith((y) => y.replace('{ type: unique, column: id }', '{ type: unique, column: idd }'));
    const d = check(file).find((x) => x.code === 'unknown-column')!;
    expect(d.message).toContain('"idd"');
    expect(d.hint).toBe('did you mean id?');
  });

  it('points at the exact line and column of a bad column type', () => {
    const { file } = productWith((y) => y.replace('type: bigint, nullable: false', 'type: bigintt, nullable: false'));
    const d = check(file).find((x) => x.code === 'invalid-value')!;
    expect(d.location).toMatchObject({ line: 28, col: 27 });
    expect(d.hint).toBe('did you mean "bigint"?');
  });

  it('reads every example and template to the same value on the fast path as with the position-keeping parser', () => {
    const repo = fileURLToPath(new URL('../..', import.meta.url));
    const files = readdirSync(join(repo, 'examples'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('product.yaml'))
      .map((f) => join(repo, 'examples', f));
    for (const template of ['postgres', 'file', 'product'] as const) files.push(productWith((y) => y, template).file);
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const source = parseYamlText(file, text);
      expect(source.diagnostics).toEqual([]);
      expect(source.value).toEqual(parseYaml(text, { version: '1.2' }));
      // Positions still work (computed on demand) for what the fast path parsed.
      expect(source.locate(['metadata', 'name'])).toMatchObject({
        file,
        line: text.split('\n').findIndex((l) => /^\s+name:/.test(l)) + 1,
      });
    }
  });
});
