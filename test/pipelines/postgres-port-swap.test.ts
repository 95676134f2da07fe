/**
 * The postgres port swaps the new snapshot in with renames inside one transaction: a reader
 * polling during the swap sees the whole old table or the whole new one, never the middle (no
 * table, or an empty one). The middle is held open deterministically: an event trigger in the
 * warehouse makes the swap's last rename wait on an advisory lock the test holds.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPipelineHarness, pipelineBundle, type PipelineHarness } from '../helpers/pipelines.js';
import { createTestDatabase } from '../helpers/registries.js';

const SWAP_LOCK = 731_114;

describe('postgres port swap', () => {
  let h: PipelineHarness;
  let warehouse: { url: string; drop: () => Promise<void> };
  let admin: pg.Client;
  let reader: pg.Client;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    h = await createPipelineHarness('sqlite');
    warehouse = await createTestDatabase('mesh_swap_wh');
    admin = new pg.Client({ connectionString: warehouse.url });
    reader = new pg.Client({ connectionString: warehouse.url });
    await admin.connect();
    await reader.connect();
    await admin.query(`
      CREATE TABLE items (id integer NOT NULL);
      INSERT INTO items SELECT generate_series(1, 25);
      -- The rename that puts the new table in place (its identity is the live name) waits for the test.
      CREATE FUNCTION mesh_hold_swap() RETURNS event_trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_event_trigger_ddl_commands()
                    WHERE command_tag = 'ALTER TABLE' AND object_identity = 'mart.items') THEN
          PERFORM pg_advisory_lock(${SWAP_LOCK});
          PERFORM pg_advisory_unlock(${SWAP_LOCK});
        END IF;
      END $$;
      CREATE EVENT TRIGGER mesh_hold_swap ON ddl_command_end EXECUTE FUNCTION mesh_hold_swap();`);
    env = { ...process.env, SWAP_WAREHOUSE_URI: warehouse.url };
  });
  afterAll(async () => {
    await reader?.end();
    await admin?.query('DROP EVENT TRIGGER IF EXISTS mesh_hold_swap').catch(() => undefined);
    await admin?.end();
    await h?.dispose();
    await warehouse?.drop();
  });

  it('never shows a reader the table missing or half-swapped', async () => {
    const bundle = (version: string) =>
      pipelineBundle({
        domain: 'mart',
        name: 'items',
        version,
        inputs: [
          {
            name: 'items',
            source: { type: 'postgres', connection: '${SWAP_WAREHOUSE_URI}', query: 'SELECT id FROM items' },
          },
        ],
        sql: 'SELECT id FROM items',
        columns: [{ name: 'id', type: 'integer', nullable: false, pii: 'none' }],
        primaryKey: ['id'],
        ports: [{ name: 'sql', type: 'postgres', connection: '${SWAP_WAREHOUSE_URI}', table: 'mart.items' }],
      });
    await h.platform.publish(bundle('1.0.0'));
    const first = await h.platform.runProduct('mart/items', { env });
    expect(first.error).toBeNull();
    const count = async () => (await reader.query('SELECT count(*)::int AS n FROM mart.items')).rows[0].n as number;
    expect(await count()).toBe(25);

    await admin.query('DELETE FROM items WHERE id > 10');
    await admin.query('SELECT pg_advisory_lock($1)', [SWAP_LOCK]);
    const run = h.platform.runProduct('mart/items', { env });
    try {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const { rows } = await admin.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'advisory'`,
        );
        if (rows[0].n > 0) break;
        if (Date.now() > deadline) throw new Error('the swap never started');
        await new Promise((r) => setTimeout(r, 25));
      }
      // Mid-swap: the live table is still there for a new reader.
      const visible = await reader.query(`SELECT to_regclass('mart.items') IS NOT NULL AS present`);
      expect(visible.rows[0].present, 'mart.items exists while the swap is under way').toBe(true);
      // A read issued now waits for the swap and then sees the whole new table.
      const during = count();
      await new Promise((r) => setTimeout(r, 200));
      await admin.query('SELECT pg_advisory_unlock($1)', [SWAP_LOCK]);
      expect(await during).toBe(10);
    } finally {
      await admin.query('SELECT pg_advisory_unlock_all()');
    }
    expect((await run).status).toBe('succeeded');
    expect(await count()).toBe(10);
  });
});
