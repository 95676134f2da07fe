/**
 * Governance speed: every built-in rule plus 20 CEL rules over 1,000 products (target
 * under 1 s), loading and compiling the policy sets, and the governance step of one
 * publish (registry read of the versions + policies + compatibility, target under 30 ms).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from '../src/core/diagnostic.js';
import { loadPolicySetSource, type LoadedPolicySet } from '../src/governance/load-policy-sets.js';
import { PolicyEngine } from '../src/governance/policy-engine.js';
import { checkBundle } from '../src/platform/descriptor-bundle.js';
import { LocalPlatform } from '../src/platform/local-platform.js';
import { configFromEnv } from '../src/core/mesh-config.js';
import { openRegistry } from '../src/registry/registry.js';
import { parseYamlText } from '../src/descriptor/yaml-source.js';
import { productBundle } from '../test/helpers/products.js';
import type { BenchReport } from './bench-report.js';

const CEL_RULES = [
  `has(product.metadata.tags) && size(product.metadata.tags) > 0`,
  `product.spec.schema.columns.all(c, has(c.pii))`,
  `product.spec.schema.columns.all(c, !has(c.pii) || c.pii == 'none' || (has(c.masking) && c.masking != 'none'))`,
  `product.metadata.owner.endsWith('@company.com')`,
  `!has(product.metadata.oncall) || product.metadata.oncall != ''`,
  `size(product.metadata.name) <= 40`,
  `product.spec.outputPorts.exists(p, p.type == 'parquet')`,
  `product.spec.inputs.all(i, !has(i.source) || i.source.type != 'mysql')`,
  `!has(product.spec.access) || !has(product.spec.access.default) || product.spec.access.default == 'deny'`,
  `product.spec.schema.columns.all(c, c.name.matches('^[a-z][a-z0-9_]*$'))`,
  `!has(product.spec.schema.primaryKey) || product.spec.schema.primaryKey.all(k, product.spec.schema.columns.exists(c, c.name == k && has(c.nullable) && !c.nullable))`,
  `has(product.spec.quality) && size(product.spec.quality.checks) >= 2`,
  `has(product.spec.freshness)`,
  `has(product.spec.sla) && has(product.spec.sla.availability)`,
  `product.metadata.description.size() >= 20`,
  `product.spec.schema.columns.filter(c, has(c.pii) && c.pii == 'sensitive').size() == 0 || has(product.spec.retention)`,
  `previous == null || previous.spec.schema.columns.all(c, product.spec.schema.columns.exists(n, n.name == c.name))`,
  `product.metadata.version.startsWith('1.') || product.metadata.version.startsWith('2.')`,
  `size(product.spec.schema.columns) <= 500`,
  `product.spec.outputPorts.all(p, p.type != 'stream' || has(p.subject))`,
];

function policyText(): string {
  const rules = CEL_RULES.map(
    (cel, i) =>
      `    - id: bench-rule-${i + 1}\n      cel: ${JSON.stringify(cel)}\n      message: bench rule ${i + 1}\n      severity: warn`,
  ).join('\n');
  return `apiVersion: mesh/v1\nkind: PolicySet\nmetadata: { name: bench, owner: governance@company.com, scope: global }\nspec:\n  rules:\n${rules}\n`;
}

function loadEngine(): { engine: PolicyEngine; problems: Diagnostic[] } {
  const sets: LoadedPolicySet[] = [];
  const loaded = loadPolicySetSource(parseYamlText('bench.policy.yaml', policyText()));
  if (loaded.set) sets.push(loaded.set);
  const engine = new PolicyEngine({ sets, diagnostics: loaded.diagnostics });
  return { engine, problems: engine.loadDiagnostics };
}

export async function bench(report: BenchReport): Promise<void> {
  let started = performance.now();
  const { engine, problems } = loadEngine();
  report.metric('load + compile 20 CEL rules (first, cold)', performance.now() - started, 'ms');
  if (problems.length > 0) throw new Error(`bench policies do not load: ${JSON.stringify(problems)}`);
  started = performance.now();
  for (let i = 0; i < 20; i++) loadEngine();
  report.metric('load + compile 20 CEL rules (warm, each)', (performance.now() - started) / 20, 'ms');

  const products = Array.from({ length: 1000 }, (_, i) => {
    const bundle = productBundle({
      name: `product-${i}`,
      domain: ['sales', 'finance', 'identity', 'catalog'][i % 4],
      version: '1.0.0',
      edit: (p) => {
        for (let c = 0; c < 10 + (i % 30); c++)
          p.spec.schema.columns.push({
            name: `col_${c}`,
            type: c % 3 ? 'varchar' : 'bigint',
            pii: c % 7 === 0 ? 'direct' : 'none',
            masking: c % 7 === 0 ? 'hash' : undefined,
          });
        if (i % 7 === 0) p.spec.retention = '365d';
      },
    });
    return checkBundle(bundle);
  });
  const now = new Date();
  let findings = 0;
  engine.check({ product: products[0].product!, source: products[0].source, now }); // warm the JIT
  const rounds: number[] = [];
  for (let round = 0; round < 3; round++) {
    started = performance.now();
    findings = 0;
    for (const p of products) findings += engine.check({ product: p.product!, source: p.source, now }).length;
    rounds.push(performance.now() - started);
  }
  report.metric('14 built-in + 20 CEL rules over 1,000 products (best of 3)', Math.min(...rounds), 'ms', { max: 1000 });
  report.note(
    `${findings} findings (retention-for-pii on the generated products with PII and no retention, by design); ${((Math.min(...rounds) / 1000 / 34) * 1e3).toFixed(1)} µs per rule per product`,
  );

  // One publish's governance step: read the product's versions from the registry, run the
  // policies, classify changes against the previous version and check the bump.
  const dir = mkdtempSync(join(tmpdir(), 'mesh-bench-gov-'));
  const registry = await openRegistry({ sqlitePath: join(dir, 'registry.sqlite') });
  const platform = new LocalPlatform({ registry, governance: engine, config: { ...configFromEnv(), actor: 'bench' } });
  try {
    for (let minor = 0; minor < 10; minor++) {
      await platform.publish(
        productBundle({
          name: 'orders',
          version: `1.${minor}.0`,
          edit: (p) => {
            for (let c = 0; c <= minor; c++)
              p.spec.schema.columns.push({ name: `extra_${c}`, type: 'varchar', pii: 'none' });
          },
        }),
      );
    }
    const next = checkBundle(
      productBundle({
        name: 'orders',
        version: '1.10.0',
        edit: (p) => {
          for (let c = 0; c <= 10; c++)
            p.spec.schema.columns.push({ name: `extra_${c}`, type: 'varchar', pii: 'none' });
        },
      }),
    );
    const times: number[] = [];
    for (let i = 0; i < 50; i++) {
      started = performance.now();
      const result = await platform.checkLoaded(next);
      times.push(performance.now() - started);
      if (result.diagnostics.some((d) => d.severity === 'error'))
        throw new Error(`bench publish refused: ${JSON.stringify(result.diagnostics)}`);
    }
    times.sort((a, b) => a - b);
    report.metric(
      'governance step of one publish, SQLite, 10 prior versions (median)',
      times[Math.floor(times.length / 2)],
      'ms',
      { max: 30 },
    );
    report.metric('governance step of one publish (p95)', times[Math.floor(times.length * 0.95)], 'ms');
  } finally {
    await platform.close();
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
