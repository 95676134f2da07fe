/**
 * The README's governance examples are what users copy: they must load and pass as shown.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compileCelRule } from '../../src/governance/cel-rules.js';
import { loadPolicySets, loadPolicySetSource } from '../../src/governance/load-policy-sets.js';
import { PolicyEngine } from '../../src/governance/policy-engine.js';
import { checkBundle } from '../../src/platform/descriptor-bundle.js';
import { parseYamlText } from '../../src/descriptor/yaml-source.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);

describe('README governance examples', () => {
  it('the example descriptor passes the built-in rules and the repository global policy set', () => {
    const descriptor = yamlBlocks.find((b) => b.includes('kind: DataProduct'))!;
    const checked = checkBundle({ file: 'README.md', yaml: descriptor, transformSql: 'SELECT 1' });
    expect(checked.diagnostics).toEqual([]);
    const engine = new PolicyEngine(
      loadPolicySets({ env: { MESH_POLICIES: new URL('../../policies', import.meta.url).pathname } }),
    );
    expect(engine.loadDiagnostics).toEqual([]);
    expect(engine.check({ product: checked.product!, source: checked.source, now: new Date() })).toEqual([]);
  });

  it('the example policy set loads without problems', () => {
    const text = yamlBlocks.find((b) => b.includes('kind: PolicySet'))!;
    const loaded = loadPolicySetSource(parseYamlText('README.md', text));
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.set?.rules.map((r) => r.spec.id)).toEqual([
      'description-present',
      'naming-conventions',
      'no-free-text-pii',
    ]);
  });

  it('the CEL examples compile', () => {
    const rules = parse(yamlBlocks.find((b) => b.startsWith('- id: pii-needs-retention'))!) as Array<{ cel: string }>;
    expect(rules).toHaveLength(2);
    for (const rule of rules) expect(compileCelRule(rule.cel).problems).toEqual([]);
  });
});
