/**
 * Holding a run still inside a PostgreSQL source's COPY, deterministically: `mesh_gate()` is
 * true, and inside a COPY it first waits for an advisory lock the test holds.
 */
import type pg from 'pg';

export async function createCopyGate(client: pg.Client, lock: number): Promise<void> {
  await client.query(`
    CREATE FUNCTION mesh_gate() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      IF current_query() LIKE 'COPY (%' THEN
        PERFORM pg_advisory_lock(${lock});
        PERFORM pg_advisory_unlock(${lock});
      END IF;
      RETURN true;
    END $$;`);
}

/** Resolves once a COPY of this database waits on the gate's lock. */
export async function waitForGatedCopy(client: pg.Client): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event = 'advisory' AND query LIKE 'COPY (%'`,
    );
    if (rows[0].n > 0) return;
    if (Date.now() > deadline) throw new Error('the run never reached its COPY');
    await new Promise((r) => setTimeout(r, 25));
  }
}
