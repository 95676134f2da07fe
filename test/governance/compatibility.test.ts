import { describe, expect, it } from 'vitest';
import {
  classifyChanges,
  compareTypes,
  requiredBump,
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
