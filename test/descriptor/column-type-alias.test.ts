/**
 * A column type written as another database spells it (`datetime`, `int8`, `string`,
 * `numeric(12,2)`) is an error at its line with the type meant here as the hint.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDescriptorFile } from '../../src/platform/descriptor-bundle.js';
import { initProduct } from '../../src/platform/init-product.js';

function productWithType(type: string) {
  const { dir } = initProduct({
    name: 'orders-daily',
    domain: 'sales',
    owner: 'sales-data@company.com',
    template: 'postgres',
    cwd: mkdtempSync(join(tmpdir(), 'mesh-type-alias-')),
  });
  const file = join(dir, 'product.yaml');
  const text = readFileSync(file, 'utf8');
  expect(text).toContain('type: bigint, nullable: false');
  writeFileSync(file, text.replace('type: bigint, nullable: false', `type: ${JSON.stringify(type)}, nullable: false`));
  return loadDescriptorFile(file, 'product.yaml').diagnostics.filter((d) => d.severity === 'error');
}

describe('column type aliases', () => {
  it('datetime: an error at the type, did you mean "timestamp"', () => {
    const [d, ...rest] = productWithType('datetime');
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ code: 'invalid-value', location: { file: 'product.yaml', line: 28, col: 27 } });
    expect(d.message).toContain('"datetime"');
    expect(d.hint).toBe('did you mean "timestamp"?');
  });

  it('the names other databases use map to ours, parameters kept where ours take them', () => {
    const cases: Array<[string, string]> = [
      ['int', 'integer'],
      ['int4', 'integer'],
      ['int8', 'bigint'],
      ['INT8', 'bigint'],
      ['string', 'varchar'],
      ['nvarchar(40)', 'varchar(40)'],
      ['character varying', 'varchar'],
      ['longtext', 'text'],
      ['bool', 'boolean'],
      ['numeric', 'decimal'],
      ['numeric(12, 2)', 'decimal(12,2)'],
      ['float8', 'double'],
      ['double precision', 'double'],
      ['real', 'float'],
      ['datetime(6)', 'timestamp'],
      ['timestamp with time zone', 'timestamptz'],
      ['jsonb', 'json'],
      ['bytea', 'blob'],
      ['guid', 'uuid'],
      ['bigintt', 'bigint'],
    ];
    const hints = cases.map(([written]) => [written, productWithType(written).map((d) => d.hint)]);
    expect(hints).toEqual(cases.map(([written, meant]) => [written, [`did you mean "${meant}"?`]]));
  });

  it('no hint for a word that is nothing like a type', () => {
    const [d] = productWithType('potato');
    expect(d.code).toBe('invalid-value');
    expect(d.hint).toBeUndefined();
  });
});
