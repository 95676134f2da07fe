import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { policySetJsonSchema } from '../../src/governance/policy-set-schema.js';
import { codes, engineFrom, policySet, runRules } from './policy-fixtures.js';

const GLOBAL_CEL = `
    - id: tags-present
      cel: has(product.metadata.tags) && size(product.metadata.tags) > 0
      message: the product has no tags
      hint: add metadata.tags
      path: metadata
`;

describe('policy sets', () => {
  it('apply a CEL rule with its message, hint, location and source', () => {
    const engine = engineFrom({ 'policies/global.yaml': policySet('global', 'global', GLOBAL_CEL) });
    expect(engine.loadDiagnostics).toEqual([]);
    const found = runRules(engine, {
      edit: (p) => {
        p.metadata.tags = [];
      },
    });
    const d = found.find((x) => x.code === 'tags-present')!;
    expect(d).toMatchObject({
      severity: 'error',
      message: 'the product has no tags',
      hint: 'add metadata.tags',
      path: 'metadata',
      source: 'global (policies/global.yaml)',
    });
    expect(d.location?.file).toBe('sales/orders-daily/product.yaml');
    expect(codes(runRules(engine))).not.toContain('tags-present');
  });

  it('refuses a CEL syntax error at load with file:line:col, and the other rules still apply', () => {
    const engine = engineFrom({
      'p.yaml': policySet(
        'global',
        'global',
        `
    - id: broken
      cel: "product.metadata.name == "
      message: never shown
${GLOBAL_CEL}`,
      ),
    });
    const [d] = engine.loadDiagnostics;
    expect(d).toMatchObject({ code: 'cel-syntax', severity: 'error', location: { file: 'p.yaml', line: 10, col: 35 } });
    expect(d.message).toContain('rule broken: CEL syntax error');
    expect(engine.globalRules().map((r) => r.id)).not.toContain('broken');
    expect(
      codes(
        runRules(engine, {
          edit: (p) => {
            p.metadata.tags = [];
          },
        }),
      ),
    ).toContain('tags-present');
  });

  it('refuses CEL type errors at load: unknown fields (with did-you-mean), wrong operand types, non-boolean results', () => {
    const engine = engineFrom({
      'p.yaml': policySet(
        'global',
        'global',
        `
    - id: typo
      cel: product.metadata.ownr == 'x'
    - id: mixed
      cel: size(product.spec.schema.columns) + 'a' == 'b'
    - id: numbers
      cel: product.spec.sla.schemaStability.deprecationNoticeDays * 2 > 10
    - id: not-bool
      cel: product.metadata.name
    - id: unknown-function
      cel: frobnicate(product)
`,
      ),
    });
    const byRule = (id: string) => engine.loadDiagnostics.find((d) => d.message.startsWith(`rule ${id}:`))!;
    expect(byRule('typo')).toMatchObject({ code: 'cel-type', location: { line: 10, col: 28 } });
    expect(byRule('typo').message).toContain('product.metadata has no field "ownr"; did you mean "owner"?');
    expect(byRule('mixed').message).toContain('no overload of "+" accepts (int, string)');
    expect(byRule('numbers').message).toContain('descriptor numbers are doubles');
    expect(byRule('not-bool').message).toContain('a rule must evaluate to true or false');
    expect(byRule('unknown-function').message).toContain('unknown function "frobnicate"');
    expect(engine.globalRules().filter((r) => r.kind === 'cel')).toEqual([]);
  });

  it('reports unknown rule ids and unknown or invalid parameters, with suggestions', () => {
    const engine = engineFrom({
      'p.yaml': policySet(
        'global',
        'global',
        `
    - id: quality-check
    - id: description-present
      params: { minLenght: 40 }
    - id: freshness-declared
      params: { requireSchedule: "yes" }
`,
      ),
    });
    expect(engine.loadDiagnostics.map((d) => [d.code, d.message, d.hint])).toEqual([
      ['unknown-param', 'rule description-present has no parameter "minLenght"', 'did you mean minLength?'],
      ['invalid-param', 'rule freshness-declared: params.requireSchedule must be boolean', undefined],
      [
        'unknown-rule',
        'unknown rule id "quality-check": not a built-in rule, not defined by a global policy set, and it has no cel expression',
        'did you mean quality-checks?',
      ],
    ]);
    expect(engine.loadDiagnostics.find((d) => d.code === 'unknown-param')!.location).toMatchObject({
      line: 11,
      col: 17,
    });
  });

  it('reports two policy sets defining or configuring the same rule id, and keeps the first', () => {
    const engine = engineFrom({
      'a.yaml': policySet(
        'a-rules',
        'global',
        `${GLOBAL_CEL}
    - { id: description-present, params: { minLength: 30 } }`,
      ),
      'b.yaml': policySet(
        'b-rules',
        'global',
        `${GLOBAL_CEL}
    - { id: description-present, params: { minLength: 5 } }`,
      ),
    });
    expect(engine.loadDiagnostics.map((d) => [d.code, d.location?.file])).toEqual([
      ['duplicate-rule-id', 'b.yaml'],
      ['duplicate-rule-id', 'b.yaml'],
    ]);
    expect(engine.loadDiagnostics[0].message).toBe(
      'rule id tags-present is already defined by a-rules (a.yaml); this one is ignored',
    );
    expect(engine.globalRules().find((r) => r.id === 'description-present')?.params).toMatchObject({ minLength: 30 });
  });

  it('lets a domain add and tighten rules but never weaken a global error-level rule', () => {
    const engine = engineFrom({
      'global.yaml': policySet('global', 'global', GLOBAL_CEL),
      'sales.yaml': policySet(
        'sales-rules',
        'sales',
        `
    - id: description-present
      severity: warn
    - id: pii-protected
      enabled: false
    - id: quality-checks
      params: { minChecks: 5 }
    - id: allowed-port-types
      params: { types: [parquet, stream, postgres, kafka] }
    - id: tags-present
      severity: info
    - id: sales-segment-column
      cel: product.spec.schema.columns.exists(c, c.name == 'segment')
      message: sales products carry a segment column
`,
      ),
    });
    expect(engine.loadDiagnostics.map((d) => [d.code, d.path])).toEqual([
      ['policy-weakens-global', 'spec.rules[0].severity'],
      ['policy-weakens-global', 'spec.rules[1].enabled'],
      ['policy-weakens-global', 'spec.rules[3].params.types'],
      ['policy-weakens-global', 'spec.rules[4].severity'],
    ]);
    expect(engine.loadDiagnostics[0].message).toBe(
      'domain policy set sales-rules tries to lower the severity (to warn) of global error-level rule description-present; the global setting stays in force',
    );
    const sales = new Map(engine.rulesFor('sales').map((r) => [r.id, r]));
    expect(sales.get('description-present')?.severity).toBe('error');
    expect(sales.get('pii-protected')?.enabled).toBe(true);
    expect(sales.get('quality-checks')).toMatchObject({
      params: { minChecks: 5 },
      configuredBy: ['built-in', 'sales-rules'],
      scope: 'sales',
    });
    expect(sales.get('sales-segment-column')?.source).toBe('sales-rules');
    // Another domain is untouched by sales' rules.
    const finance = new Map(engine.rulesFor('finance').map((r) => [r.id, r]));
    expect(finance.has('sales-segment-column')).toBe(false);
    expect(finance.get('quality-checks')?.params).toMatchObject({ minChecks: 1 });
    expect(codes(runRules(engine, { domain: 'sales' }))).toEqual(
      expect.arrayContaining(['quality-checks', 'sales-segment-column']),
    );
    expect(codes(runRules(engine, { domain: 'finance' }))).toEqual([]);
  });

  it('warns before enforceFrom and blocks after it (a grace period)', () => {
    const engine = engineFrom({
      'g.yaml': policySet(
        'global',
        'global',
        `
    - id: has-title
      cel: has(product.metadata.title)
      message: the product needs a title
      enforceFrom: "2027-01-01"
`,
      ),
    });
    const before = runRules(engine, {}, new Date('2026-12-31T23:00:00Z')).find((d) => d.code === 'has-title')!;
    expect(before).toMatchObject({ severity: 'warn', message: 'the product needs a title (an error from 2027-01-01)' });
    const after = runRules(engine, {}, new Date('2027-01-01T00:00:00Z')).find((d) => d.code === 'has-title')!;
    expect(after).toMatchObject({ severity: 'error', message: 'the product needs a title' });
  });

  it('applies selectors by domain and tags', () => {
    const engine = engineFrom({
      'g.yaml': policySet(
        'global',
        'global',
        `
    - id: finance-only
      cel: "false"
      message: always fails where it applies
      selector: { domains: [finance], tags: [ledger] }
`,
      ),
    });
    expect(codes(runRules(engine, { domain: 'finance' }))).not.toContain('finance-only');
    expect(
      codes(
        runRules(engine, {
          domain: 'finance',
          edit: (p) => {
            p.metadata.tags = ['ledger'];
          },
        }),
      ),
    ).toContain('finance-only');
    expect(
      codes(
        runRules(engine, {
          domain: 'sales',
          edit: (p) => {
            p.metadata.tags = ['ledger'];
          },
        }),
      ),
    ).not.toContain('finance-only');
  });

  it('reports a rule that fails on a product as an error of that rule: never a crash, never a silent pass', () => {
    const engine = engineFrom({
      'g.yaml': policySet(
        'global',
        'global',
        `
    - id: title-is-short
      cel: size(product.metadata.title) < 40
      message: titles are short
      severity: warn
`,
      ),
    });
    const d = runRules(engine).find((x) => x.code === 'title-is-short')!;
    expect(d.severity).toBe('error');
    expect(d.message).toBe(
      'rule title-is-short could not be checked: the rule could not be evaluated on this product: field not found: title',
    );
  });

  it('bounds a rule whose work explodes on a product with huge lists instead of hanging', () => {
    const engine = engineFrom({
      'g.yaml': policySet(
        'global',
        'global',
        `
    - id: cubic
      cel: product.spec.schema.columns.all(a, product.spec.schema.columns.all(b, product.spec.schema.columns.all(c, a.name != '' || b.name != c.name)))
      message: never false
`,
      ),
    });
    expect(codes(runRules(engine))).not.toContain('cubic');
    const huge = runRules(engine, {
      edit: (p) => {
        for (let i = 0; i < 2000; i++) p.spec.schema.columns.push({ name: `c${i}`, type: 'integer', pii: 'none' });
      },
    });
    const d = huge.find((x) => x.code === 'cubic')!;
    expect(d.severity).toBe('error');
    expect(d.message).toContain('the rule would take up to');
    expect(d.message).toContain('the limit is 1,000,000');
  });

  it('reports a rule that stays within the step bound but takes longer than 250 ms on a product, with the time it took', () => {
    const engine = engineFrom({
      'g.yaml': policySet(
        'global',
        'global',
        `
    - id: slow-pairs
      cel: product.spec.schema.columns.all(a, product.spec.schema.columns.all(b, (a.name + '-' + b.name).matches('^[a-z0-9_]+-[a-z0-9_]+$')))
      message: never false
`,
      ),
    });
    expect(codes(runRules(engine))).not.toContain('slow-pairs');
    // 990 columns: 990² ≈ 980,000 comprehension steps, under the 1,000,000 bound, each a concatenation and a regex.
    const wide = runRules(engine, {
      edit: (p) => {
        for (let i = 0; i < 990 - p.spec.schema.columns.length; i++)
          p.spec.schema.columns.push({ name: `c${i}`, type: 'integer', pii: 'none' });
      },
    });
    const d = wide.find((x) => x.code === 'slow-pairs')!;
    expect(d.severity).toBe('error');
    expect(d.message).toMatch(/the rule took \d+ ms on this product; the limit is 250 ms/);
    expect(Number(/took (\d+) ms/.exec(d.message)![1])).toBeGreaterThan(250);
  });

  it('reports structural mistakes in the policy file with positions', () => {
    const engine = engineFrom({
      'p.yaml': policySet('global', 'global', '    - { id: tags-present, cell: "true" }').replace('owner:', 'ownr:'),
    });
    expect(engine.loadDiagnostics.map((d) => [d.code, d.message])).toEqual([
      ['missing-field', 'missing required field "owner" in metadata'],
      ['unknown-field', 'unknown field "ownr" in metadata'],
    ]);
  });

  it('publishes its JSON Schema in sync with the TypeBox source (regenerate: npm run schema)', () => {
    const published = JSON.parse(readFileSync(new URL('../../schemas/policy-set.v1.json', import.meta.url), 'utf8'));
    expect(published).toEqual(policySetJsonSchema());
  });
});

