import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { dataProductJsonSchema } from '../../src/descriptor/data-product-schema.js';
import { initProduct } from '../../src/platform/init-product.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const published = new URL('../../schemas/data-product.v1.json', import.meta.url);

describe('published JSON Schema', () => {
  it('is in sync with the TypeBox source of truth (regenerate: npm run schema)', () => {
    expect(JSON.parse(readFileSync(published, 'utf8'))).toEqual(dataProductJsonSchema());
  });

  it('accepts what mesh init creates when used by a plain JSON Schema validator (as editors do)', () => {
    const validate = new Ajv({ strict: false }).compile(JSON.parse(readFileSync(published, 'utf8')));
    const { dir } = initProduct({
      name: 'x',
      domain: 'y',
      owner: 'a@b.co',
      cwd: mkdtempSync(join(tmpdir(), 'mesh-js-')),
    });
    const doc = parse(readFileSync(join(dir, 'product.yaml'), 'utf8'));
    expect(validate(doc)).toBe(true);
    expect(validate({ ...doc, extra: 1 })).toBe(false);
  });
});
