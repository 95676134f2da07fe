/**
 * Helpers for governance tests: policy sets from YAML text, products from the template,
 * an engine over both, and a policies folder on disk for CLI scenarios.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from '../../src/core/diagnostic.js';
import { loadPolicySetSource, type LoadedPolicySet } from '../../src/governance/load-policy-sets.js';
import { PolicyEngine } from '../../src/governance/policy-engine.js';
import { checkBundle } from '../../src/platform/descriptor-bundle.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { parseYamlText } from '../../src/descriptor/yaml-source.js';
import { productBundle } from '../helpers/products.js';

/** An engine over policy sets given as YAML texts (file name → text), in order. */
export function engineFrom(files: Record<string, string>): PolicyEngine {
  const sets: LoadedPolicySet[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const [file, text] of Object.entries(files)) {
    const loaded = loadPolicySetSource(parseYamlText(file, text));
    diagnostics.push(...loaded.diagnostics);
    if (loaded.set) sets.push(loaded.set);
  }
  return new PolicyEngine({ sets, diagnostics });
}

export function policySet(name: string, scope: string, rules: string): string {
  return `apiVersion: mesh/v1
kind: PolicySet
metadata:
  name: ${name}
  owner: governance@company.com
  scope: ${scope}
spec:
  rules:
${rules.replace(/^\n/, '').replace(/\s+$/, '')}
`;
}

/** A checked product from the template, edited; its source locates fields for diagnostics. */
export function checkedProduct(
  options: { name?: string; domain?: string; version?: string; edit?: (p: DataProduct) => void } = {},
) {
  const bundle = productBundle({
    name: options.name ?? 'orders-daily',
    domain: options.domain,
    version: options.version,
    edit: options.edit,
  });
  const checked = checkBundle(bundle);
  if (!checked.product) throw new Error('invalid test product');
  return { product: checked.product, source: checked.source, bundle };
}

export function runRules(
  engine: PolicyEngine,
  options: Parameters<typeof checkedProduct>[0] = {},
  now = new Date('2026-11-21T12:00:00Z'),
): Diagnostic[] {
  const { product, source } = checkedProduct(options);
  return engine.check({ product, source, now });
}

export function policiesFolder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mesh-policies-'));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

export function codes(diagnostics: readonly Diagnostic[], severity?: Diagnostic['severity']): string[] {
  return diagnostics.filter((d) => !severity || d.severity === severity).map((d) => d.code);
}
