import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDescriptorFile } from '../../src/platform/descriptor-bundle.js';

const HEAD = `apiVersion: mesh/v1
kind: DataProduct
metadata:
  name: orders-daily
  domain: sales
  owner: sales-data@company.com
  version: 1.0.0
spec:
`;
const TAIL = `  transform:
    sql: SELECT 1 AS n
  schema:
    columns:
      - { name: n, type: integer }
  outputPorts:
    - { name: warehouse, type: parquet }
`;

function diagnosticsOf(spec: string) {
  const dir = mkdtempSync(join(tmpdir(), 'pg-engine-spec-'));
  const text = HEAD + spec + TAIL;
  const file = join(dir, 'product.yaml');
  writeFileSync(file, text);
  return { text, diagnostics: loadDescriptorFile(file, 'product.yaml').diagnostics };
}

const pg = (name: string, connection: string) =>
  `    - name: ${name}\n      source: { type: postgres, connection: "${connection}", query: SELECT 1 AS n }\n`;

describe('spec.engine', () => {
  it('accepts postgres when every input is on one PostgreSQL connection, and duckdb with anything', () => {
    expect(diagnosticsOf(`  engine: postgres\n  inputs:\n${pg('a', '${DB}')}${pg('b', '${DB}')}`).diagnostics).toEqual(
      [],
    );
    expect(diagnosticsOf(`  engine: duckdb\n  inputs:\n${pg('a', '${DB}')}${pg('b', '${OTHER}')}`).diagnostics).toEqual(
      [],
    );
  });

  it('refuses inputs in two databases on the postgres engine, saying why, at the second connection', () => {
    const { text, diagnostics } = diagnosticsOf(
      `  engine: postgres\n  inputs:\n${pg('a', '${DB}')}${pg('b', '${OTHER}')}`,
    );
    const d = diagnostics.find((x) => x.code === 'engine-input')!;
    expect(d.severity).toBe('error');
    expect(d.message).toContain('input "b" is on connection "${OTHER}"');
    expect(d.message).toContain('runs the transform in ONE database');
    const line = text.split('\n').findIndex((l) => l.includes('${OTHER}')) + 1;
    expect(d.location).toMatchObject({ file: 'product.yaml', line });
    expect(d.location!.col).toBeGreaterThan(1);
    expect(d.hint).toContain('engine: duckdb');
  });

  it('explains that product inputs and file sources cannot be read by the postgres engine', () => {
    const { diagnostics } = diagnosticsOf(
      `  engine: postgres\n  inputs:\n${pg('a', '${DB}')}    - { name: c, product: identity/customers@1 }\n    - name: f\n      source: { type: file, path: f.csv, format: csv }\n`,
    );
    const messages = diagnostics.filter((x) => x.code === 'engine-input').map((x) => x.message);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/input "c" is another data product.*Parquet file in the warehouse/);
    expect(messages[1]).toMatch(/input "f" is a file source.*only PostgreSQL data is/);
  });

  it('refuses an unknown engine by the schema', () => {
    const { diagnostics } = diagnosticsOf(`  engine: trino\n  inputs:\n${pg('a', '${DB}')}`);
    expect(diagnostics.map((d) => d.code)).toContain('invalid-value');
  });
});
