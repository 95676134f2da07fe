import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { atLeastAsStrict, BUILTIN_RULES } from '../../src/governance/builtin-rules.js';
import { loadPolicySets } from '../../src/governance/load-policy-sets.js';
import { PolicyEngine } from '../../src/governance/policy-engine.js';
import { loadDescriptorFile } from '../../src/platform/descriptor-bundle.js';
import { initProduct, TEMPLATES } from '../../src/platform/init-product.js';
import { codes, engineFrom, policySet, runRules } from './policy-fixtures.js';

const builtins = new PolicyEngine();

describe('built-in rules', () => {
  it('pass on every mesh init template, with the repository global policy set too', () => {
    const repoPolicies = loadPolicySets({
      env: { MESH_POLICIES: new URL('../../policies', import.meta.url).pathname },
    });
    expect(repoPolicies.diagnostics).toEqual([]);
    const withGlobal = new PolicyEngine(repoPolicies);
    for (const template of TEMPLATES) {
      const { dir } = initProduct({
        name: 'orders-daily',
        domain: 'sales',
        owner: 'sales-data@company.com',
        template,
        cwd: mkdtempSync(join(tmpdir(), 'mesh-gov-')),
      });
      const loaded = loadDescriptorFile(join(dir, 'product.yaml'), 'product.yaml');
      for (const engine of [builtins, withGlobal]) {
        const found = engine.check({ product: loaded.product!, source: loaded.source, now: new Date() });
        expect(found.filter((d) => d.severity !== 'info')).toEqual([]);
      }
    }
  });

  it('each have an id, a rationale and defaults that satisfy their own parameter schema', () => {
    for (const rule of BUILTIN_RULES) {
      expect(rule.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(rule.rationale.length).toBeGreaterThan(20);
      expect(Object.keys(rule.defaults).every((k) => k in (rule.params.properties as object))).toBe(true);
    }
  });

  it('report a missing on-call at the metadata block, with the rule id as code and built-in as source', () => {
    const found = runRules(builtins, {
      edit: (p) => {
        delete p.metadata.oncall;
      },
    });
    const d = found.find((x) => x.code === 'oncall-assigned')!;
    expect(d).toMatchObject({ severity: 'error', source: 'built-in', path: 'metadata' });
    expect(d.message).toBe('the product has no on-call contact');
    expect(d.hint).toContain('metadata.oncall');
    expect(d.location?.line).toBeGreaterThan(1);
  });

  it('require a description of a minimum length', () => {
    const found = runRules(builtins, {
      edit: (p) => {
        p.metadata.description = 'Orders.';
      },
    });
    expect(found.find((d) => d.code === 'description-present')?.message).toBe(
      'the description has 7 characters; at least 20 are required',
    );
  });

  it('require every column to be classified, pointing at the column', () => {
    const found = runRules(builtins, {
      edit: (p) => {
        delete p.spec.schema.columns[1].pii;
      },
    });
    const d = found.find((x) => x.code === 'pii-classified')!;
    expect(d.message).toBe('column "label" is not classified for PII');
    expect(d.path).toBe('spec.schema.columns[1]');
  });

  it('require direct PII to be masked unless only PII-cleared teams may read', () => {
    const addEmail = (p: any) => {
      p.spec.schema.columns.push({ name: 'email', type: 'varchar', pii: 'direct' });
      p.spec.retention = '365d';
    };
    const unmasked = runRules(builtins, { edit: addEmail });
    expect(unmasked.find((d) => d.code === 'pii-protected')?.message).toContain(
      'column "email" holds direct PII but is not masked',
    );
    expect(
      codes(
        runRules(builtins, {
          edit: (p: any) => {
            addEmail(p);
            p.spec.schema.columns.at(-1).masking = 'hash';
          },
        }),
      ),
    ).not.toContain('pii-protected');
    expect(
      codes(
        runRules(builtins, {
          edit: (p: any) => {
            addEmail(p);
            p.spec.access = { default: 'deny', pii: [{ team: 'fraud' }] };
          },
        }),
      ),
    ).not.toContain('pii-protected');
  });

  it('require retention for products with PII, within the maximum when one is set', () => {
    const pii = (p: any) => {
      p.spec.schema.columns.push({ name: 'email', type: 'varchar', pii: 'direct', masking: 'hash' });
    };
    expect(runRules(builtins, { edit: pii }).find((d) => d.code === 'retention-for-pii')?.message).toBe(
      'the product holds PII (email) but declares no retention',
    );
    const strict = engineFrom({
      'g.yaml': policySet('global', 'global', '    - { id: retention-for-pii, params: { maxRetention: 90d } }'),
    });
    const found = runRules(strict, {
      edit: (p: any) => {
        pii(p);
        p.spec.retention = '365d';
      },
    });
    expect(found.find((d) => d.code === 'retention-for-pii')).toMatchObject({
      message: 'retention 365d is longer than the allowed 90d',
      path: 'spec.retention',
    });
  });

  it('check the schedule against the freshness target', () => {
    const found = runRules(builtins, {
      edit: (p) => {
        p.spec.schedule = '0 6 * * 1';
      },
    });
    const d = found.find((x) => x.code === 'freshness-declared')!;
    expect(d.message).toBe('schedule "0 6 * * 1" leaves up to 7.0d between runs, longer than the freshness target 1d');
    expect(d.path).toBe('spec.schedule');
    expect(
      codes(
        runRules(builtins, {
          edit: (p) => {
            delete p.spec.freshness;
          },
        }),
      ),
    ).toContain('freshness-declared');
  });

  it('require the primary key checked unique and not null', () => {
    const found = runRules(builtins, {
      edit: (p) => {
        p.spec.quality!.checks = p.spec.quality!.checks.filter((c) => c.type !== 'not_null');
      },
    });
    expect(found.find((d) => d.code === 'quality-checks')?.message).toBe(
      'primary key column id is not checked not null',
    );
    const none = runRules(builtins, {
      edit: (p) => {
        delete p.spec.quality;
      },
    });
    expect(none.filter((d) => d.code === 'quality-checks').map((d) => d.message)).toContain(
      'the product has 0 quality checks; at least 1 required',
    );
  });

  it('refuse access default allow, inline secrets and disallowed types', () => {
    const found = runRules(
      engineFrom({
        'g.yaml': policySet('global', 'global', '    - { id: allowed-port-types, params: { types: [parquet] } }'),
      }),
      {
        edit: (p: any) => {
          p.spec.access = { default: 'allow' };
          p.metadata.description = 'Orders for the sales team; api_key=abcd1234efgh lives here for now.';
          p.spec.outputPorts.push({ name: 'events', type: 'stream', subject: 'sales.orders' });
        },
      },
    );
    expect(found.find((d) => d.code === 'access-default-deny')?.path).toBe('spec.access.default');
    expect(found.find((d) => d.code === 'no-inline-secrets')).toMatchObject({
      path: 'metadata.description',
      message: 'metadata.description contains what looks like a password or key assignment',
    });
    expect(found.find((d) => d.code === 'allowed-port-types')).toMatchObject({
      path: 'spec.outputPorts[1].type',
      message: 'output port type stream is not allowed here',
    });
  });

  it('apply naming conventions from parameters', () => {
    const engine = engineFrom({
      'g.yaml': policySet(
        'global',
        'global',
        '    - { id: naming-conventions, params: { columnPattern: "^[a-z]+$" } }',
      ),
    });
    const found = runRules(engine);
    expect(found.filter((d) => d.code === 'naming-conventions').map((d) => d.message)).toEqual([
      'column name "updated_at" does not match ^[a-z]+$',
    ]);
    expect(found[0].source).toBe('global (g.yaml)');
  });
});

interface ParameterCase {
  readonly rule: string;
  readonly params: string;
  /** Makes the template product break the parameter. */
  readonly breaks: (p: any) => void;
  readonly finding: { path: string; message: string; hint?: string };
  /** Makes it comply again (the parameter still set). */
  readonly complies: (p: any) => void;
  /** The built-in default asks for it too (the parameter only restates it). */
  readonly byDefault?: boolean;
}

// Each rule parameter a policy set can set: what it reports when broken, and silence when met.
const PARAMETER_CASES: ParameterCase[] = [
  {
    rule: 'owner-assigned',
    params: '{ emailDomains: [company.com, Corp.example] }',
    breaks: (p) => (p.metadata.owner = 'sales@gmail.com'),
    finding: {
      path: 'metadata.owner',
      message: 'owner sales@gmail.com is not an address of company.com or Corp.example',
      hint: "use the owning team's address @company.com",
    },
    complies: (p) => (p.metadata.owner = 'sales@CORP.example'),
  },
  {
    rule: 'oncall-assigned',
    params: '{ distinctFromOwner: true }',
    breaks: (p) => (p.metadata.oncall = 'SALES-DATA@company.com'),
    finding: {
      path: 'metadata.oncall',
      message: 'the on-call contact is the owner team address, not a pager',
      hint: 'set metadata.oncall to the on-call rotation, e.g. sales-oncall@company.com',
    },
    complies: (p) => (p.metadata.oncall = 'sales-oncall@company.com'),
  },
  {
    rule: 'freshness-declared',
    params: '{ requireSchedule: true }',
    breaks: (p) => {
      p.spec.freshness = { target: '1d' };
      delete p.spec.schedule;
    },
    finding: {
      path: 'spec',
      message: 'the product declares no schedule',
      hint: 'add spec.schedule, a cron expression such as "0 6 * * *"',
    },
    complies: (p) => (p.spec.schedule = '0 6 * * *'),
  },
  {
    rule: 'freshness-declared',
    params: '{ maxTarget: 1d }',
    breaks: (p) => {
      p.spec.freshness = { target: '25h' };
      p.spec.schedule = '0 * * * *';
    },
    finding: {
      path: 'spec.freshness.target',
      message: 'freshness target 25h is longer than the allowed 1d',
      hint: 'set a target of at most 1d',
    },
    complies: (p) => (p.spec.freshness = { target: '24h' }),
  },
  {
    rule: 'quality-checks',
    params: '{ requirePrimaryKey: true }',
    breaks: (p) => {
      delete p.spec.schema.primaryKey;
    },
    finding: {
      path: 'spec.schema',
      message: 'the product declares no primary key',
      hint: 'add spec.schema.primaryKey: [the columns identifying a row]',
    },
    complies: (p) => (p.spec.schema.primaryKey = ['id']),
  },
  {
    rule: 'quality-checks',
    params: '{ minChecks: 4 }',
    breaks: (p) => (p.spec.quality.checks = p.spec.quality.checks.slice(0, 3)),
    finding: {
      path: 'spec.quality.checks',
      message: 'the product has 3 quality checks; at least 4 required',
      hint: 'add spec.quality.checks, e.g. { type: row_count, min: 1 }',
    },
    complies: (p) => p.spec.quality.checks.push({ type: 'not_null', column: 'updated_at' }),
  },
  {
    rule: 'quality-checks',
    params: '{ primaryKeyChecked: true }',
    breaks: (p) => {
      p.spec.schema.primaryKey = ['id', 'updated_at'];
      p.spec.quality.checks = [
        { type: 'row_count', min: 1 },
        { type: 'not_null', columns: ['updated_at', 'id'] },
      ];
    },
    finding: {
      path: 'spec.schema.primaryKey',
      message: 'the primary key (id, updated_at) is not checked unique',
      hint: 'add a check: { type: unique, columns: [id, updated_at] }',
    },
    complies: (p) => p.spec.quality.checks.push({ type: 'unique', columns: ['updated_at', 'id'] }),
    byDefault: true,
  },
  {
    rule: 'naming-conventions',
    params: '{ productPattern: "^[a-z]+-daily$" }',
    breaks: (p) => (p.metadata.name = 'orders-weekly'),
    finding: {
      path: 'metadata.name',
      message: 'product name "orders-weekly" does not match ^[a-z]+-daily$',
      hint: 'rename the product to follow the naming convention',
    },
    complies: (p) => (p.metadata.name = 'orders-daily'),
  },
  {
    rule: 'no-inline-secrets',
    params: '{ patterns: ["tok_[0-9a-f]{8}"] }',
    breaks: (p) => (p.metadata.description = 'Orders for the sales team; read with tok_0123abcd for now.'),
    finding: {
      path: 'metadata.description',
      message: 'metadata.description contains what looks like a match of tok_[0-9a-f]{8}',
      hint: 'remove it and reference an environment variable instead, e.g. ${ORDERS_DB_URI}',
    },
    complies: (p) => (p.metadata.description = 'Orders for the sales team; read with ${SALES_TOKEN} for now.'),
  },
  {
    rule: 'retention-for-pii',
    params: '{ maxRetention: 30d }',
    breaks: (p) => {
      p.spec.schema.columns[1].pii = 'indirect';
      p.spec.retention = '31d';
    },
    finding: {
      path: 'spec.retention',
      message: 'retention 31d is longer than the allowed 30d',
      hint: 'set retention: 30d or less',
    },
    complies: (p) => (p.spec.retention = '720h'),
  },
  {
    rule: 'retention-for-pii',
    params: '{ classes: [sensitive] }',
    breaks: (p) => {
      p.spec.schema.columns[1].pii = 'sensitive';
      p.spec.schema.columns[1].masking = 'hash';
      delete p.spec.retention;
    },
    finding: {
      path: 'spec',
      message: 'the product holds PII (label) but declares no retention',
      hint: 'add spec.retention, e.g. retention: 365d',
    },
    complies: (p) => (p.spec.schema.columns[1].pii = 'indirect'),
    byDefault: true,
  },
];

describe('each rule parameter set by a policy set', () => {
  it.each(PARAMETER_CASES.map((c) => [`${c.rule} ${c.params}`, c] as const))(
    '%s: reported at its field when broken, silent when met',
    (_name, c) => {
      const engine = engineFrom({
        'g.yaml': policySet('global', 'global', `    - { id: ${c.rule}, params: ${c.params} }`),
      });
      const broken = runRules(engine, { edit: c.breaks }).filter((d) => d.code === c.rule);
      expect(broken.map((d) => ({ path: d.path, message: d.message, hint: d.hint }))).toEqual([
        { hint: undefined, ...c.finding },
      ]);
      expect(broken[0]).toMatchObject({ severity: 'error', source: 'global (g.yaml)' });
      const met = runRules(engine, {
        edit: (p) => {
          c.breaks(p);
          c.complies(p);
        },
      });
      expect(met.filter((d) => d.code === c.rule)).toEqual([]);
      // Without the policy set, the built-in default asks for it only where it is the default.
      const unset = runRules(builtins, { edit: c.breaks }).filter((d) => d.message === c.finding.message);
      expect(unset).toHaveLength(c.byDefault ? 1 : 0);
    },
  );
});

// What the built-in defaults report for a field left out or at a limit.
const DEFAULT_CASES: Array<{ rule: string; edit: (p: any) => void; finding?: { path: string; message: string } }> = [
  {
    rule: 'description-present',
    edit: (p) => (p.metadata.description = '   '),
    finding: { path: 'metadata', message: 'the product has no description' },
  },
  // Exactly the minimum length (20 characters, surrounding spaces not counted) is enough.
  { rule: 'description-present', edit: (p) => (p.metadata.description = '  Orders placed daily.  ') },
  {
    rule: 'sla-documented',
    edit: (p) => (p.spec.sla = {}),
    finding: { path: 'spec.sla', message: 'the product documents no availability SLA' },
  },
  {
    rule: 'sla-documented',
    edit: (p) => delete p.spec.sla,
    finding: { path: 'spec', message: 'the product documents no availability SLA' },
  },
  {
    rule: 'quality-checks',
    edit: (p) => {
      p.spec.schema.primaryKey = ['id', 'updated_at'];
      p.spec.quality.checks = [
        { type: 'unique', columns: ['id', 'label'] },
        { type: 'not_null', columns: ['id', 'updated_at'] },
      ];
    },
    finding: { path: 'spec.schema.primaryKey', message: 'the primary key (id, updated_at) is not checked unique' },
  },
  {
    rule: 'quality-checks',
    edit: (p) => {
      p.spec.schema.primaryKey = ['id', 'updated_at'];
      p.spec.quality.checks = [
        { type: 'unique', columns: ['updated_at', 'id'] },
        { type: 'not_null', column: 'id' },
      ];
    },
    finding: { path: 'spec.schema.primaryKey', message: 'primary key column updated_at is not checked not null' },
  },
];

describe('built-in defaults at a field left out or at a limit', () => {
  it.each(DEFAULT_CASES.map((c, i) => [`${c.rule} #${i + 1}`, c] as const))('%s', (_name, c) => {
    const found = runRules(builtins, { edit: c.edit }).filter((d) => d.code === c.rule);
    expect(found.map((d) => ({ path: d.path, message: d.message }))).toEqual(c.finding ? [c.finding] : []);
  });
});

describe('a rule parameter narrowed by a domain policy set', () => {
  // A domain may tighten what the global set asks, never loosen it.
  it('is accepted when at least as strict as the global value, for each kind of parameter', () => {
    const cases: [Parameters<typeof atLeastAsStrict>[0], unknown, unknown, boolean][] = [
      ['min', 2, 2, true],
      ['min', 2, 3, true],
      ['min', 2, 1, false],
      ['min', 2, '3', false],
      ['max', '1d', '1d', true],
      ['max', 10, 9, true],
      ['max', 10, 11, false],
      ['max', 10, '9', false],
      ['max', undefined, 5, true],
      ['subset', [], ['a.com'], true],
      ['subset', [], [], true],
      ['subset', ['a.com'], [], false],
      ['subset', ['a.com', 'b.com'], ['b.com'], true],
      ['subset', ['a.com'], ['a.com', 'c.com'], false],
      ['subset', ['a.com'], 'a.com', false],
      ['superset', ['direct'], ['direct', 'indirect'], true],
      ['superset', ['direct', 'indirect'], ['indirect'], false],
      ['superset', ['direct'], 'direct', false],
      [undefined, true, false, false],
      [undefined, true, true, true],
    ];
    expect(cases.map(([strictness, current, next]) => atLeastAsStrict(strictness, current, next))).toEqual(
      cases.map((c) => c[3]),
    );
  });
});
