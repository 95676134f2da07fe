/**
 * ODCS v3.1.0 in and out: every official example imports into a product folder that validates
 * (or is refused with a located reason) and exports back valid against the official schema;
 * every Meshwork example round-trips (publish → export → import → the same descriptor); bad
 * contracts are located errors; imported quality rules mean what the contract says, checked
 * by running them in the engine.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { openEngine } from '../../src/engine/duckdb-engine.js';
import { runQualityChecks } from '../../src/engine/quality-checks.js';
import { parseYamlText } from '../../src/descriptor/yaml-source.js';
import { canonicalJson, loadDescriptorFile } from '../../src/platform/descriptor-bundle.js';
import { exportOdcs } from '../../src/standards/odcs/export-odcs.js';
import { importOdcs } from '../../src/standards/odcs/import-odcs.js';
import { schemaErrors } from '../../src/standards/standard-schema.js';
import { bigContract } from '../helpers/odcs-contracts.js';
import { mesh } from '../helpers/run-mesh.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = join(REPO, 'test/fixtures/standards/odcs/examples');
const OFFICIAL = readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'));

interface Diag {
  code: string;
  severity: string;
  message: string;
  location?: { file: string; line: number; col: number };
}

let cwd: string;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  cwd = mkdtempSync(join(tmpdir(), 'mesh-odcs-'));
  env = { MESH_HOME: join(cwd, '.mesh'), MESH_DATABASE_URL: '', MESH_USER: 'test:odcs' };
});

/** The YAML of a file as the ODCS schema sees it (core schema: dates stay strings). */
function contractValue(text: string): unknown {
  return parseYamlText('contract.yaml', text).value;
}

function hasProperties(file: string): boolean {
  const value = contractValue(readFileSync(join(EXAMPLES, file), 'utf8')) as { schema?: Array<{ properties?: [] }> };
  return (value.schema ?? []).some((o) => (o.properties ?? []).length > 0);
}

