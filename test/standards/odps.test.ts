/**
 * ODPS v1.0.0 in and out, and both standards over the API: exports of the Meshwork examples
 * are valid against the official ODPS schema with input ports linked to the contracts of the
 * products they read; the official ODPS examples import into skeletons that validate; the
 * server serves /odcs and /odps (and the CLI reads them with --server).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseYamlText } from '../../src/descriptor/yaml-source.js';
import { loadDescriptorFile } from '../../src/platform/descriptor-bundle.js';
import { schemaErrors } from '../../src/standards/standard-schema.js';
import { mesh } from '../helpers/run-mesh.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const EXAMPLES = join(REPO, 'test/fixtures/standards/odps/examples');
const PRODUCTS = ['identity/customers', 'catalog/tracks', 'sales/invoices', 'sales/invoices-daily'];

interface Diag {
  code: string;
  severity: string;
  message: string;
  location?: { file: string; line: number };
}
type Doc = Record<string, any>;

let cwd: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'mesh-odps-'));
  env = { MESH_HOME: join(cwd, '.mesh'), MESH_DATABASE_URL: '', MESH_USER: 'test:odps', MESH_SERVER: '' };
  for (const p of PRODUCTS) {
    const r = await mesh(['publish', join(REPO, 'examples', p)], { cwd, env });
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }
  // A newer minor of customers: the input port of invoices-daily (customers@1) must name it.
  const newer = join(cwd, 'customers-1.2.0');
  cpSync(join(REPO, 'examples/identity/customers'), newer, { recursive: true });
  const yaml = readFileSync(join(newer, 'product.yaml'), 'utf8');
  writeFileSync(
    join(newer, 'product.yaml'),
    yaml
      .replace('version: 1.0.0', 'version: 1.2.0')
      .replace('tags: [customers, identity, core]', 'tags: [customers, identity, core, crm]'),
  );
  const r = await mesh(['publish', newer], { cwd, env });
  expect(r.code, r.stdout + r.stderr).toBe(0);
});

describe('mesh export odps', () => {
  for (const id of PRODUCTS) {
    it(`${id}: valid against the official ODPS v1.0.0 schema`, async () => {
      const r = await mesh(['export', 'odps', id], { cwd, env });
      expect(r.code, r.stderr).toBe(0);
      expect(schemaErrors('odps', parseYamlText('p.yaml', r.stdout).value)).toEqual([]);
    });
  }

  it('links input ports to the contracts of the products they read, output ports to its own', async () => {
    const r = await mesh(['export', 'odps', 'sales/invoices-daily', '--json'], { cwd, env });
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.inputPorts.map((p: Doc) => [p.name, p.contractId, p.version])).toEqual([
      ['invoice', 'meshwork:sales/invoices-daily/inputs/invoice', '1.0.0'],
      ['invoice_line', 'meshwork:sales/invoices-daily/inputs/invoice_line', '1.0.0'],
      ['customers', 'meshwork:identity/customers', '1.2.0'],
    ]);
    // The contract an output port names is the one `mesh export odcs` prints for that product.
    const contract = JSON.parse((await mesh(['export', 'odcs', 'identity/customers', '--json'], { cwd, env })).stdout);
    expect(contract.id).toBe('meshwork:identity/customers');
    expect(doc.outputPorts).toMatchObject([
      { name: 'files', type: 'parquet', version: '1.0.0', contractId: 'meshwork:sales/invoices-daily' },
    ]);
    expect(doc.outputPorts[0].inputContracts).toContainEqual({ id: 'meshwork:identity/customers', version: '1.2.0' });
    expect(doc.managementPorts.map((p: Doc) => p.content)).toEqual(['discoverability', 'dictionary', 'observability']);
    expect(doc.team).toEqual({
      name: 'sales-data@company.com',
      members: [{ username: 'sales-data@company.com', role: 'owner' }],
    });
    expect(doc.support).toEqual([
      { channel: 'oncall', tool: 'email', scope: 'issues', url: 'mailto:sales-oncall@company.com' },
    ]);
  });

  it('imports back into a skeleton with the same metadata, inputs and ports', async () => {
    const file = join(cwd, 'invoices-daily.odps.yaml');
    writeFileSync(file, (await mesh(['export', 'odps', 'sales/invoices-daily'], { cwd, env })).stdout);
    const dir = join(cwd, 'skeleton');
    const r = await mesh(['import', 'odps', file, '--dir', dir, '--json'], { cwd, env });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { diagnostics: Diag[] };
    expect(out.diagnostics.map((d) => d.code)).toEqual(['odps-skeleton']);
    const skeleton = loadDescriptorFile(join(dir, 'product.yaml')).product!;
    const original = loadDescriptorFile(join(REPO, 'examples/sales/invoices-daily/product.yaml')).product!;
    expect(skeleton.metadata).toEqual(original.metadata);
    expect(skeleton.spec.outputPorts).toEqual(original.spec.outputPorts);
    expect(skeleton.spec.inputs.map((i) => i.name)).toEqual(original.spec.inputs.map((i) => i.name));
    expect(skeleton.spec.inputs[2]).toEqual({ name: 'customers', product: 'identity/customers@1' });
  });
});

describe('mesh import odps: the official examples', () => {
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'))) {
    it(`${file}: a skeleton that validates, every field not carried over located`, async () => {
      const dir = join(cwd, 'official', file);
      const r = await mesh(['import', 'odps', join(EXAMPLES, file), '--dir', dir, '--json'], { cwd, env });
      expect(r.code, r.stdout).toBe(0);
      const out = JSON.parse(r.stdout) as { diagnostics: Diag[] };
      expect(out.diagnostics.map((d) => d.code)).toContain('odps-skeleton');
      for (const d of out.diagnostics) expect(d.location?.line, d.message).toBeGreaterThan(0);
      expect(loadDescriptorFile(join(dir, 'product.yaml')).diagnostics.filter((d) => d.severity === 'error')).toEqual(
        [],
      );
    });
  }

  it('reports the input ports it cannot link and the fields it drops, at their lines', async () => {
    const r = await mesh(
      ['import', 'odps', join(EXAMPLES, 'customer-data-product.odps.yaml'), '--dir', join(cwd, 'cdp'), '--json'],
      { cwd, env },
    );
    const diagnostics = (JSON.parse(r.stdout) as { diagnostics: Diag[] }).diagnostics;
    const line = (code: string, text: string) =>
      diagnostics.find((d) => d.code === code && d.message.includes(text))?.location?.line;
    expect(line('odps-input', 'dbb7b1eb-7628-436e-8914-2a00638ba6db')).toBe(20);
    expect(line('odps-unmapped', 'productCreatedTs')).toBe(121);
    expect(line('odps-unmapped', 'another version of a port')).toBe(44);
  });

  it('refuses an unknown apiVersion and a document that fails the schema', async () => {
    const bad = join(cwd, 'bad.odps.yaml');
    writeFileSync(bad, 'apiVersion: v2.0.0\nkind: DataProduct\nid: x\nstatus: active\n');
    const v = await mesh(['import', 'odps', bad, '--dir', join(cwd, 'bad'), '--json'], { cwd, env });
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout).diagnostics[0]).toMatchObject({ code: 'odps-api-version', location: { line: 1 } });
    writeFileSync(bad, 'apiVersion: v1.0.0\nkind: DataProduct\nid: x\nstatus: active\ninputPorts:\n  - name: a\n');
    const s = await mesh(['import', 'odps', bad, '--dir', join(cwd, 'bad'), '--json'], { cwd, env });
    expect(s.code).toBe(1);
    expect(JSON.parse(s.stdout).diagnostics).toContainEqual(
      expect.objectContaining({ code: 'odps-schema', location: expect.objectContaining({ line: 6 }) }),
    );
  });
});

describe('the standards over the API', () => {
  let t: TestServer;
  beforeAll(async () => {
    // The examples read their CSV files through ${CHINOOK_DATA}: this server entitles every domain to it.
    t = await startTestServer('sqlite', { env: { ...process.env, MESH_ENV_GRANTS: '*=CHINOOK_DATA' } });
    for (const p of ['identity/customers', 'sales/invoices-daily']) {
      const r = await mesh(['publish', join(REPO, 'examples', p)], {
        cwd,
        env: { ...env, MESH_SERVER: t.url, MESH_TOKEN: t.adminToken },
      });
      expect(r.code, r.stdout + r.stderr).toBe(0);
    }
  });
  afterAll(async () => t?.close());

  const get = async (path: string) => {
    const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    return { status: res.status, body: (await res.json()) as Doc };
  };

  it('GET /v1/products/{d}/{n}/odcs and /odps answer valid documents', async () => {
    const odcs = await get('/v1/products/identity/customers/odcs');
    expect(odcs.status).toBe(200);
    expect(schemaErrors('odcs', odcs.body)).toEqual([]);
    expect(odcs.body.id).toBe('meshwork:identity/customers');
    const odps = await get('/v1/products/sales/invoices-daily@1.0.0/odps');
    expect(odps.status).toBe(200);
    expect(schemaErrors('odps', odps.body)).toEqual([]);
    expect(odps.body.managementPorts[1].url).toBe(`${t.url}/v1/products/sales/invoices-daily/odcs`);
    expect((await get('/v1/products/sales/nobody/odcs')).status).toBe(404);
  });

  it('mesh export reads them with --server', async () => {
    const r = await mesh(['export', 'odps', 'sales/invoices-daily', '--json'], {
      cwd,
      env: { ...env, MESH_SERVER: t.url, MESH_TOKEN: t.adminToken },
    });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as Doc;
    expect(doc.inputPorts[2]).toMatchObject({ contractId: 'meshwork:identity/customers', version: '1.0.0' });
    expect(doc.managementPorts[0].url).toBe(`${t.url}/v1/products/sales/invoices-daily`);
  });
});
