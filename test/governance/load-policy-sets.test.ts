import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findPolicyFolder, loadPolicySets } from '../../src/governance/load-policy-sets.js';
import { policySet } from './policy-fixtures.js';

describe('where policy sets come from', () => {
  it('finds the nearest policies/ folder above the working directory and reads its YAML files in order', () => {
    const repo = mkdtempSync(join(tmpdir(), 'mesh-repo-'));
    mkdirSync(join(repo, 'policies', 'domains'), { recursive: true });
    mkdirSync(join(repo, 'sales', 'orders'), { recursive: true });
    writeFileSync(
      join(repo, 'policies', 'global.policy.yaml'),
      policySet('global', 'global', '    - { id: description-present, params: { minLength: 25 } }'),
    );
    writeFileSync(
      join(repo, 'policies', 'domains', 'sales.yml'),
      policySet('sales-rules', 'sales', '    - { id: quality-checks, params: { minChecks: 2 } }'),
    );
    writeFileSync(join(repo, 'policies', 'notes.txt'), 'not a policy');
    const cwd = join(repo, 'sales', 'orders');
    expect(findPolicyFolder(cwd, {}).folder).toBe(join(repo, 'policies'));
    const load = loadPolicySets({ cwd, env: {} });
    expect(load.diagnostics).toEqual([]);
    expect(load.sets.map((s) => [s.name, s.scope])).toEqual([
      ['sales-rules', 'sales'],
      ['global', 'global'],
    ]);
    expect(load.sets[1].file).toBe(join(repo, 'policies', 'global.policy.yaml'));
  });

  it('prefers MESH_POLICIES, and says so when it is not a folder (only built-in rules apply)', () => {
    const other = mkdtempSync(join(tmpdir(), 'mesh-pol-'));
    expect(findPolicyFolder('/', { MESH_POLICIES: other }).folder).toBe(other);
    const missing = loadPolicySets({ cwd: other, env: { MESH_POLICIES: join(other, 'nope') } });
    expect(missing.sets).toEqual([]);
    expect(missing.diagnostics.map((d) => d.code)).toEqual(['policy-folder-not-found']);
  });

  it('refuses a file of another kind in the policies folder, and hostile YAML, without stopping the others', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-pol-'));
    writeFileSync(join(dir, 'a-product.yaml'), 'apiVersion: mesh/v1\nkind: DataProduct\n');
    writeFileSync(
      join(dir, 'b-bomb.yaml'),
      `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`,
    );
    writeFileSync(
      join(dir, 'c-good.yaml'),
      policySet('global', 'global', '    - { id: description-present, params: { minLength: 25 } }'),
    );
    const load = loadPolicySets({ cwd: dir, env: { MESH_POLICIES: dir } });
    expect(load.diagnostics.map((d) => [d.code, d.location?.file])).toEqual([
      ['wrong-kind', 'a-product.yaml'],
      ['yaml-alias-limit', 'b-bomb.yaml'],
    ]);
    expect(load.sets.map((s) => s.name)).toEqual(['global']);
  });
});
