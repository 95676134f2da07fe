/**
 * The new-product form's model: what a filled-in form makes (the descriptor, checked by the
 * core validator as `mesh validate` would, the transform and README), and the columns proposed
 * from a CSV file's header.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkBundle } from '../../src/platform/descriptor-bundle.js';
import {
  columnsFromCsv,
  descriptorYaml,
  folderFiles,
  initialForm,
  type ProductForm,
} from '../../web/src/new-product-form.js';

function filled(): ProductForm {
  const form = initialForm('sales');
  return {
    ...form,
    name: 'daily-orders',
    description: 'Orders placed each day, one row per order, for revenue reporting.',
    tags: 'finance, orders',
    owner: 'sales-data@company.com',
    oncall: 'sales-oncall@company.com',
    columns: columnsFromCsv('id,email,amount,placed_at\n1,a@x.com,1.50,2024-01-01 00:00:00\n'),
  };
}

describe('the new-product form model', () => {
  it('proposes columns from a CSV header, with identifier names and types from the values', () => {
    const columns = columnsFromCsv(
      'Order ID,"Customer, e-mail",amount,day,ok\n1,"a, b",1.5,2024-01-01,true\n2,c,2,2024-01-02,false\n',
    );
    expect(columns.map((c) => [c.name, c.type])).toEqual([
      ['order_id', 'bigint'],
      ['customer_e_mail', 'varchar'],
      ['amount', 'double'],
      ['day', 'date'],
      ['ok', 'boolean'],
    ]);
    expect(columnsFromCsv('')).toEqual([]);
  });

  it('proposes PII classes from the CSV header by the same rules as a database source', () => {
    const columns = columnsFromCsv('CustomerEmail,email_verified,phone_number,birth_date,ssn,name,amount\n');
    expect(columns.map((c) => [c.name, c.pii])).toEqual([
      ['customeremail', 'direct'],
      ['email_verified', 'none'],
      ['phone_number', 'direct'],
      ['birth_date', 'indirect'],
      ['ssn', 'sensitive'],
      ['name', 'none'],
      ['amount', 'none'],
    ]);
  });

  it('writes a descriptor the core validator accepts, with the key checked and access denied by default', () => {
    const form = filled();
    form.columns[0].key = true;
    const yaml = descriptorYaml(form);
    const checked = checkBundle({ file: 'sales/daily-orders/product.yaml', yaml });
    expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const doc = parse(yaml);
    expect(doc.metadata).toMatchObject({ name: 'daily-orders', domain: 'sales', tags: ['finance', 'orders'] });
    expect(doc.spec.schema.primaryKey).toEqual(['id']);
    expect(doc.spec.schema.columns[0]).toMatchObject({ name: 'id', type: 'bigint', nullable: false });
    expect(doc.spec.quality.checks).toEqual([
      { type: 'unique', column: 'id' },
      { type: 'not_null', column: 'id' },
      { type: 'row_count', min: 1 },
    ]);
    expect(doc.spec.access).toEqual({ default: 'deny', allow: [] });
    expect(doc.spec.transform).toBeUndefined();
  });

  it('puts the transform in transform.sql and a database source as an environment variable, never a secret', () => {
    const form = filled();
    form.source = { ...form.source, kind: 'postgres', connectionEnv: 'ORDERS_DB', query: 'SELECT * FROM orders' };
    form.transformSql = 'SELECT * FROM records';
    form.allowTeams = 'analytics, finance';
    const files = folderFiles(form);
    expect(files.map((f) => f.name)).toEqual(['product.yaml', 'transform.sql', 'README.md']);
    const doc = parse(files[0].text);
    expect(doc.spec.inputs[0].source).toEqual({
      type: 'postgres',
      connection: '${ORDERS_DB}',
      query: 'SELECT * FROM orders',
    });
    expect(doc.spec.transform).toBe('transform.sql');
    expect(doc.spec.access.allow).toEqual([{ team: 'analytics' }, { team: 'finance' }]);
    const checked = checkBundle({ file: 'product.yaml', yaml: files[0].text, transformSql: files[1].text });
    expect(checked.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(files[2].text).toContain('| email | varchar | direct |');
  });

  it('leaves a mistake for the validator to report, located at the field', () => {
    const form = filled();
    form.name = 'Daily Orders';
    const checked = checkBundle({ file: 'product.yaml', yaml: descriptorYaml(form) });
    expect(checked.diagnostics.some((d) => d.severity === 'error' && d.path === 'metadata.name')).toBe(true);
  });
});
