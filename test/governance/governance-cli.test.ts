/**
 * What a user sees from the governance commands: validate (text, JSON, SARIF), publish
 * refusals, policy list/check, diff and version retirement, with their exit codes.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { mesh } from '../helpers/run-mesh.js';
import { policiesFolder, policySet } from './policy-fixtures.js';

let workspace: string;
let env: NodeJS.ProcessEnv;
let productDir: string;

function editProduct(replace: (yaml: string) => string): void {
  const file = join(productDir, 'product.yaml');
  writeFileSync(file, replace(readFileSync(file, 'utf8')));
}

beforeAll(async () => {
  workspace = mkdtempSync(join(tmpdir(), 'mesh-gov-cli-'));
  const policies = policiesFolder({
    'global.policy.yaml': policySet(
      'global',
      'global',
      `
    - id: tags-present
      cel: has(product.metadata.tags) && size(product.metadata.tags) > 0
      message: the product has no tags
      path: metadata
`,
    ),
    'sales.policy.yaml': policySet(
      'sales-rules',
      'sales',
      `
    - id: quality-checks
      params: { minChecks: 2 }
    - id: sales-title
      cel: has(product.metadata.title)
      message: sales products have a title
      severity: warn
`,
    ),
  });
  env = {
    MESH_HOME: join(workspace, '.mesh'),
    MESH_POLICIES: policies,
    MESH_USER: 'test:carol',
    MESH_DATABASE_URL: '',
  };
  const init = await mesh(
    ['init', 'orders', '--domain', 'sales', '--owner', 'sales-data@company.com', '--template', 'file'],
    { cwd: workspace, env },
  );
  expect(init.code).toBe(0);
  productDir = join(workspace, 'orders');
});

describe('governance on the command line', () => {
  it('validate reports policy findings as file:line:col with the rule id, and warnings do not fail', async () => {
    const ok = await mesh(['validate'], { cwd: productDir, env });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^product\.yaml:\d+:\d+ {2}warn {2}sales-title {2}sales products have a title$/m);
    editProduct((y) => y.replace(/ {2}oncall: .*\n/, ''));
    const bad = await mesh(['validate'], { cwd: productDir, env });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(
      /^product\.yaml:6:3 {2}error {2}oncall-assigned {2}the product has no on-call contact$/m,
    );
    expect(bad.stdout).toContain('1 file checked, 1 error, 1 warning');
  });

  it('validate does not create a registry where none exists (nothing published: nothing to compare)', async () => {
    const home = join(workspace, 'fresh-home');
    const r = await mesh(['validate', '--json'], { cwd: productDir, env: { ...env, MESH_HOME: home } });
    expect(JSON.parse(r.stdout).files[0].diagnostics.map((d: { code: string }) => d.code)).toContain('oncall-assigned');
    expect(existsSync(home)).toBe(false);
  });

  it('validate --format sarif emits SARIF 2.1.0 for code scanning', async () => {
    const r = await mesh(['validate', '--format', 'sarif'], { cwd: productDir, env });
    expect(r.code).toBe(1);
    const sarif = JSON.parse(r.stdout);
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe('meshwork');
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual(['oncall-assigned', 'sales-title']);
    const result = run.results.find((x: { ruleId: string }) => x.ruleId === 'oncall-assigned');
    expect(result).toMatchObject({
      level: 'error',
      locations: [
        { physicalLocation: { artifactLocation: { uri: 'product.yaml' }, region: { startLine: 6, startColumn: 3 } } },
      ],
    });
    expect(result.properties.source).toBe('built-in');
    editProduct((y) =>
      y.replace(
        '  owner: sales-data@company.com',
        '  owner: sales-data@company.com\n  oncall: sales-oncall@company.com',
      ),
    );
    expect((await mesh(['validate', '--format', 'xml'], { cwd: productDir, env })).code).toBe(2);
  });

  it('policy list shows the rules in force and where each comes from', async () => {
    const r = await mesh(['policy', 'list', '--domain', 'sales', '--json'], { cwd: productDir, env });
    expect(r.code).toBe(0);
    const rules = new Map(JSON.parse(r.stdout).rules.map((x: { id: string }) => [x.id, x]));
    expect(rules.get('oncall-assigned')).toMatchObject({ source: 'built-in', severity: 'error', kind: 'built-in' });
    expect(rules.get('quality-checks')).toMatchObject({
      source: 'sales-rules',
      params: { minChecks: 2 },
      configuredBy: ['built-in', 'sales-rules'],
    });
    expect(rules.get('tags-present')).toMatchObject({ source: 'global', kind: 'cel', scope: 'global' });
    expect(rules.get('sales-title')).toMatchObject({ source: 'sales-rules', severity: 'warn', scope: 'sales' });
    const global = await mesh(['policy', 'list'], { cwd: productDir, env });
    expect(global.stdout).toContain('rules in force for every product (global)');
    expect(global.stdout).not.toContain('sales-title');
    const product = await mesh(['policy', 'list', '--product', 'sales/orders'], { cwd: productDir, env });
    expect(product.stdout).toMatch(/quality-checks +error +built-in > sales-rules/);
  });

  it('policy check fails on a broken policy file, and validate names the rule that is not applied', async () => {
    const broken = policiesFolder({
      'bad.policy.yaml': policySet(
        'global',
        'global',
        '    - { id: broken, cel: "product.metadata.name ==", message: x }',
      ),
    });
    const check = await mesh(['policy', 'check'], { cwd: productDir, env: { ...env, MESH_POLICIES: broken } });
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/bad\.policy\.yaml:9:\d+ {2}error {2}cel-syntax {2}rule broken: CEL syntax error/);
    const validate = await mesh(['validate'], { cwd: productDir, env: { ...env, MESH_POLICIES: broken } });
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain('warn  cel-syntax  policy not applied: rule broken');
  });

  it('publish refuses a breaking change and mesh diff says which bump is needed', async () => {
    expect((await mesh(['publish'], { cwd: productDir, env })).code).toBe(0);
    editProduct((y) =>
      y
        .replace('version: 0.1.0', 'version: 0.1.1')
        .replace(/ {6}- \{ name: label, .*\n/, '')
        .replace('column: label', 'column: amount'),
    );
    const refused = await mesh(['publish'], { cwd: productDir, env });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/error {2}breaking-change {2}column-removed: column label is removed/);
    expect(refused.stdout).toContain('needs a new major version: publish as 1.0.0');
    const diff = await mesh(['diff', '--json'], { cwd: productDir, env });
    expect(diff.code).toBe(1);
    const body = JSON.parse(diff.stdout);
    expect(body).toMatchObject({
      product: 'sales/orders',
      against: '0.1.0',
      mode: 'backward',
      required: 'major',
      suggested: '1.0.0',
    });
    expect(body.changes.map((c: { category: string }) => c.category)).toContain('column-removed');
    const text = await mesh(['diff'], { cwd: productDir, env });
    expect(text.stdout).toContain('sales/orders: 0.1.0 → 0.1.1');
    expect(text.stdout).toContain('needs a major bump: at least 1.0.0');
  });

  it('a new major is published, the old one deprecated, then retired after its sunset', async () => {
    editProduct((y) => y.replace('version: 0.1.1', 'version: 1.0.0'));
    const published = await mesh(['publish', '--json'], { cwd: productDir, env });
    expect(published.code).toBe(0);
    const show = JSON.parse((await mesh(['show', 'sales/orders@0.1.0', '--json'], { cwd: productDir, env })).stdout);
    expect(show.version.status).toBe('deprecated');
    const early = await mesh(['versions', 'retire-expired', '--json'], { cwd: productDir, env });
    expect(JSON.parse(early.stdout)).toEqual({ retired: [] });
    const later = new Date(Date.now() + 40 * 86_400_000).toISOString();
    const retired = await mesh(['versions', 'retire-expired', '--now', later], { cwd: productDir, env });
    expect(retired.code).toBe(0);
    expect(retired.stdout).toMatch(/sales\/orders +0\.1\.0/);
    expect((await mesh(['versions', 'retire-expired', '--now', 'soon'], { cwd: productDir, env })).code).toBe(2);
  });
});
