import { describe, expect, it } from 'vitest';
import {
  CHANGE_CATEGORIES,
  classifyChanges,
  compareTypes,
  requiredBump,
  type ChangeCategory,
  type CompatibilityMode,
} from '../../src/governance/compatibility.js';
import type { DataProduct } from '../../src/descriptor/data-product-schema.js';
import { checkedProduct } from './policy-fixtures.js';

function product(edit?: (p: DataProduct) => void): DataProduct {
  return checkedProduct({ edit }).product;
}

function changes(edit: (p: DataProduct) => void, mode: CompatibilityMode = 'backward') {
  return classifyChanges(product(), product(edit), mode).map((c) => ({
    category: c.category,
    breaking: c.breaking,
    bump: c.bump,
  }));
}

describe('schema compatibility', () => {
  it('classifies type changes: safe widenings, narrowings, unrelated changes', () => {
    expect(compareTypes('integer', 'bigint')).toBe('widened');
    expect(compareTypes('float', 'double')).toBe('widened');
    expect(compareTypes('varchar(20)', 'varchar(50)')).toBe('widened');
    expect(compareTypes('varchar(20)', 'text')).toBe('widened');
    expect(compareTypes('decimal(10,2)', 'decimal(12,2)')).toBe('widened');
    expect(compareTypes('decimal(12,2)', 'decimal(10,2)')).toBe('narrowed');
    expect(compareTypes('bigint', 'integer')).toBe('narrowed');
    expect(compareTypes('bigint', 'varchar')).toBe('changed');
    expect(compareTypes('varchar', 'text')).toBe('same');
  });

  it('treats safe widenings and a new nullable column as non-breaking under backward', () => {
    expect(
      changes((p) => {
        p.spec.schema.columns[0].type = 'hugeint';
        p.spec.schema.columns.push({ name: 'channel', type: 'varchar', pii: 'none' });
      }),
    ).toEqual([
      { category: 'type-widened', breaking: false, bump: 'minor' },
      { category: 'column-added-nullable', breaking: false, bump: 'minor' },
    ]);
  });

  it('names every breaking category with a reason', () => {
    const found = classifyChanges(
      product(),
      product((p) => {
        p.spec.schema.columns = p.spec.schema.columns.filter((c) => c.name !== 'label');
        p.spec.schema.columns[0].type = 'integer';
        p.spec.schema.columns[1].nullable = false;
        p.spec.schema.columns.push({ name: 'region', type: 'varchar', nullable: false, pii: 'none' });
        p.spec.schema.primaryKey = ['id', 'region'];
        p.spec.outputPorts = [{ name: 'sql', type: 'postgres', connection: '${WAREHOUSE_URI}', table: 'sales.orders' }];
      }),
    );
    expect(found.map((c) => [c.category, c.breaking])).toEqual([
      ['type-narrowed', true],
      ['column-removed', true],
      ['nullable-to-required', true],
      ['column-added-required', true],
      ['primary-key-changed', true],
      ['port-removed', true],
      ['port-added', false],
    ]);
    expect(found.find((c) => c.category === 'column-removed')?.reason).toBe(
      'column label is removed: consumers that read it fail',
    );
    expect(found.find((c) => c.category === 'type-narrowed')?.reason).toBe(
      'column id narrows from bigint to integer: existing values may not fit',
    );
    expect(requiredBump(found)).toBe('major');
  });

  it('classifies PII, masking and accepted-value changes', () => {
    const before = product((p) => {
      p.spec.schema.columns[1] = {
        ...p.spec.schema.columns[1],
        pii: 'direct',
        masking: 'hash',
        acceptedValues: ['a', 'b'],
      };
    });
    const after = product((p) => {
      p.spec.schema.columns[1] = {
        ...p.spec.schema.columns[1],
        pii: 'indirect',
        masking: 'none',
        acceptedValues: ['a', 'c'],
      };
    });
    expect(classifyChanges(before, after, 'backward').map((c) => [c.category, c.breaking])).toEqual([
      ['accepted-values-removed', true],
      ['accepted-values-added', false],
      ['pii-classification-lowered', true],
      ['masking-removed', true],
    ]);
    expect(
      classifyChanges(before, after, 'forward').find((c) => c.category === 'accepted-values-added')?.breaking,
    ).toBe(true);
  });

  it('judges by mode: forward breaks on widening, full on both, none on nothing', () => {
    const widen = (p: DataProduct) => {
      p.spec.schema.columns[0].type = 'hugeint';
    };
    const addRequired = (p: DataProduct) => {
      p.spec.schema.columns.push({ name: 'region', type: 'varchar', nullable: false, pii: 'none' });
    };
    expect(changes(widen, 'forward')[0].breaking).toBe(true);
    expect(changes(addRequired, 'forward')[0].breaking).toBe(false);
    expect(changes(widen, 'full')[0].breaking).toBe(true);
    expect(changes(addRequired, 'full')[0].breaking).toBe(true);
    expect(changes(addRequired, 'none')).toEqual([
      { category: 'column-added-required', breaking: false, bump: 'minor' },
    ]);
  });

  it('needs only a patch for documentation changes and a minor for behaviour changes', () => {
    const docs = changes((p) => {
      p.metadata.description = 'A longer and better description of the orders product.';
      p.spec.schema.columns[0].description = 'The id';
    });
    expect(docs).toEqual([{ category: 'documentation-changed', breaking: false, bump: 'patch' }]);
    expect(
      changes((p) => {
        p.spec.schedule = '0 7 * * *';
      }),
    ).toEqual([{ category: 'behaviour-changed', breaking: false, bump: 'minor' }]);
    expect(changes(() => undefined)).toEqual([]);
  });
});

