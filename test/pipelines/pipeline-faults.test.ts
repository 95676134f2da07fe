/**
 * Bad input and faults, as a user meets them: dead or refusing sources, SQL errors with
 * positions, schema drift, nulls where none are allowed, unknown columns in checks, two runs
 * at once, a run killed while publishing, a full disk.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import { openEngine } from '../../src/engine/duckdb-engine.js';
import { readCurrentPointer } from '../../src/ports/warehouse.js';
import { createChinookDatabase, REPO_ROOT, type ChinookDatabase } from '../helpers/chinook.js';
import { createPipelineHarness, pipelineBundle, type PipelineHarness } from '../helpers/pipelines.js';
import { mesh } from '../helpers/run-mesh.js';

const columns = [
  { name: 'customer_id', type: 'integer', nullable: false, pii: 'none' as const },
  { name: 'email', type: 'varchar', nullable: false, pii: 'direct' as const, masking: 'hash' as const },
  { name: 'support_rep_id', type: 'integer', pii: 'none' as const },
];

function customersBundle(
  name: string,
  o: {
    connection?: string;
    query?: string;
    sql?: string;
    version?: string;
    cols?: typeof columns;
    type?: 'postgres' | 'mysql';
  } = {},
) {
  return pipelineBundle({
    domain: 'faults',
    name,
    version: o.version,
    inputs: [
      {
        name: 'customer',
        source: {
          type: o.type ?? 'postgres',
          connection: o.connection ?? '${CHINOOK_DB_URI}',
          query: o.query ?? 'SELECT customer_id, email, support_rep_id FROM customer',
        },
      },
    ],
    sql: o.sql ?? 'SELECT customer_id, email, support_rep_id FROM customer',
    columns: o.cols ?? columns,
    primaryKey: ['customer_id'],
    checks: [{ type: 'unique', column: 'customer_id' }],
  });
}

describe('pipeline faults', () => {
  let chinook: ChinookDatabase;
  let h: PipelineHarness;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    chinook = await createChinookDatabase();
    h = await createPipelineHarness('sqlite');
    env = { ...process.env, CHINOOK_DB_URI: chinook.url };
  });
  afterAll(async () => {
    await h?.dispose();
    await chinook?.drop();
  });

  it('a source that is down: the run fails naming the input and host, never the password', async () => {
    await h.platform.publish(customersBundle('down'));
    const outcome = await h.platform.runProduct('faults/down', {
      env: { ...env, CHINOOK_DB_URI: 'postgres://mesh:s3cret-pw@127.0.0.1:1/chinook' },
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/input customer: cannot reach PostgreSQL at 127\.0\.0\.1:1 \(ECONNREFUSED\)/);
    expect(JSON.stringify(outcome)).not.toContain('s3cret-pw');
    const runs = await h.platform.listRuns('faults/down');
    expect(runs[0]).toMatchObject({ status: 'failed' });
    expect(JSON.stringify(runs)).not.toContain('s3cret-pw');
  });

  it('a source that refuses the login (PostgreSQL and MariaDB): the message names input and host, not the password', async () => {
    await h.platform.publish(customersBundle('refused'));
    const pgOutcome = await h.platform.runProduct('faults/refused', {
      env: { ...env, CHINOOK_DB_URI: chinook.url.replace('postgres@', 'no_such_mesh_user:s3cret-pw@') },
    });
    expect(pgOutcome.error).toMatch(/input customer: PostgreSQL at 127\.0\.0\.1:5432 refused the login/);
    expect(JSON.stringify(pgOutcome)).not.toContain('s3cret-pw');

    await h.platform.publish(
      customersBundle('refused-mysql', { type: 'mysql', connection: '${MARIA_URI}', query: 'SELECT 1 AS customer_id' }),
    );
    const myOutcome = await h.platform.runProduct('faults/refused-mysql', {
      env: { ...env, MARIA_URI: 'mysql://root:s3cret-pw@127.0.0.1:3306/mysql' },
    });
    expect(myOutcome.error).toMatch(/input customer: MySQL at 127\.0\.0\.1:3306 refused the login: Access denied/);
    expect(JSON.stringify(myOutcome)).not.toContain('s3cret-pw');
  });

  it('an SQL error in the source query: the database message and the position in the query', async () => {
    await h.platform.publish(
      customersBundle('bad-source', { query: 'SELECT customer_id, email\nFROM customer WHER customer_id = 1' }),
    );
    const outcome = await h.platform.runProduct('faults/bad-source', { env });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(
      /input customer: PostgreSQL rejected the source query: syntax error at or near "customer_id" \(line 2, column 20 of the source query\)\n {2}FROM customer WHER customer_id = 1\n {21}\^/,
    );
    expect(outcome.steps).toEqual([expect.objectContaining({ name: 'extract', status: 'failed' })]);
  });

  it.each(['one-pass', 'staged'])(
    'a source query that fails half-way through the data (%s extract) publishes nothing',
    async (mode) => {
      const name = `mid-stream-${mode}`;
      await h.platform.publish(
        customersBundle(name, {
          query: 'SELECT customer_id, email, 100 / (customer_id - 40) AS support_rep_id FROM customer',
        }),
      );
      const outcome = await h.platform.runProduct(`faults/${name}`, {
        env: { ...env, MESH_STREAMED_EXTRACT: mode === 'staged' ? '0' : '1' },
      });
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toMatch(/input customer: PostgreSQL rejected the source query: division by zero/);
      expect(outcome.steps.at(-1)).toMatchObject({
        name: mode === 'staged' ? 'extract' : 'transform',
        status: 'failed',
      });
      expect(outcome.snapshotId).toBeNull();
      expect(readCurrentPointer(h.platform.config.warehouseDir, `faults/${name}`, 1)).toBeUndefined();
    },
  );

  it('a transform that reads an input twice gets it staged instead of streamed, with the same result', async () => {
    await h.platform.publish(
      customersBundle('self-join', {
        sql: 'SELECT a.customer_id, a.email, b.support_rep_id FROM customer a JOIN customer b USING (customer_id)',
      }),
    );
    const outcome = await h.platform.runProduct('faults/self-join', { env });
    expect(outcome.error).toBeNull();
    expect(outcome.rowsOut).toBe(59);
    expect(outcome.inputs).toEqual([{ name: 'customer', kind: 'postgres', rowsIn: 59 }]);
  });

  it.each(['one-pass', 'staged'])(
    '%s extract keeps awkward text intact: commas, quotes, newlines, empty strings vs nulls',
    async (mode) => {
      await chinook.query(`CREATE TABLE IF NOT EXISTS awkward AS SELECT g AS customer_id, CASE g % 5
        WHEN 0 THEN 'a,b' WHEN 1 THEN E'line1\\nline2' WHEN 2 THEN 'say "hi", twice ""' WHEN 3 THEN '' ELSE NULL END AS email,
        g AS support_rep_id FROM generate_series(1, 30000) AS g`);
      const name = `awkward-${mode}`;
      await h.platform.publish(
        customersBundle(name, {
          query: 'SELECT * FROM awkward',
          sql: 'SELECT * FROM customer',
          cols: [columns[0], { ...columns[1], nullable: true }, columns[2]],
        }),
      );
      const outcome = await h.platform.runProduct(`faults/${name}`, {
        env: { ...env, MESH_STREAMED_EXTRACT: mode === 'staged' ? '0' : '1' },
      });
      expect(outcome.error).toBeNull();
      expect(outcome.inputs[0].rowsIn).toBe(30000);
      const engine = await openEngine();
      const file = readCurrentPointer(h.platform.config.warehouseDir, `faults/${name}`, 1)!.file;
      const rows = await engine.rows(
        `SELECT customer_id % 5 AS k, count(*) AS n, count(DISTINCT email) AS d, min(email) AS v, count(email) AS nn FROM read_parquet('${file}') GROUP BY 1 ORDER BY 1`,
      );
      engine.close();
      expect(rows).toEqual([
        { k: 0, n: '6000', d: '1', v: 'a,b', nn: '6000' },
        { k: 1, n: '6000', d: '1', v: 'line1\nline2', nn: '6000' },
        { k: 2, n: '6000', d: '1', v: 'say "hi", twice ""', nn: '6000' },
        { k: 3, n: '6000', d: '1', v: '', nn: '6000' },
        { k: 4, n: '6000', d: '0', v: null, nn: '0' },
      ]);
    },
  );

  it('an SQL error in the transform: its file, line and column, in words, with a did-you-mean', async () => {
    await h.platform.publish(
      customersBundle('bad-transform', { sql: 'SELECT customer_id,\n  emial, support_rep_id FROM customer' }),
    );
    const outcome = await h.platform.runProduct('faults/bad-transform', { env });
    expect(outcome.error).toBe('transform.sql:2:3: column "emial" not found; did you mean "email"?');
  });

  it("product SQL cannot read the host's files", async () => {
    await h.platform.publish(
      customersBundle('snoop', {
        sql: "SELECT customer_id, email, support_rep_id FROM customer, read_csv('/etc/passwd', header = false, columns = {'line': 'VARCHAR'})",
      }),
    );
    const outcome = await h.platform.runProduct('faults/snoop', { env });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/Cannot access file "\/etc\/passwd"/);
  });

  it('schema drift in a source: a column changing type or appearing fails the run naming the column', async () => {
    await chinook.query('CREATE TABLE drifting AS SELECT customer_id, email, support_rep_id FROM customer');
    await h.platform.publish(
      customersBundle('drift', { query: 'SELECT * FROM drifting', sql: 'SELECT * FROM customer' }),
    );
    expect((await h.platform.runProduct('faults/drift', { env })).status).toBe('succeeded');
    await chinook.query('ALTER TABLE drifting ALTER COLUMN support_rep_id TYPE text');
    const typed = await h.platform.runProduct('faults/drift', { env });
    expect(typed.error).toMatch(/column "support_rep_id" is VARCHAR in the transform result but declared integer/);
    await chinook.query('ALTER TABLE drifting ALTER COLUMN support_rep_id TYPE integer USING support_rep_id::integer');
    await chinook.query('ALTER TABLE drifting ADD COLUMN loyalty_tier text');
    const extra = await h.platform.runProduct('faults/drift', { env });
    expect(extra.error).toMatch(
      /the transform returns column "loyalty_tier" \(VARCHAR\), which is not in spec.schema.columns/,
    );
    await chinook.query('ALTER TABLE drifting DROP COLUMN loyalty_tier, DROP COLUMN email');
    const missing = await h.platform.runProduct('faults/drift', { env });
    expect(missing.error).toMatch(
      /column "email" \(varchar\) is declared in spec.schema.columns but the transform does not return it/,
    );
  });

  it('a source row the engine cannot read: the run names the input, the row and the column, and shows no data', async () => {
    const decimal = [columns[0], columns[1], { name: 'support_rep_id', type: 'decimal(12,2)', pii: 'none' as const }];
    // NaN is a valid PostgreSQL numeric with no DECIMAL form; the row also holds an email (PII).
    const nan =
      "SELECT customer_id, email, (CASE WHEN customer_id = 7 THEN 'NaN' ELSE '1' END)::numeric(12,2) AS support_rep_id FROM customer ORDER BY customer_id";
    await h.platform.publish(customersBundle('unreadable-value', { query: nan, cols: decimal }));
    await h.platform.publish(
      customersBundle('unreadable-value-staged', {
        query: nan,
        cols: decimal,
        sql: 'SELECT * FROM customer WHERE customer_id IN (SELECT customer_id FROM customer)',
      }),
    );
    for (const name of ['unreadable-value', 'unreadable-value-staged']) {
      const outcome = await h.platform.runProduct(`faults/${name}`, { env });
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toBe(
        'input customer: row 7 of the source: a value of column "support_rep_id" cannot be read as DECIMAL (NaN and infinities have no DECIMAL form); the value is not shown, it may be personal data',
      );
    }
    const {
      rows: [{ email }],
    } = await chinook.query('SELECT email FROM customer WHERE customer_id = 7');
    const runs = await h.platform.listRuns('faults/unreadable-value');
    expect(JSON.stringify(runs)).toContain('row 7 of the source');
    expect(JSON.stringify(runs)).not.toContain(email);

    // A row longer than the engine's reader takes (4 MiB): from PostgreSQL (streamed) and from MariaDB (staged).
    await h.platform.publish(
      customersBundle('long-row', {
        query: "SELECT customer_id, repeat('x', 5000000) AS email, support_rep_id FROM customer",
      }),
    );
    const long = await h.platform.runProduct('faults/long-row', { env });
    expect(long.error).toMatch(
      /^input customer: row 1 of the source is 5,000,0\d\d bytes long; a row may be at most 4,194,304 bytes \(leave the long column out/,
    );
    await h.platform.publish(
      customersBundle('long-row-mysql', {
        type: 'mysql',
        connection: '${MARIA_URI}',
        query: "SELECT 1 AS customer_id, REPEAT('x', 5000000) AS email, 2 AS support_rep_id",
      }),
    );
    const longMysql = await h.platform.runProduct('faults/long-row-mysql', {
      env: { ...env, MARIA_URI: 'mysql://root@127.0.0.1:3306/mysql' },
    });
    expect(longMysql.error).toMatch(
      /^input customer: row 1 of the source is 5,000,0\d\d bytes long; a row may be at most 4,194,304 bytes/,
    );
    for (const o of [long, longMysql]) expect(o.error).not.toMatch(/xxxxxxxxxx|\.fifo|max_line_size/);
  });

  it('a CSV file whose rows do not fit its header, or whose values do not fit their column: the run names the file and line, shows no data, and keeps the last good snapshot', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-csv-'));
    try {
      const bundle = (name: string, file: string, sql = 'SELECT id, email FROM people') =>
        pipelineBundle({
          domain: 'faults',
          name,
          inputs: [{ name: 'people', source: { type: 'file', path: join(dir, file), format: 'csv' } }],
          sql,
          primaryKey: ['id'],
          columns: [
            { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
            { name: 'email', type: 'varchar', pii: 'direct', masking: 'hash' },
          ],
        });
      const people = (n: number) => Array.from({ length: n }, (_, i) => `${i + 1},p${i + 1}@x.com`).join('\n');
      writeFileSync(join(dir, 'people.csv'), `id,email\n${people(3)}\n`);
      await h.platform.publish(bundle('ragged-csv', 'people.csv'));
      expect((await h.platform.runProduct('faults/ragged-csv', { env })).status).toBe('succeeded');
      const good = readCurrentPointer(h.platform.config.warehouseDir, 'faults/ragged-csv', 1)!;

      // A row short of a field (the sniffer then takes the file for one column with another delimiter).
      writeFileSync(join(dir, 'people.csv'), `id,email\n${people(2)}\n3\n4,p4@x.com\n`);
      const short = await h.platform.runProduct('faults/ragged-csv', { env });
      expect(short.error).toBe(
        `input people: line 4 of ${join(dir, 'people.csv')} has 1 field(s) where the header has 2`,
      );
      expect(readCurrentPointer(h.platform.config.warehouseDir, 'faults/ragged-csv', 1)).toEqual(good);
      // A row with a field too many, semicolons as the delimiter.
      writeFileSync(join(dir, 'people.csv'), `id;email\n1;p1@x.com\n2;p2@x.com;secret-extra\n`);
      const extra = await h.platform.runProduct('faults/ragged-csv', { env });
      expect(extra.error).toBe(
        `input people: line 3 of ${join(dir, 'people.csv')} has 3 field(s) where the header has 2`,
      );
      expect(JSON.stringify(extra)).not.toContain('secret-extra');

      // A value that does not fit the type the sniffer chose from the first 20,480 rows.
      writeFileSync(join(dir, 'late.csv'), `id,email\n${people(30_000)}\nnot-a-number-p30001@x.com,p30001@x.com\n`);
      await h.platform.publish(bundle('late-bad-value', 'late.csv'));
      const late = await h.platform.runProduct('faults/late-bad-value', { env });
      expect(late.error).toBe(
        `input people: line 30,002 of ${join(dir, 'late.csv')}: a value of column "id" cannot be read as BIGINT; the value is not shown, it may be personal data`,
      );
      expect(JSON.stringify(late)).not.toContain('p30001@x.com');

      // One column whose quoted name holds a comma is a consistent file, and reads.
      writeFileSync(join(dir, 'one.csv'), '"id,total"\n1\n2\n');
      await h.platform.publish(
        bundle('one-column-csv', 'one.csv', 'SELECT "id,total" AS id, NULL::VARCHAR AS email FROM people'),
      );
      const one = await h.platform.runProduct('faults/one-column-csv', { env });
      expect(one).toMatchObject({ status: 'succeeded', rowsOut: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('nulls in a non-nullable column fail the conform step naming the column', async () => {
    await h.platform.publish(
      customersBundle('nulls', {
        cols: [...columns.slice(0, 2), { name: 'support_rep_id', type: 'integer', nullable: false, pii: 'none' }],
      }),
    );
    await chinook.query('UPDATE customer SET support_rep_id = NULL WHERE customer_id IN (1, 2)');
    const outcome = await h.platform.runProduct('faults/nulls', { env });
    expect(outcome.error).toBe('non-nullable column(s) hold nulls: "support_rep_id" (2 nulls)');
    expect(outcome.steps.at(-1)).toMatchObject({ name: 'conform', status: 'failed' });
  });

  it('a check that cannot run on its column fails by name while the other checks still run', async () => {
    const bundle = customersBundle('bad-range');
    const product = JSON.parse(bundle.yaml);
    product.spec.quality.checks.push({ type: 'range', column: 'email', min: 0, max: 10 });
    await h.platform.publish({ ...bundle, yaml: JSON.stringify(product) });
    const outcome = await h.platform.runProduct('faults/bad-range', { env });
    expect(outcome.status).toBe('failed');
    const byName = new Map(outcome.checks.map((c) => [c.name, c]));
    expect(byName.get('unique(customer_id)')?.status).toBe('pass');
    expect(byName.get('not_null(customer_id)')?.status).toBe('pass');
    expect(byName.get('range(email)')?.status).toBe('fail');
    expect(byName.get('range(email)')!.message).toMatch(
      /^the check could not run: Binder Error: Cannot compare values of type VARCHAR/,
    );
    expect(outcome.error).toMatch(/1 blocking check\(s\) failed: range\(email\): the check could not run/);
  });

  it('a check on an unknown column is caught at validate time, before any run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-badcheck-'));
    const bundle = customersBundle('bad-check');
    const product = JSON.parse(bundle.yaml);
    product.spec.quality.checks.push({ type: 'null_rate', column: 'emails', threshold: 0.1 });
    writeFileSync(join(dir, 'product.yaml'), JSON.stringify(product, null, 2));
    writeFileSync(join(dir, 'transform.sql'), bundle.transformSql!);
    const validate = await mesh(['validate', dir]);
    expect(validate.code).toBe(1);
    expect(validate.stdout).toMatch(
      /unknown-column {2}check null_rate refers to column "emails", which is not in the schema/,
    );
    expect(validate.stdout).toMatch(/did you mean email\?/);
    const run = await mesh(['run', '--path', dir], { env: { CHINOOK_DB_URI: chinook.url } });
    expect(run.code).toBe(1);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a run killed with SIGKILL while publishing: no partial snapshot is ever visible, a second run meanwhile is refused, the next run succeeds', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mesh-kill-'));
    const childEnv = { ...process.env, MESH_HOME: home, CHINOOK_DB_URI: chinook.url, MESH_DATABASE_URL: '' };
    const dir = join(home, 'product');
    mkdirSync(dir);
    const bundle = customersBundle('killed');
    writeFileSync(join(dir, 'product.yaml'), bundle.yaml);
    writeFileSync(join(dir, 'transform.sql'), bundle.transformSql!);
    expect((await mesh(['publish', dir], { env: childEnv })).code).toBe(0);
    const first = await mesh(['run', 'faults/killed', '--json'], { env: childEnv });
    expect(first.code).toBe(0);
    const good = JSON.parse(first.stdout).snapshotId;

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'test/helpers/mesh-cli.ts'), 'run', 'faults/killed'],
      { cwd: REPO_ROOT, env: { ...childEnv, MESH_TEST_PAUSE_AT: 'publish' } },
    );
    await new Promise<void>((resolve, reject) => {
      let err = '';
      child.stderr.on('data', (d) => {
        err += d;
        if (err.includes('MESH_TEST_PAUSED publish')) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited before pausing: ${err}`)));
    });
    // Paused inside publish: the new snapshot's files are in place but not current.
    const warehouse = join(home, 'warehouse');
    expect(readCurrentPointer(warehouse, 'faults/killed', 1)!.snapshotId).toBe(good);
    const second = await mesh(['run', 'faults/killed'], { env: childEnv });
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/faults\/killed is already running \(run .+ since .+\); wait for it to finish/);

    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(readCurrentPointer(warehouse, 'faults/killed', 1)!.snapshotId).toBe(good);

    const next = await mesh(['run', 'faults/killed', '--json'], { env: childEnv });
    expect(next.code).toBe(0);
    const outcome = JSON.parse(next.stdout);
    expect(readCurrentPointer(warehouse, 'faults/killed', 1)!.snapshotId).toBe(outcome.snapshotId);
    // The dead run's half-published folder is gone; only committed snapshots remain.
    expect(readdirSync(join(warehouse, 'faults/killed/v1/snapshots')).sort()).toEqual(
      [good, outcome.snapshotId].sort(),
    );
    const runs = JSON.parse((await mesh(['runs', 'faults/killed', '--json'], { env: childEnv })).stdout);
    expect(runs.map((r: { status: string }) => r.status)).toEqual(['succeeded', 'failed', 'succeeded']);
    expect(runs[1].error).toBe('abandoned: the process running it died');
    rmSync(home, { recursive: true, force: true });
  }, 60_000);

  it('two runs of the same product at once: the second is refused with a ConflictError', async () => {
    await h.platform.publish(customersBundle('twice'));
    const results = await Promise.allSettled([
      h.platform.runProduct('faults/twice', { env }),
      h.platform.runProduct('faults/twice', { env }),
    ]);
    const refused = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(refused).toHaveLength(1);
    expect(refused[0].reason).toBeInstanceOf(ConflictError);
    expect(refused[0].reason.message).toMatch(/faults\/twice is already running/);
    expect(results.some((r) => r.status === 'fulfilled' && r.value.status === 'succeeded')).toBe(true);
  });

  it('a full disk fails the run cleanly and keeps the last good snapshot', async (context) => {
    const home = mkdtempSync(join(tmpdir(), 'mesh-full-'));
    const warehouse = join(home, 'warehouse');
    mkdirSync(warehouse);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', warehouse], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      rmSync(home, { recursive: true, force: true });
      context.skip(`cannot mount a 1 MB tmpfs (needs root): ${mounted.stderr.trim()}`);
      return;
    }
    try {
      const childEnv = {
        ...process.env,
        MESH_HOME: home,
        MESH_WAREHOUSE: warehouse,
        CHINOOK_DB_URI: chinook.url,
        MESH_DATABASE_URL: '',
      };
      const dir = join(home, 'product');
      mkdirSync(dir);
      const write = (query: string, version: string) => {
        const b = customersBundle('full', {
          query,
          version,
          sql: 'SELECT customer_id, email, support_rep_id FROM customer',
        });
        writeFileSync(join(dir, 'product.yaml'), b.yaml);
        writeFileSync(join(dir, 'transform.sql'), b.transformSql!);
      };
      write('SELECT customer_id, email, support_rep_id FROM customer', '1.0.0');
      await mesh(['publish', dir], { env: childEnv });
      const ok = await mesh(['run', 'faults/full', '--json'], { env: childEnv });
      expect(ok.code).toBe(0);
      const good = JSON.parse(ok.stdout).snapshotId;
      write(
        'SELECT g AS customer_id, repeat(md5(g::text), 4) AS email, 1 AS support_rep_id FROM generate_series(1, 200000) g',
        '1.1.0',
      );
      await mesh(['publish', dir], { env: childEnv });
      const full = await mesh(['run', 'faults/full', '--json'], { env: childEnv });
      expect(full.code).toBe(1);
      const outcome = JSON.parse(full.stdout);
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toMatch(/No space left on device|ENOSPC|disk/i);
      expect(readCurrentPointer(warehouse, 'faults/full', 1)!.snapshotId).toBe(good);
      // No partial object in the store, and no scratch folder of the run left behind.
      expect(readdirSync(join(warehouse, '.incomplete'))).toEqual([]);
      expect(readdirSync(join(warehouse, 'faults', 'full', 'v1', 'snapshots'))).toEqual([good]);
      expect(readdirSync(join(home, 'work'))).toEqual([]);
    } finally {
      spawnSync('umount', [warehouse]);
      rmSync(home, { recursive: true, force: true });
    }
  });
});