describe('mesh import odcs: the official examples', () => {
  it('has the official examples to test with', () => {
    expect(OFFICIAL.length).toBeGreaterThanOrEqual(17);
  });

  for (const file of OFFICIAL) {
    it(`${file}: imports (or is refused with a located reason) and exports back valid`, async () => {
      const dir = join(cwd, 'official', file.replace(/\.odcs\.yaml$/, ''));
      const r = await mesh(['import', 'odcs', join(EXAMPLES, file), '--dir', dir, '--json'], { cwd, env });
      const out = JSON.parse(r.stdout) as { ok: boolean; diagnostics: Diag[] };
      for (const d of out.diagnostics.filter((x) => x.code.startsWith('odcs-'))) {
        expect(d.location?.file, d.message).toContain(file);
        expect(d.location?.line, d.message).toBeGreaterThan(0);
      }
      if (!hasProperties(file)) {
        // No columns: Meshwork cannot make a product of it, and says where and why.
        expect(r.code).toBe(1);
        expect(out.diagnostics.map((d) => d.code)).toContain('odcs-no-schema');
        expect(existsSync(join(dir, 'product.yaml'))).toBe(false);
        return;
      }
      expect(r.code, JSON.stringify(out.diagnostics.filter((d) => d.severity === 'error'))).toBe(0);
      expect(out.ok).toBe(true);
      const loaded = loadDescriptorFile(join(dir, 'product.yaml'));
      expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      const back = exportOdcs({ descriptor: loaded.product!, transformSql: loaded.bundle.transformSql });
      expect(schemaErrors('odcs', back)).toEqual([]);
    });
  }

  it('reports every field it cannot carry over, located, and keeps what it can', async () => {
    const dir = join(cwd, 'full-example');
    const r = await mesh(['import', 'odcs', join(EXAMPLES, 'full-example.odcs.yaml'), '--dir', dir, '--json'], {
      cwd,
      env,
    });
    expect(r.code).toBe(0);
    const diagnostics = (JSON.parse(r.stdout) as { diagnostics: Diag[] }).diagnostics;
    const at = (line: number) =>
      diagnostics.filter((d) => d.code === 'odcs-unmapped' && d.location?.line === line).map((d) => d.message);
    expect(at(21).join()).toContain('tenant'); // tenant: ClimateQuantumInc
    expect(at(224).join()).toContain('price');
    expect(at(84).join()).toContain('schema[0].properties[0].transformLogic');
    expect(at(170).join()).toContain('only one schema object becomes the product');
    expect(at(251).join()).toContain('role "microstrategy_user_opr" is not a Meshwork grant');
    expect(diagnostics.every((d) => d.severity !== 'error')).toBe(true);
    const product = loadDescriptorFile(join(dir, 'product.yaml')).product!;
    expect(product.metadata).toMatchObject({ name: 'my-quantum', domain: 'seller', version: '1.1.0' });
    expect(product.spec.schema.primaryKey).toEqual(['rcvr_id']);
    expect(product.spec.schema.columns.map((c) => [c.name, c.type, c.pii])).toEqual([
      ['transaction_reference_date', 'date', 'none'],
      ['rcvr_id', 'varchar(18)', 'sensitive'],
      ['rcvr_cntry_code', 'varchar(2)', 'none'],
    ]);
    expect(product.spec.inputs[0].source).toEqual({
      type: 'postgres',
      connection: '${MY_POSTGRES_DB_URI}',
      query: 'SELECT "txn_ref_dt", "rcvr_id", "rcvr_cntry_code" FROM "pp_access_views"."tbl_1"',
    });
    expect(product.spec.quality?.checks).toEqual([
      { type: 'not_null', column: 'rcvr_cntry_code', severity: 'error' },
      { type: 'row_count', min: 1000001, severity: 'error' },
    ]);
    expect(product.spec.freshness).toEqual({ target: '4d' });
    expect(product.spec.retention).toEqual('1095d');
    expect(readFileSync(join(dir, 'transform.sql'), 'utf8')).toContain('"txn_ref_dt" AS transaction_reference_date');
  });

  it('keeps custom and text rules as documentation, with a warning', async () => {
    const dir = join(cwd, 'custom-rules');
    const r = await mesh(['import', 'odcs', join(EXAMPLES, 'column-custom.odcs.yaml'), '--dir', dir], { cwd, env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/column-custom\.odcs\.yaml:\d+:\d+ {2}warn {2}odcs-unmapped {2}a custom rule cannot run/);
    const readme = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(readme).toContain('This column should not contain values under 100000');
    expect(readme).toContain('duplicate_percent');
  });
});

describe('mesh export odcs: Meshwork examples round-trip', () => {
  const products = ['identity/customers', 'catalog/tracks', 'sales/invoices', 'sales/invoices-daily'];

  beforeAll(async () => {
    for (const p of products) {
      const r = await mesh(['publish', join(REPO, 'examples', p)], { cwd, env });
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
  });

  for (const id of products) {
    it(`${id}: export → import gives the same descriptor and transform`, async () => {
      const exported = await mesh(['export', 'odcs', id], { cwd, env });
      expect(exported.code, exported.stderr).toBe(0);
      expect(schemaErrors('odcs', contractValue(exported.stdout))).toEqual([]);
      const file = join(cwd, `${id.replace('/', '-')}.odcs.yaml`);
      writeFileSync(file, exported.stdout);
      const dir = join(cwd, 'roundtrip', id);
      const imported = await mesh(['import', 'odcs', file, '--dir', dir, '--json'], { cwd, env });
      expect(imported.code).toBe(0);
      // Nothing of a Meshwork contract is lost on the way back.
      expect((JSON.parse(imported.stdout) as { diagnostics: Diag[] }).diagnostics).toEqual([]);
      const original = loadDescriptorFile(join(REPO, 'examples', id, 'product.yaml'));
      const back = loadDescriptorFile(join(dir, 'product.yaml'));
      expect(canonicalJson(back.product)).toEqual(canonicalJson(original.product));
      expect(back.bundle.transformSql).toEqual(original.bundle.transformSql);
    });
  }

  it('exports as JSON with --json, and a product that does not exist is exit 1', async () => {
    const json = await mesh(['export', 'odcs', 'identity/customers@1', '--json'], { cwd, env });
    expect(json.code).toBe(0);
    const contract = JSON.parse(json.stdout) as { apiVersion: string; schema: Array<{ properties: unknown[] }> };
    expect(contract.apiVersion).toBe('v3.1.0');
    expect(contract.schema[0].properties).toHaveLength(8);
    const missing = await mesh(['export', 'odcs', 'identity/nobody'], { cwd, env });
    expect(missing.code).toBe(1);
    expect(missing.stderr + missing.stdout).toContain('identity/nobody');
  });
});

describe('mesh import odcs: bad contracts', () => {
  const attempt = async (name: string, text: string | Buffer) => {
    const file = join(cwd, name);
    writeFileSync(file, text);
    const dir = join(cwd, 'bad', name);
    const r = await mesh(['import', 'odcs', file, '--dir', dir, '--json'], { cwd, env });
    expect(existsSync(join(dir, 'product.yaml'))).toBe(false);
    return { code: r.code, diagnostics: (JSON.parse(r.stdout) as { diagnostics: Diag[] }).diagnostics };
  };

  it('refuses a file that is not YAML, with the position of the problem', async () => {
    const r = await attempt('broken.yaml', 'apiVersion: v3.1.0\nkind: [DataContract\nschema: {\n');
    expect(r.code).toBe(1);
    expect(r.diagnostics[0].severity).toBe('error');
    expect(r.diagnostics[0].location?.line).toBeGreaterThanOrEqual(2);
    const binary = await attempt('binary.yaml', Buffer.from([0x61, 0x00, 0x62]));
    expect(binary.diagnostics.map((d) => d.code)).toEqual(['binary-file']);
    const list = await attempt('list.yaml', '- a\n- b\n');
    expect(list.diagnostics.map((d) => d.code)).toEqual(['odcs-not-a-contract']);
  });

  it('refuses an unknown apiVersion at its line', async () => {
    const r = await attempt(
      'v9.yaml',
      'kind: DataContract\napiVersion: v9.9.9\nid: x\nversion: 1.0.0\nstatus: active\n',
    );
    expect(r.code).toBe(1);
    expect(r.diagnostics).toMatchObject([
      { code: 'odcs-api-version', severity: 'error', location: { file: join(cwd, 'v9.yaml'), line: 2, col: 13 } },
    ]);
  });

  it('reports each schema error at its place', async () => {
    const text = [
      'apiVersion: v3.1.0',
      'kind: DataContract',
      'id: orders',
      'version: 1.0.0',
      'status: active',
      'schema:',
      '  - name: orders',
      '    properties:',
      '      - name: id',
      '        logicalType: strng',
      '      - logicalType: integer',
      '    colour: blue',
      '',
    ].join('\n');
    const r = await attempt('invalid.yaml', text);
    expect(r.code).toBe(1);
    const found = r.diagnostics.map((d) => `${d.location?.line} ${d.code} ${d.message}`);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^10 odcs-schema schema\[0\]\.properties\[0\]\.logicalType: must be equal to one of the allowed values/,
        ),
        expect.stringMatching(/^11 odcs-schema schema\[0\]\.properties\[1\]: must have required property 'name'/),
        expect.stringMatching(/^12 odcs-schema .*colour/),
      ]),
    );
  });

  it('reads a 5,000-line contract into a product that validates, and exports it back valid', () => {
    const contract = bigContract(400);
    const text = stringify(contract);
    expect(text.split('\n').length).toBeGreaterThan(5000);
    const imported = importOdcs(parseYamlText('big.odcs.yaml', text));
    expect(imported.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(imported.product?.spec.schema.columns).toHaveLength(400);
    expect(imported.product?.spec.quality?.checks).toHaveLength(401);
    expect(
      schemaErrors('odcs', exportOdcs({ descriptor: imported.product!, transformSql: imported.transform?.sql })),
    ).toEqual([]);
  });
});

