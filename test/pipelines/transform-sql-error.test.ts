/**
 * A transform that does not bind or parse fails the run at `transform.sql:LINE:COL` with a
 * message in a user's words (a did-you-mean where the engine knows the candidates), not the
 * engine's "Binder Error: … LINE n: … ^" layout.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/engine/duckdb-engine.js';
import { transformSqlError } from '../../src/engine/transform-sql-error.js';
import { mesh } from '../helpers/run-mesh.js';

describe('transform SQL errors', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine();
    await engine.connection.run(
      "CREATE TABLE orders AS SELECT 1 AS order_id, DATE '2024-01-01' AS order_date, 2.5 AS amount",
    );
  });
  afterAll(() => engine?.close());

  /** What the run reports for `sql` in transform.sql, from the engine's real message. */
  async function reported(sql: string): Promise<string> {
    try {
      await engine.connection.prepare(sql);
    } catch (error) {
      return transformSqlError((error as Error).message, sql, 'transform.sql');
    }
    throw new Error(`expected the engine to refuse: ${sql}`);
  }

  it('locates and rewords what the engine refuses', async () => {
    const cases: Array<[string, string]> = [
      [
        'SELECT o.order_id,\n       o.order_dat\nFROM orders o',
        'transform.sql:2:8: column "order_dat" not found in o; did you mean "order_date"?',
      ],
      [
        'SELECT order_id,\n  order_dat\nFROM orders',
        'transform.sql:2:3: column "order_dat" not found; did you mean "order_date"?',
      ],
      ['SELECT *\nFROM orderz', 'transform.sql:2:6: no input or table named "orderz"; did you mean "orders"?'],
      ['SELECT x.order_id FROM orders o', 'transform.sql:1:8: no table or alias "x" in the query; did you mean "o"?'],
      ['SELECT order_id,\n  sum(amount\nFROM orders', 'transform.sql:3:1: syntax error at or near "FROM"'],
      [
        'SELECT order_id FROM orders GROUP BY order_date',
        'transform.sql:1:8: column "order_id" must appear in the GROUP BY clause or must be part of an aggregate function. Either add it to the GROUP BY list, or use "ANY_VALUE(order_id)" if the exact value of "order_id" is not important.',
      ],
    ];
    const got = [];
    for (const [sql] of cases) got.push(await reported(sql));
    expect(got).toEqual(cases.map(([, expected]) => expected));
  });

  it('finds the column in a long line the engine shows only a window of', async () => {
    const padding = Array.from({ length: 40 }, (_, i) => `order_id AS c${i}`).join(', ');
    const sql = `SELECT ${padding}, order_dat FROM orders`;
    const message = await reported(sql);
    const col = sql.indexOf('order_dat FROM') + 1;
    expect(message).toBe(`transform.sql:1:${col}: column "order_dat" not found; did you mean "order_date"?`);
  });

  it('mesh run names transform.sql:line:col and the column meant', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'mesh-transform-error-'));
    const env = { MESH_HOME: join(cwd, '.mesh'), MESH_DATABASE_URL: '' };
    const init = await mesh(
      ['init', 'orders-daily', '--domain', 'sales', '--owner', 'sales@company.com', '--template', 'file'],
      { cwd, env },
    );
    expect(init.code).toBe(0);
    const file = join(cwd, 'orders-daily', 'transform.sql');
    const sql = readFileSync(file, 'utf8');
    expect(sql).toContain('\n  label,\n');
    writeFileSync(file, sql.replace('\n  label,\n', '\n  labl,\n'));
    const line = sql.split('\n').findIndex((l) => l === '  label,') + 1;
    const r = await mesh(['run', '--path', join(cwd, 'orders-daily')], { cwd, env });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`error: transform.sql:${line}:3: column "labl" not found; did you mean "label"?\n`);
    expect(r.stderr + r.stdout).not.toMatch(/Binder Error|LINE \d+:|\^/);
  });
});
