/**
 * Every check type on a small snapshot in the real engine: verdict, observed value,
 * threshold, and masked samples for failures.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/engine/duckdb-engine.js';
import { countNulls, runQualityChecks } from '../../src/engine/quality-checks.js';
import { readSnapshotStats } from '../../src/engine/snapshot-stats.js';
import type { ColumnSpec, QualityCheckSpec } from '../../src/descriptor/data-product-schema.js';

const columns: ColumnSpec[] = [
  { name: 'id', type: 'integer', nullable: false, pii: 'none' },
  { name: 'email', type: 'varchar', pii: 'direct', masking: 'hash' },
  { name: 'status', type: 'varchar', pii: 'none' },
  { name: 'amount', type: 'double', pii: 'none' },
  { name: 'updated_at', type: 'timestamp', pii: 'none' },
];

describe('quality checks', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine();
    await engine.connection.run(`CREATE VIEW snapshot AS SELECT * FROM (VALUES
      (1, 'a@x.com', 'open',   10.0, TIMESTAMP '2026-11-20 00:00:00'),
      (2, 'b@x.com', 'closed', 20.0, TIMESTAMP '2026-11-20 06:00:00'),
      (2, NULL,      'bogus',  -5.0, TIMESTAMP '2026-11-19 00:00:00'),
      (4, 'not-an-email', 'open', 30.0, NULL)
    ) AS t(id, email, status, amount, updated_at)`);
  });
  afterAll(() => engine?.close());

  const run = (checks: QualityCheckSpec[], ctx: Partial<Parameters<typeof runQualityChecks>[3]> = {}) =>
    runQualityChecks(engine, checks, columns, {
      rowsIn: 4,
      rowsTransformed: 4,
      recentRowCounts: [],
      now: new Date('2026-11-21T00:00:00Z'),
      ...ctx,
    });

  it('judges every check type and records observed values and thresholds', async () => {
    const results = await run([
      { type: 'null_rate', column: 'email', threshold: 0.3 },
      { type: 'null_rate', column: 'email', threshold: 0.2 },
      { type: 'not_null', columns: ['id', 'updated_at'] },
      { type: 'unique', column: 'id' },
      { type: 'unique', columns: ['id', 'status'] },
      { type: 'accepted_values', column: 'status', values: ['open', 'closed'] },
      { type: 'range', column: 'amount', min: 0, max: 100 },
      { type: 'regex', column: 'email', pattern: '^[^@]+@[^@]+$' },
      { type: 'freshness', column: 'updated_at', maxAge: '1d' },
      { type: 'freshness', column: 'updated_at', maxAge: '12h', severity: 'warn' },
      { type: 'row_count', min: 1, max: 3 },
      { type: 'row_count_vs_source', threshold: 0.9 },
      { type: 'sql', name: 'no_negative_open', sql: "SELECT * FROM snapshot WHERE status = 'open' AND amount < 0" },
      { type: 'sql', name: 'negative', sql: 'SELECT * FROM snapshot WHERE amount < 0;' },
    ]);
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ['null_rate(email)', 'pass'],
      ['null_rate(email)', 'fail'],
      ['not_null(id, updated_at)', 'fail'],
      ['unique(id)', 'fail'],
      ['unique(id, status)', 'pass'],
      ['accepted_values(status)', 'fail'],
      ['range(amount)', 'fail'],
      ['regex(email)', 'fail'],
      ['freshness(updated_at)', 'pass'],
      ['freshness(updated_at)', 'fail'],
      ['row_count', 'fail'],
      ['row_count_vs_source', 'pass'],
      ['no_negative_open', 'pass'],
      ['negative', 'fail'],
    ]);
    expect(results[1]).toMatchObject({ observed: 0.25, threshold: 0.2, severity: 'error' });
    expect(results[3]).toMatchObject({ observed: 1, message: '1 duplicate (or null) value(s) of id' });
    expect(results[6].observed).toEqual({ outside: 1, min: -5, max: 30 });
    expect(results[9]).toMatchObject({
      severity: 'warn',
      observed: { newest: '2026-11-20T06:00:00.000Z', ageSeconds: 64_800 },
    });
    expect(results[10]).toMatchObject({ observed: 4, threshold: { min: 1, max: 3 } });
  });

  it('samples failing rows (at most 10) with direct PII masked', async () => {
    const [unique, regex] = await run([
      { type: 'unique', column: 'id' },
      { type: 'regex', column: 'email', pattern: '@' },
    ]);
    expect(unique.samples).toHaveLength(2);
    expect(unique.samples!.map((r) => r.id)).toEqual([2, 2]);
    expect(unique.samples!.find((r) => r.email !== null)!.email).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(regex.samples).toEqual([expect.objectContaining({ id: 4, email: expect.stringMatching(/^sha256:/) })]);
    expect(JSON.stringify([unique, regex])).not.toContain('b@x.com');
  });

  it('compares accepted values in the column type, ignoring values that cannot be of it', async () => {
    const [amounts, ids, times] = await run([
      { type: 'accepted_values', column: 'amount', values: [10, '20.00', 30, -5] },
      { type: 'accepted_values', column: 'id', values: [1, 2, 'four'] },
      {
        type: 'accepted_values',
        column: 'updated_at',
        values: ['2026-11-20', '2026-11-19 00:00:00', '2026-11-20T06:00:00'],
      },
    ]);
    expect(amounts).toMatchObject({ status: 'pass', observed: 0 });
    expect(ids).toMatchObject({ status: 'fail', observed: 1, message: '1 row(s) of id outside the accepted values' });
    expect(ids.samples!.map((r) => r.id)).toEqual([4]);
    expect(times).toMatchObject({ status: 'pass', observed: 0 });
  });

  it('compares row counts with the 7-day average of successful runs', async () => {
    const [ok] = await run([{ type: 'row_count_delta', threshold: 0.2 }], { recentRowCounts: [4, 5, 3] });
    expect(ok).toMatchObject({ status: 'pass', observed: { rows: 4, average: 4, delta: 0 } });
    const [bad] = await run([{ type: 'row_count_delta', threshold: 0.2 }], { recentRowCounts: [10, 10] });
    expect(bad).toMatchObject({ status: 'fail', observed: { rows: 4, average: 10, delta: 0.6 } });
  });

  it('says in each message what was observed and what was allowed', async () => {
    const results = await run(
      [
        { type: 'null_rate', column: 'email', threshold: 0.2 },
        { type: 'null_rate', column: 'email' },
        { type: 'not_null', columns: ['id', 'updated_at'] },
        { type: 'not_null', column: 'email' },
        { type: 'unique', column: 'email' },
        { type: 'range', column: 'amount', min: 0, max: 100 },
        { type: 'range', column: 'amount', max: 20 },
        { type: 'range', column: 'amount', min: 0 },
        { type: 'regex', column: 'email', pattern: '^[^@]+@[^@]+$' },
        { type: 'regex', column: 'email', pattern: '^[a-z@.-]+$' },
        { type: 'freshness', column: 'updated_at', maxAge: '12h' },
        { type: 'row_count', min: 1, max: 3 },
        { type: 'row_count', max: 10 },
        { type: 'row_count_delta', threshold: 0.2 },
        { type: 'row_count_delta' },
        { type: 'row_count_vs_source', threshold: 0.9 },
      ],
      { recentRowCounts: [10, 10] },
    );
    expect(results.map((r) => [r.status, r.message])).toEqual([
      ['fail', '25% of email is null (at most 20% allowed)'],
      ['fail', '25% of email is null (at most 0% allowed)'],
      ['fail', '1 row(s) with a null in one of id, updated_at'],
      ['fail', '1 row(s) with a null in email'],
      ['fail', '1 duplicate (or null) value(s) of email'],
      ['fail', '1 row(s) of amount outside [0, 100]'],
      ['fail', '1 row(s) of amount outside [-∞, 20]'],
      ['fail', '1 row(s) of amount outside [0, ∞]'],
      ['fail', '1 row(s) of email do not match /^[^@]+@[^@]+$/'],
      ['pass', '0 row(s) of email do not match /^[a-z@.-]+$/'],
      ['fail', 'newest updated_at is 18h old (at most 12h allowed)'],
      ['fail', '4 row(s) (expected 1 to 3)'],
      ['pass', '4 row(s) (expected 0 to 10)'],
      ['fail', '4 row(s) vs a 7-day average of 10: 60% change (at most 20% allowed)'],
      ['fail', '4 row(s) vs a 7-day average of 10: 60% change (at most 0% allowed)'],
      ['pass', '4 row(s) out of 4 extracted: ratio 1 (at least 0.9 required)'],
    ]);
    expect(results[5].threshold).toEqual({ min: 0, max: 100 });
    expect(results[9]).toMatchObject({ observed: 0, threshold: '^[a-z@.-]+$', samples: null });
  });

  it('gives the age of the newest row in seconds, minutes, hours or days', async () => {
    const newest = Date.parse('2026-11-20T06:00:00Z');
    const ages = [119, 120, 7199, 7200, 172_799, 172_800];
    const messages = [];
    for (const age of ages) {
      const [r] = await run([{ type: 'freshness', column: 'updated_at', maxAge: '1s' }], {
        now: new Date(newest + age * 1000),
      });
      messages.push(r.message);
    }
    expect(messages).toEqual(
      ['119s', '2m', '120m', '2h', '48h', '2d'].map((age) => `newest updated_at is ${age} old (at most 1s allowed)`),
    );
  });

  it('compares with nothing when no run succeeded in the last 7 days, and with an average of 0', async () => {
    const [none] = await run([{ type: 'row_count_delta', threshold: 0.2 }]);
    expect(none).toMatchObject({
      status: 'pass',
      observed: { rows: 4, average: null },
      message: '4 row(s); no successful run in the last 7 days to compare with yet',
    });
    const [fromZero] = await run([{ type: 'row_count_delta', threshold: 0.5 }], { recentRowCounts: [0, 0] });
    expect(fromZero).toMatchObject({ status: 'fail', observed: { rows: 4, average: 0, delta: 1 } });
  });

  it("fails a check that cannot run with the engine's reason, and still judges the others", async () => {
    const results = await run([
      { type: 'not_null', column: 'nope' },
      { type: 'range', column: 'status', min: 0 },
      { type: 'row_count', min: 1 },
      { type: 'regex', column: 'email', pattern: '(' },
    ]);
    expect(results.map((r) => [r.status, r.message.replace(/:.*$/s, ':'), r.observed])).toEqual([
      ['fail', 'the check could not run:', null],
      ['fail', 'the check could not run:', null],
      ['pass', '4 row(s) (expected 1 to ∞)', 4],
      ['fail', 'the check could not run:', null],
    ]);
    expect(results[0].message).toContain('"nope" not found');
    expect(results[1].message).toContain('Cannot compare values of type VARCHAR');
  });

  it('runs an sql check only when it is one SELECT, and reports its failure', async () => {
    const results = await run([
      { type: 'sql', name: 'delete', sql: 'DELETE FROM snapshot' },
      { type: 'sql', name: 'stacked', sql: 'SELECT 1; SELECT 2' },
      { type: 'sql', name: 'missing', sql: 'SELECT * FROM nowhere' },
      { type: 'sql', name: 'none', sql: 'SELECT * FROM snapshot WHERE amount > 1000' },
    ]);
    expect(results.map((r) => [r.name, r.status, r.message])).toEqual([
      [
        'delete',
        'fail',
        "the check's query must be exactly one SELECT: only one SELECT (or WITH … SELECT) is allowed here, not DELETE",
      ],
      [
        'stacked',
        'fail',
        "the check's query must be exactly one SELECT: 2 statements where exactly one SELECT is allowed (line 1, column 9)",
      ],
      ['missing', 'fail', "the check's query failed: Catalog Error: Table with name nowhere does not exist!"],
      ['none', 'pass', '0 failing row(s)'],
    ]);
    expect(results[3]).toMatchObject({ observed: 0, samples: null });
  });

  it('passes every threshold check exactly at its boundary ("at most" and "at least" include the limit)', async () => {
    // 1 of 4 emails is null (25 %); 4 rows vs an average of 5 (a 20 % change); 4 of 5 rows kept;
    // the newest update is 18 h old; amounts span -5 to 30.
    const results = await run(
      [
        { type: 'null_rate', column: 'email', threshold: 0.25 },
        { type: 'row_count_delta', threshold: 0.2 },
        { type: 'row_count', min: 4, max: 4 },
        { type: 'row_count_vs_source', threshold: 0.8 },
        { type: 'freshness', column: 'updated_at', maxAge: '18h' },
        { type: 'range', column: 'amount', min: -5, max: 30 },
      ],
      { recentRowCounts: [5, 5], rowsIn: 5 },
    );
    expect(results.map((r) => [r.name, r.status, r.observed])).toEqual([
      ['null_rate(email)', 'pass', 0.25],
      ['row_count_delta', 'pass', { rows: 4, average: 5, delta: 0.2 }],
      ['row_count', 'pass', 4],
      ['row_count_vs_source', 'pass', { rowsOut: 4, rowsIn: 5, ratio: 0.8 }],
      ['freshness(updated_at)', 'pass', { newest: '2026-11-20T06:00:00.000Z', ageSeconds: 64_800 }],
      ['range(amount)', 'pass', { outside: 0, min: -5, max: 30 }],
    ]);
    // Just past each boundary, the same checks fail.
    const past = await run(
      [
        { type: 'null_rate', column: 'email', threshold: 0.2499 },
        { type: 'row_count_delta', threshold: 0.1999 },
        { type: 'row_count', min: 5 },
        { type: 'row_count', max: 3 },
        { type: 'row_count_vs_source', threshold: 0.8001 },
        { type: 'freshness', column: 'updated_at', maxAge: '17h' },
      ],
      { recentRowCounts: [5, 5], rowsIn: 5 },
    );
    expect(past.map((r) => r.status)).toEqual(['fail', 'fail', 'fail', 'fail', 'fail', 'fail']);
  });
});

describe('quality checks on an empty snapshot, or one whose data cannot be read', () => {
  const ctx = { rowsIn: 0, rowsTransformed: 0, recentRowCounts: [0, 0], now: new Date('2026-11-21T00:00:00Z') };

  it('judges an empty snapshot without dividing by zero', async () => {
    const engine = await openEngine();
    try {
      await engine.connection.run(
        'CREATE TABLE snapshot (id INTEGER, email VARCHAR, status VARCHAR, amount DOUBLE, updated_at TIMESTAMP)',
      );
      const results = await runQualityChecks(
        engine,
        [
          { type: 'null_rate', column: 'email' },
          { type: 'freshness', column: 'updated_at', maxAge: '1d' },
          { type: 'row_count_delta', threshold: 0.1 },
          { type: 'row_count_vs_source', threshold: 0.9 },
          { type: 'range', column: 'amount', min: 0 },
        ],
        columns,
        ctx,
      );
      expect(results.map((r) => [r.status, r.observed, r.message])).toEqual([
        ['pass', 0, '0% of email is null (at most 0% allowed)'],
        ['fail', null, 'updated_at has no values, so the data has no age'],
        [
          'pass',
          { rows: 0, average: 0, delta: 0 },
          '0 row(s) vs a 7-day average of 0: 0% change (at most 10% allowed)',
        ],
        ['pass', { rowsOut: 0, rowsIn: 0, ratio: 1 }, '0 row(s) out of 0 extracted: ratio 1 (at least 0.9 required)'],
        ['pass', { outside: 0, min: null, max: null }, '0 row(s) of amount outside [0, ∞]'],
      ]);
    } finally {
      engine.close();
    }
  });

  it('passes no check when reading the data fails (a conversion at run time)', async () => {
    const engine = await openEngine();
    try {
      await engine.connection.run(
        "CREATE VIEW snapshot AS SELECT CAST(v AS INTEGER) AS id FROM (VALUES ('1'), ('x')) AS t(v)",
      );
      const results = await runQualityChecks(
        engine,
        [
          { type: 'row_count', min: 1 },
          { type: 'not_null', column: 'id' },
          { type: 'sql', name: 'negative', sql: 'SELECT * FROM snapshot WHERE id < 0' },
        ],
        [{ name: 'id', type: 'integer', pii: 'none' }],
        ctx,
      );
      expect(results.map((r) => [r.status, r.message.replace(/:.*$/s, ':')])).toEqual([
        ['fail', 'the check could not run:'],
        ['fail', 'the check could not run:'],
        ['fail', "the check's query failed:"],
      ]);
      expect(results[0].message).toContain("Could not convert string 'x'");
    } finally {
      engine.close();
    }
  });
});

describe('checks settled by the snapshot file statistics', () => {
  let engine: Engine;
  let dir: string;
  const statColumns: ColumnSpec[] = [
    { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
    { name: 'price', type: 'decimal(10,2)', pii: 'none' },
    { name: 'ratio', type: 'double', pii: 'none' },
    { name: 'huge', type: 'bigint', pii: 'none' },
    { name: 'empty', type: 'integer', pii: 'none' },
    { name: 'email', type: 'varchar', pii: 'direct', masking: 'hash' },
    { name: 'active', type: 'boolean', pii: 'none' },
  ];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mesh-stats-'));
    engine = await openEngine();
    // Several row groups; nulls in some; a bigint beyond 2^53; a column with no values at all.
    await engine.connection
      .run(`COPY (SELECT i::BIGINT AS id, CASE WHEN i % 1000 = 7 THEN NULL ELSE (i % 500) / 4 END::DECIMAL(10,2) AS price,
        i / 3000.0 AS ratio, CASE WHEN i = 2500 THEN 9007199254740993 ELSE i END::BIGINT AS huge, NULL::INTEGER AS empty,
        CASE WHEN i % 700 = 0 THEN NULL ELSE 'user' || i || '@x.com' END AS email, i % 2 = 0 AS active
      FROM range(1, 3001) AS t(i)) TO '${join(dir, 'snap.parquet')}' (FORMAT parquet, ROW_GROUP_SIZE 1000)`);
    await engine.connection.run(`CREATE VIEW snapshot AS SELECT * FROM read_parquet('${join(dir, 'snap.parquet')}')`);
  });
  afterAll(() => {
    engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads null counts, and exact ranges only where numbers compare exactly', async () => {
    const stats = await readSnapshotStats(engine, join(dir, 'snap.parquet'), statColumns);
    expect(stats.get('id')).toEqual({ nulls: 0, range: { min: 1, max: 3000 } });
    expect(stats.get('price')).toEqual({ nulls: 3, range: { min: 0, max: 124.75 } });
    expect(stats.get('ratio')).toEqual({ nulls: 0 }); // doubles may hold NaN: the scan decides
    expect(stats.get('huge')).toEqual({ nulls: 0 }); // 2^53 + 1 does not survive a double
    expect(stats.get('empty')).toEqual({ nulls: 3000, range: { min: null, max: null } });
    expect(stats.get('email')).toEqual({ nulls: 4 });
  });

  it('counts nulls per column from the statistics where they have them, the rest by a scan', async () => {
    const stats = await readSnapshotStats(engine, join(dir, 'snap.parquet'), statColumns);
    const fromStats = new Map(
      [...stats].map(([name, s]) => [name, { ...s, nulls: name === 'ratio' ? null : s.nulls }]),
    );
    const counts = await countNulls(engine, ['price', 'email', 'ratio', 'empty'], fromStats);
    expect([...counts]).toEqual([
      ['price', 3],
      ['email', 4],
      ['empty', 3000],
      ['ratio', 0],
    ]);
    expect([...(await countNulls(engine, ['email'], new Map()))]).toEqual([['email', 4]]);
  });

  it('gives the same verdicts, observed values and samples as a full scan', async () => {
    const checks: QualityCheckSpec[] = [
      { type: 'not_null', column: 'id' },
      { type: 'not_null', column: 'price' },
      { type: 'not_null', columns: ['id', 'email'] },
      { type: 'null_rate', column: 'email', threshold: 0.001 },
      { type: 'null_rate', column: 'price', threshold: 0.01 },
      { type: 'range', column: 'id', min: 1, max: 3000 },
      { type: 'range', column: 'id', min: 2 },
      { type: 'range', column: 'price', max: 100 },
      { type: 'range', column: 'price', min: 0, max: 124.75 },
      { type: 'range', column: 'huge', max: 9007199254740992 },
      { type: 'range', column: 'empty', min: 0, max: 1 },
      { type: 'range', column: 'ratio', min: 0, max: 0.5 },
      { type: 'accepted_values', column: 'active', values: [true, false] },
      { type: 'accepted_values', column: 'active', values: [true] },
      { type: 'row_count', min: 3000 },
    ];
    const ctx = { rowsIn: 3000, rowsTransformed: 3000, recentRowCounts: [], now: new Date('2026-11-21T00:00:00Z') };
    const stats = await readSnapshotStats(engine, join(dir, 'snap.parquet'), statColumns);
    const scanned = await runQualityChecks(engine, checks, statColumns, ctx);
    const settled = await runQualityChecks(engine, checks, statColumns, { ...ctx, stats });
    expect(settled).toEqual(scanned);
    expect(scanned.map((c) => c.status)).toEqual([
      'pass',
      'fail',
      'fail',
      'fail',
      'pass',
      'pass',
      'fail',
      'fail',
      'pass',
      'fail',
      'pass',
      'fail',
      'pass',
      'fail',
      'pass',
    ]);
    expect(scanned[8].observed).toEqual({ outside: 0, min: 0, max: 124.75 });
    // Samples are the first failing rows in the file's order (nulls of price at i % 1000 = 7).
    expect(scanned[1].samples!.map((r) => Number(r.id))).toEqual([7, 1007, 2007]);
  });

  it('shows the same samples on every run: the first failing rows of the snapshot', async () => {
    // Many row groups, failing rows in all of them: a parallel scan reaches several at once.
    const file = join(dir, 'many.parquet');
    await engine.connection.run(
      `COPY (SELECT i::BIGINT AS id, i % 2 = 0 AS active FROM range(1, 200001) AS t(i)) TO '${file}' (FORMAT parquet, ROW_GROUP_SIZE 10000)`,
    );
    const checks: QualityCheckSpec[] = [
      { type: 'accepted_values', column: 'active', values: [true] },
      { type: 'sql', name: 'odd', sql: 'SELECT * FROM snapshot WHERE NOT active' },
    ];
    const cols: ColumnSpec[] = [
      { name: 'id', type: 'bigint', pii: 'none' },
      { name: 'active', type: 'boolean', pii: 'none' },
    ];
    const seen = new Set<string>();
    const first = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19];
    const own = await openEngine();
    try {
      await own.connection.run(`CREATE VIEW snapshot AS SELECT * FROM read_parquet('${file}')`);
      for (let i = 0; i < 25; i++) {
        const outcomes = await runQualityChecks(own, checks, cols, {
          rowsIn: 0,
          rowsTransformed: 0,
          recentRowCounts: [],
          now: new Date(),
        });
        for (const o of outcomes) seen.add(JSON.stringify(o.samples!.map((r) => Number(r.id))));
      }
      // The engine is left as it was: writes still stream without insertion order.
      expect((await own.rows(`SELECT current_setting('preserve_insertion_order') AS v`))[0].v).toBe(false);
    } finally {
      own.close();
    }
    expect([...seen]).toEqual([JSON.stringify(first)]);
  });
});