describe('imported quality rules mean what the contract says', () => {
  const rules = [
    ['rows-is-4', { metric: 'rowCount', mustBe: 4 }, 'pass', 'row_count'],
    ['rows-not-4', { metric: 'rowCount', mustNotBe: 4 }, 'fail', 'sql'],
    ['rows-gt-4', { metric: 'rowCount', mustBeGreaterThan: 4 }, 'fail', 'row_count'],
    ['rows-ge-4', { metric: 'rowCount', mustBeGreaterOrEqualTo: 4 }, 'pass', 'row_count'],
    ['rows-lt-4', { metric: 'rowCount', mustBeLessThan: 4 }, 'fail', 'row_count'],
    ['rows-le-4', { metric: 'rowCount', mustBeLessOrEqualTo: 4 }, 'pass', 'row_count'],
    ['rows-in-1-4', { metric: 'rowCount', mustBeBetween: [1, 4] }, 'pass', 'row_count'],
    ['rows-out-1-4', { metric: 'rowCount', mustNotBeBetween: [1, 4] }, 'fail', 'sql'],
    ['k-unique', { metric: 'duplicateValues', mustBe: 0, arguments: { properties: ['k'] } }, 'pass', 'unique'],
    [
      'k-no-duplicates-pct',
      { metric: 'duplicateValues', unit: 'percent', mustBeLessThan: 1, arguments: { properties: ['k'] } },
      'pass',
      'sql',
    ],
  ] as const;
  const onV = [
    ['v-no-nulls', { metric: 'nullValues', mustBe: 0 }, 'fail', 'not_null'],
    ['v-nulls-le-25pct', { metric: 'nullValues', unit: 'percent', mustBeLessOrEqualTo: 25 }, 'pass', 'null_rate'],
    ['v-nulls-lt-25pct', { metric: 'nullValues', unit: 'percent', mustBeLessThan: 25 }, 'fail', 'sql'],
    ['v-one-null', { metric: 'nullValues', mustBe: 1 }, 'pass', 'sql'],
    [
      'v-missing-lt-3',
      { metric: 'missingValues', arguments: { missingValues: [null, ''] }, mustBeLessThan: 3 },
      'pass',
      'sql',
    ],
    ['v-missing-is-0', { metric: 'missingValues', arguments: { missingValues: [null, ''] }, mustBe: 0 }, 'fail', 'sql'],
    [
      'v-valid',
      { metric: 'invalidValues', arguments: { validValues: ['a', 'b'] }, mustBe: 0 },
      'fail',
      'accepted_values',
    ],
    [
      'v-valid-le-1',
      { metric: 'invalidValues', arguments: { validValues: ['a', 'b'] }, mustBeLessOrEqualTo: 1 },
      'pass',
      'sql',
    ],
    ['v-pattern', { metric: 'invalidValues', arguments: { pattern: '^[a-z]*$' }, mustBe: 0 }, 'pass', 'regex'],
    ['v-duplicates', { metric: 'duplicateValues', mustBe: 0 }, 'pass', 'sql'],
    ['v-sql', { type: 'sql', query: "SELECT count(*) FROM ${table} WHERE ${column} = 'a'", mustBe: 1 }, 'pass', 'sql'],
    ['v-sql-fails', { type: 'sql', query: 'SELECT count(*) FROM ${table}', mustBeLessThan: 2 }, 'fail', 'sql'],
  ] as const;

  it('maps every operator and metric to a check that passes and fails on the same data', async () => {
    const contract = {
      apiVersion: 'v3.1.0',
      kind: 'DataContract',
      id: 'meshwork:test/rules',
      version: '1.0.0',
      servers: [{ server: 'local', type: 'local', path: 'data/rules.parquet', format: 'parquet' }],
      status: 'active',
      name: 'rules',
      domain: 'test',
      team: { members: [{ username: 'test@company.com', role: 'owner' }] },
      schema: [
        {
          name: 'rules',
          properties: [
            { name: 'k', physicalType: 'integer', required: true },
            { name: 'v', physicalType: 'varchar', quality: onV.map(([name, rule]) => ({ name, ...rule })) },
          ],
          quality: rules.map(([name, rule]) => ({ name, ...rule })),
        },
      ],
    };
    const imported = importOdcs(parseYamlText('rules.odcs.yaml', stringify(contract)));
    expect(imported.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
    const checks = imported.product!.spec.quality!.checks;
    const expected = [...onV, ...rules];
    expect(checks.map((c) => [c.name, c.type])).toEqual(expected.map(([name, , , type]) => [name, type]));
    const engine = await openEngine();
    try {
      await engine.connection.run(
        `CREATE TABLE snapshot AS SELECT * FROM (VALUES (1, 'a'), (2, 'b'), (3, ''), (4, NULL)) t(k, v)`,
      );
      const outcomes = await runQualityChecks(engine, checks, imported.product!.spec.schema.columns, {
        rowsIn: 4,
        rowsTransformed: 4,
        recentRowCounts: [],
        now: new Date(),
      });
      expect(outcomes.map((o) => [o.name, o.status])).toEqual(expected.map(([name, , status]) => [name, status]));
    } finally {
      engine.close();
    }
  });
});