describe('hostile CEL', () => {
  it('refuses absurdly long or deeply nested expressions at load instead of overflowing the parser', () => {
    const deep = `${'('.repeat(3000)}true${')'.repeat(3000)}`;
    const engine = engineFrom({
      'p.yaml': policySet(
        'global',
        'global',
        `    - { id: deep, cel: "${deep}", message: x }\n    - { id: long, cel: "${'true && '.repeat(2000)}true", message: x }`,
      ),
    });
    expect(engine.loadDiagnostics.map((d) => [d.code, d.message.split(':')[0]])).toEqual([
      ['cel-syntax', 'rule deep'],
      ['cel-syntax', 'rule long'],
    ]);
  });
});

describe('tightening by a domain', () => {
  it('accepts stricter parameters, including a limit where the global rule had none', () => {
    const engine = engineFrom({
      'sales.yaml': policySet(
        'sales-rules',
        'sales',
        `
    - id: freshness-declared
      params: { maxTarget: 12h, requireSchedule: true }
    - id: owner-assigned
      params: { emailDomains: [company.com] }
`,
      ),
    });
    expect(engine.loadDiagnostics).toEqual([]);
    const found = runRules(engine, { domain: 'sales' });
    expect(found.find((d) => d.code === 'freshness-declared')?.message).toBe(
      'freshness target 1d is longer than the allowed 12h',
    );
  });
});