type Edit = (p: DataProduct) => void;
type Column = DataProduct['spec']['schema']['columns'][number];
const label = (p: DataProduct): Column => p.spec.schema.columns.find((c) => c.name === 'label')!;
const toPostgres: Edit = (p) => {
  p.spec.outputPorts = [{ name: 'files', type: 'postgres', connection: '${WAREHOUSE_URI}', table: 'sales.orders' }];
};

/**
 * Every change category, made on its own, with whether each mode calls it breaking (the table in
 * README "Schema compatibility"): [backward, backward_transitive, forward, full, none].
 */
const MATRIX: Array<{ category: ChangeCategory; before?: Edit; after: Edit; breaking: boolean[] }> = [
  {
    category: 'column-removed',
    after: (p) => (p.spec.schema.columns = p.spec.schema.columns.filter((c) => c.name !== 'amount')),
    breaking: [true, true, true, true, false],
  },
  {
    category: 'column-added-nullable',
    after: (p) => p.spec.schema.columns.push({ name: 'channel', type: 'varchar', pii: 'none' }),
    breaking: [false, false, false, false, false],
  },
  {
    category: 'column-added-required',
    after: (p) => p.spec.schema.columns.push({ name: 'channel', type: 'varchar', nullable: false, pii: 'none' }),
    breaking: [true, true, false, true, false],
  },
  {
    category: 'type-changed',
    after: (p) => (p.spec.schema.columns[0].type = 'varchar'),
    breaking: [true, true, true, true, false],
  },
  {
    category: 'type-narrowed',
    after: (p) => (p.spec.schema.columns[0].type = 'integer'),
    breaking: [true, true, true, true, false],
  },
  {
    category: 'type-widened',
    after: (p) => (p.spec.schema.columns[0].type = 'hugeint'),
    breaking: [false, false, true, true, false],
  },
  {
    category: 'nullable-to-required',
    after: (p) => (label(p).nullable = false),
    breaking: [true, true, false, true, false],
  },
  {
    category: 'required-to-nullable',
    after: (p) => (p.spec.schema.columns.find((c) => c.name === 'updated_at')!.nullable = true),
    breaking: [false, false, true, true, false],
  },
  {
    category: 'primary-key-changed',
    after: (p) => (p.spec.schema.primaryKey = ['id', 'updated_at']),
    breaking: [true, true, true, true, false],
  },
  {
    category: 'accepted-values-removed',
    before: (p) => (label(p).acceptedValues = ['a', 'b']),
    after: (p) => (label(p).acceptedValues = ['a']),
    breaking: [true, true, false, true, false],
  },
  {
    category: 'accepted-values-added',
    before: (p) => (label(p).acceptedValues = ['a']),
    after: (p) => (label(p).acceptedValues = ['a', 'b']),
    breaking: [false, false, true, true, false],
  },
  {
    category: 'pii-classification-lowered',
    before: (p) => (label(p).pii = 'indirect'),
    after: (p) => (label(p).pii = 'none'),
    breaking: [true, true, true, true, false],
  },
  {
    category: 'pii-classification-raised',
    after: (p) => (label(p).pii = 'indirect'),
    breaking: [false, false, false, false, false],
  },
  {
    category: 'masking-removed',
    before: (p) => Object.assign(label(p), { pii: 'direct', masking: 'hash' }),
    after: (p) => Object.assign(label(p), { pii: 'direct', masking: 'none' }),
    breaking: [true, true, true, true, false],
  },
  {
    category: 'masking-added',
    before: (p) => Object.assign(label(p), { pii: 'direct' }),
    after: (p) => Object.assign(label(p), { pii: 'direct', masking: 'hash' }),
    breaking: [true, true, true, true, false],
  },
  {
    category: 'masking-changed',
    before: (p) => Object.assign(label(p), { pii: 'direct', masking: 'hash' }),
    after: (p) => Object.assign(label(p), { pii: 'direct', masking: 'redact' }),
    breaking: [true, true, true, true, false],
  },
  {
    category: 'port-removed',
    before: (p) => p.spec.outputPorts.push({ name: 'extra', type: 'parquet' }),
    after: (p) => (p.spec.outputPorts = p.spec.outputPorts.filter((port) => port.name !== 'extra')),
    breaking: [true, true, true, true, false],
  },
  {
    category: 'port-added',
    after: (p) => p.spec.outputPorts.push({ name: 'extra', type: 'parquet' }),
    breaking: [false, false, false, false, false],
  },
  { category: 'port-type-changed', after: toPostgres, breaking: [true, true, true, true, false] },
  {
    category: 'behaviour-changed',
    after: (p) => (p.spec.schedule = '0 7 * * *'),
    breaking: [false, false, false, false, false],
  },
  {
    category: 'documentation-changed',
    after: (p) => (p.metadata.description = 'A longer and better description of the orders product.'),
    breaking: [false, false, false, false, false],
  },
];
const MODES: CompatibilityMode[] = ['backward', 'backward_transitive', 'forward', 'full', 'none'];

describe('every change category under every mode', () => {
  it('covers every category', () => {
    expect(MATRIX.map((m) => m.category).sort()).toEqual([...CHANGE_CATEGORIES].sort());
  });

  for (const m of MATRIX) {
    it(`${m.category}: breaking under ${MODES.filter((_, i) => m.breaking[i]).join(', ') || 'no mode'}`, () => {
      const before = product(m.before);
      const after = product((p) => {
        m.before?.(p);
        m.after(p);
      });
      for (const [i, mode] of MODES.entries()) {
        const found = classifyChanges(before, after, mode);
        expect(
          found.map((c) => c.category),
          mode,
        ).toEqual([m.category]);
        expect(found[0].breaking, `${m.category} under ${mode}`).toBe(m.breaking[i]);
        // A breaking change needs a major; the rest a minor, or a patch for documentation.
        const bump = found[0].breaking ? 'major' : m.category === 'documentation-changed' ? 'patch' : 'minor';
        expect(requiredBump(found), `${m.category} under ${mode}`).toBe(bump);
        expect(found[0].reason.length, m.category).toBeGreaterThan(10);
      }
    });
  }
});
