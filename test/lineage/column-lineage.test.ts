/**
 * Column lineage read from DuckDB's own parse of the transform: each output column's input
 * columns and how, the columns that shape the whole result, and `unknown` with the reason
 * wherever the SQL cannot be followed (never a crash).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { columnLineage } from '../../src/lineage/column-lineage.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

describe('column lineage', () => {
  it('follows the invoices-daily example: identity, transformation, aggregation, joins', async () => {
    const sql = readFileSync(`${REPO}/examples/sales/invoices-daily/transform.sql`, 'utf8');
    const lineage = await columnLineage(
      sql,
      ['invoice', 'invoice_line', 'customers'],
      ['invoice_day', 'billing_country', 'invoices', 'lines', 'customers', 'revenue'],
    );
    expect(lineage.columns.map((c) => [c.column, c.kind, c.inputs.map((i) => `${i.input}.${i.column}`)])).toEqual([
      ['invoice_day', 'transformation', ['invoice.invoice_date']],
      ['billing_country', 'identity', ['invoice.billing_country']],
      ['invoices', 'aggregation', ['invoice.invoice_id']],
      ['lines', 'aggregation', ['invoice_line.invoice_line_id']],
      ['customers', 'aggregation', ['customers.customer_id']],
      ['revenue', 'aggregation', ['invoice_line.unit_price', 'invoice_line.quantity']],
    ]);
    expect(lineage.dataset.map((d) => `${d.kind} ${d.input}.${d.column}`).sort()).toEqual([
      'join customers.customer_id',
      'join invoice.customer_id',
      'join invoice.invoice_id',
      'join invoice_line.invoice_id',
    ]);
  });

  it('reads filters and groups, and a SELECT * over one input as identity', async () => {
    const filtered = await columnLineage(
      'SELECT country, count(*) AS n FROM customer WHERE active AND email IS NOT NULL GROUP BY country',
      ['customer'],
      ['country', 'n'],
    );
    expect(filtered.columns.map((c) => [c.column, c.kind])).toEqual([
      ['country', 'identity'],
      ['n', 'aggregation'],
    ]);
    expect(filtered.dataset.map((d) => `${d.kind} ${d.column}`)).toEqual([
      'filter active',
      'filter email',
      'group_by country',
    ]);
    const star = await columnLineage('SELECT * FROM people', ['people'], ['id', 'name']);
    expect(star.columns).toEqual([
      { column: 'id', kind: 'identity', inputs: [{ input: 'people', column: 'id' }] },
      { column: 'name', kind: 'identity', inputs: [{ input: 'people', column: 'name' }] },
    ]);
  });

  it('says unknown, with the reason, where the SQL cannot be followed', async () => {
    const cases: Array<[string, string[], RegExp]> = [
      ['SELEC broken FROM', ['t'], /could not be parsed: syntax error/],
      ['WITH x AS (SELECT a FROM t) SELECT a FROM x', ['t'], /WITH/],
      ['SELECT a FROM (SELECT a FROM t) AS s', ['t'], /subquery in FROM|subquery/],
      ['SELECT a FROM t UNION ALL SELECT a FROM u', ['t', 'u'], /set operation/],
      ['SELECT a FROM t JOIN u ON t.id = u.id', ['t', 'u'], /does not name its input and the query reads 2 inputs/],
      ['SELECT (SELECT max(a) FROM u) AS a FROM t', ['t', 'u'], /subquery/],
      ['SELECT a FROM elsewhere', ['t'], /not an input of the product/],
    ];
    for (const [sql, inputs, reason] of cases) {
      const lineage = await columnLineage(sql, inputs, ['a']);
      expect(lineage.columns[0].kind, sql).toBe('unknown');
      expect(lineage.columns[0].reason, sql).toMatch(reason);
    }
  });
});