describe('CEL type check', () => {
  it('accepts the common shapes of rules: macros, type names, membership, indexing, conversions, ternaries', () => {
    const rules = [
      'product.spec.quality.checks.exists(c, has(c.threshold) && c.threshold > 0)',
      'product.spec.schema.columns.map(c, c.name).size() > 2',
      "product.spec.schema.columns.exists_one(c, c.name == 'id')",
      'type(product.metadata.name) == string',
      "'sales' in product.metadata.tags && 'tags' in product.metadata",
      "product['metadata']['name'] != '' && product.spec.schema.columns[0].name == 'id'",
      'int(product.spec.sla.schemaStability.deprecationNoticeDays) >= 30',
      "has(product.spec.access) ? product.spec.access.default == 'deny' : true",
      "timestamp('2027-01-01T00:00:00Z') > timestamp('2026-01-01T00:00:00Z')",
    ]
      .map((cel, i) => `    - id: shape-${i}\n      cel: ${JSON.stringify(cel)}\n      message: shape ${i}`)
      .join('\n');
    const engine = engineFrom({ 'p.yaml': policySet('global', 'global', rules) });
    expect(engine.loadDiagnostics).toEqual([]);
    expect(codes(runRules(engine)).filter((c) => c.startsWith('shape-'))).toEqual([]);
  });

  it('says when a method is called as a function', () => {
    const engine = engineFrom({
      'p.yaml': policySet('global', 'global', '    - { id: m, cel: "matches(product.metadata.name, \'^a\')" }'),
    });
    expect(engine.loadDiagnostics[0].message).toContain(
      '"matches" is a method: write x.matches(…) instead of matches(x, …)',
    );
  });
});
