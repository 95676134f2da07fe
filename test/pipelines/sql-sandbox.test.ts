/**
 * The SQL a product owner writes (the transform and `sql` checks) cannot reach the host: reading
 * /etc/passwd or attaching a database file fails the run with a message, and nothing is
 * published. Written as what a user sees (the outcome, the run history, the warehouse), not how
 * the engine is locked down, so it holds whatever does the locking.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCurrentPointer } from '../../src/ports/warehouse.js';
import { createPipelineHarness, pipelineBundle, uniqueName, type PipelineHarness } from '../helpers/pipelines.js';
import { createTestDatabase } from '../helpers/registries.js';

describe('the SQL sandbox, as a user sees it', () => {
  let h: PipelineHarness;
  let source: { url: string; drop: () => Promise<void> };
  let outside: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    h = await createPipelineHarness('sqlite');
    source = await createTestDatabase('mesh_sandbox_src');
    outside = mkdtempSync(join(tmpdir(), 'mesh-outside-'));
    env = { ...process.env, SANDBOX_SOURCE_URI: source.url };
  });
  afterAll(async () => {
    await h?.dispose();
    await source?.drop();
    if (outside) rmSync(outside, { recursive: true, force: true });
  });

  const product = (name: string, sql: string, checkSql?: string) =>
    pipelineBundle({
      domain: 'sandbox',
      name,
      inputs: [
        {
          name: 'numbers',
          source: {
            type: 'postgres',
            connection: '${SANDBOX_SOURCE_URI}',
            query: 'SELECT g AS id FROM generate_series(1, 3) g',
          },
        },
      ],
      sql,
      columns: [{ name: 'id', type: 'integer', nullable: false, pii: 'none' }],
      primaryKey: ['id'],
      checks: checkSql ? [{ type: 'sql', name: 'peek', sql: checkSql }] : [],
    });

  /** Publishes and runs; the product must end with a failed run, a message, no snapshot and no leak. */
  /** Refused: at publish (the SQL is not one SELECT), or by the run, which then publishes nothing. */
  async function expectRefused(name: string, sql: string, checkSql?: string) {
    const refusedAtPublish = await h.platform.publish(product(name, sql, checkSql)).then(
      () => false,
      (error: { details?: unknown }) => {
        expect(JSON.stringify(error.details)).toContain('sql-not-one-select');
        return true;
      },
    );
    if (refusedAtPublish) return 'refused at publish';
    const outcome = await h.platform.runProduct(`sandbox/${name}`, { env });
    expect(outcome.status, JSON.stringify(outcome.error)).toBe('failed');
    expect(outcome.error ?? '').not.toBe('');
    expect(outcome.snapshotId).toBeNull();
    expect(JSON.stringify(outcome)).not.toMatch(/root:.*:0:0:/);
    expect(readCurrentPointer(h.platform.config.warehouseDir, `sandbox/${name}`, 1)).toBeUndefined();
    expect((await h.platform.listRuns(`sandbox/${name}`)).map((r) => [r.status, r.snapshotId])).toEqual([
      ['failed', null],
    ]);
    return outcome.error!;
  }

  it('runs the harmless product it compares against', async () => {
    await h.platform.publish(product('harmless', 'SELECT id FROM numbers'));
    const outcome = await h.platform.runProduct('sandbox/harmless', { env });
    expect(outcome).toMatchObject({ status: 'succeeded', rowsOut: 3, error: null });
  });

  it("fails a transform reading the host's files", async () => {
    await expectRefused(
      uniqueName('passwd'),
      "SELECT id FROM numbers WHERE (SELECT count(*) FROM read_csv('/etc/passwd')) >= 0",
    );
  });

  // (Today the transform is prepared as one statement, so these fail before the sandbox is even
  // involved; the sql-check ones below do reach it: a check that breaks out of its wrapping runs
  // its ATTACH unless the engine refuses it.)
  it('fails a transform attaching a database file, even one breaking out of its wrapping', async () => {
    for (const [i, sql] of [
      (file: string) => `ATTACH '${file}' AS evil;\nSELECT id FROM numbers`,
      (file: string) =>
        `SELECT id FROM numbers) AS t;\nATTACH '${file}' AS evil;\nSELECT * FROM (SELECT id FROM numbers`,
      (file: string) => `SELECT id FROM numbers;\nATTACH '${file}' AS evil;\nSELECT id FROM numbers`,
    ].entries()) {
      const file = join(outside, `transform-${i}.duckdb`);
      await expectRefused(uniqueName('attach'), sql(file));
      expect(existsSync(file), file).toBe(false);
    }
  });

  it("fails a sql check reading the host's files", async () => {
    await expectRefused(uniqueName('check-passwd'), 'SELECT id FROM numbers', "SELECT * FROM read_csv('/etc/passwd')");
  });

  it('fails a sql check attaching a database file, even one breaking out of its wrapping', async () => {
    for (const [i, sql] of [
      (file: string) => `ATTACH '${file}' AS evil; SELECT 1 WHERE false`,
      (file: string) => `SELECT 1 WHERE false) AS x;\nATTACH '${file}' AS evil;\nSELECT * FROM (SELECT 1 WHERE false`,
    ].entries()) {
      const file = join(outside, `check-${i}.duckdb`);
      await expectRefused(uniqueName('check-attach'), 'SELECT id FROM numbers', sql(file));
      expect(existsSync(file), file).toBe(false);
    }
  });
});
