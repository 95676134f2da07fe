/**
 * The registry is the commit point (issue 11, finding 5). A real `mesh run` process (the
 * built CLI, bin/mesh.js) is SIGKILLed at every boundary of a run (the test-only hook
 * MESH_TEST_KILL_AT), then at random instants, on both registries. After every kill:
 *   - the run is recorded succeeded and the registry serves its snapshot, or it is not
 *     (running with a dead holder, or failed) and the registry serves the previous one;
 *   - the watermark is exactly the newest row of the snapshot served (never lags it);
 *   - the SQL port's table never shows rows of a run the registry did not commit;
 *   - a consumer product reading it as an input reads exactly the snapshot served.
 * The product is incremental with no primary key, so a watermark lagging the published data
 * shows as duplicate rows at the next run; the last clean run must hold every source row once.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openEngine, type Engine } from '../../src/engine/duckdb-engine.js';
import { quoteLiteral } from '../../src/engine/sql-text.js';
import { readCurrentPointer, readCurrentSnapshot } from '../../src/ports/warehouse.js';
import { LocalWarehouseStore } from '../../src/ports/warehouse/local-warehouse-store.js';
import { getWatermarks } from '../../src/registry/operations/runs/get-watermarks.js';
import { openRegistry, type Registry } from '../../src/registry/registry.js';
import { KILL_POINTS } from '../../src/runner/test-kill-point.js';
import { REPO_ROOT } from '../helpers/chinook.js';
import { pipelineBundle } from '../helpers/pipelines.js';
import { BACKENDS, createTestDatabase } from '../helpers/registries.js';
import { mesh, MESH_BIN } from '../helpers/run-mesh.js';

const PRODUCT = 'crash/events';
const CONSUMER = 'crash/reader';
const RANDOM_KILLS_PER_BACKEND = 25;
const BASE = Date.UTC(2026, 0, 1);

interface Served {
  readonly status: string;
  readonly runId: string;
  readonly snapshotId: string | undefined;
  readonly rows: number;
  readonly watermark: string | undefined;
  /** Rows the SQL port's table shows: the served snapshot's, or an earlier one's while it lags. */
  readonly sqlRows: number;
}

describe.each(BACKENDS)(
  'crash safety on %s: a killed run never leaves a half-commit',
  (backend) => {
    let source: { url: string; drop: () => Promise<void> };
    let registryDb: { url: string; drop: () => Promise<void> } | undefined;
    let sourceClient: pg.Client;
    let home: string;
    let env: NodeJS.ProcessEnv;
    let registry: Registry;
    let engine: Engine;
    let nextId = 0;

    beforeAll(async () => {
      source = await createTestDatabase('mesh_crash_src');
      sourceClient = new pg.Client({ connectionString: source.url });
      await sourceClient.connect();
      await sourceClient.query('CREATE TABLE events (id integer NOT NULL, at timestamp NOT NULL)');
      home = mkdtempSync(join(tmpdir(), 'mesh-crash-'));
      registryDb = backend === 'postgres' ? await createTestDatabase('mesh_crash_reg') : undefined;
      env = { MESH_HOME: home, MESH_DATABASE_URL: registryDb?.url ?? '', CRASH_DB: source.url };
      await publishProducts();
      registry = await openRegistry(
        registryDb ? { url: registryDb.url } : { sqlitePath: join(home, 'registry.sqlite') },
      );
      engine = await openEngine({ workDir: home });
    });

    afterAll(async () => {
      engine?.close();
      await registry?.close();
      await sourceClient?.end();
      await source?.drop();
      await registryDb?.drop();
      rmSync(home, { recursive: true, force: true });
    });

    async function publishProducts(): Promise<void> {
      const columns = [
        { name: 'id', type: 'integer', nullable: false, pii: 'none' as const },
        { name: 'at', type: 'timestamp', nullable: false, pii: 'none' as const },
      ];
      const events = pipelineBundle({
        domain: 'crash',
        name: 'events',
        inputs: [
          {
            name: 'events',
            source: {
              type: 'postgres',
              connection: '${CRASH_DB}',
              query: 'SELECT id, at FROM events WHERE at > :last_run',
              watermark: 'at',
            },
          },
        ],
        sql: 'SELECT * FROM events',
        columns,
        checks: [{ type: 'not_null', column: 'id' }],
        ports: [
          { name: 'files', type: 'parquet' },
          { name: 'table', type: 'postgres', connection: '${CRASH_DB}', table: 'published_events' },
        ],
      });
      const reader = pipelineBundle({
        domain: 'crash',
        name: 'reader',
        inputs: [{ name: 'upstream', product: `${PRODUCT}@1` }],
        sql: 'SELECT count(*)::integer AS n, max(id) AS last_id FROM upstream',
        columns: [
          { name: 'n', type: 'integer', nullable: false, pii: 'none' },
          { name: 'last_id', type: 'integer', pii: 'none' },
        ],
        checks: [{ type: 'not_null', column: 'n' }],
      });
      for (const bundle of [events, reader]) {
        const dir = join(home, 'src', bundle.file.replace(/\/product\.yaml$/, ''));
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'product.yaml'), bundle.yaml);
        writeFileSync(join(dir, 'transform.sql'), bundle.transformSql!);
        const published = await mesh(['publish', dir], { env });
        expect(published.code, published.stderr + published.stdout).toBe(0);
      }
    }

    /** Three new source rows, each a second later than the last. */
    async function addSourceRows(): Promise<void> {
      for (let i = 0; i < 3; i++) {
        nextId++;
        await sourceClient.query('INSERT INTO events (id, at) VALUES ($1, $2)', [
          nextId,
          new Date(BASE + nextId * 1000).toISOString().replace('T', ' ').replace('Z', ''),
        ]);
      }
    }

    /** A real `mesh run` process, killed at `killAt` (a boundary) or after `killAfterMs`; resolves when it is gone. */
    function runProcess(o: {
      killAt?: string;
      killAfterMs?: number;
    }): Promise<{ signal: string | null; stderr: string }> {
      const child = spawn(process.execPath, [MESH_BIN, 'run', PRODUCT], {
        cwd: REPO_ROOT,
        env: { ...process.env, ...env, ...(o.killAt ? { MESH_TEST_KILL_AT: o.killAt } : {}) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const timer = o.killAfterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), o.killAfterMs) : undefined;
      return new Promise((resolve) =>
        child.on('exit', (_code, signal) => {
          clearTimeout(timer);
          resolve({ signal, stderr });
        }),
      );
    }

    /** What the registry says now about the latest run, the current snapshot and the watermark. */
    async function served(): Promise<Served> {
      const run = await registry.db
        .selectFrom('pipeline_runs')
        .select(['id', 'status'])
        .where('product_id', '=', PRODUCT)
        .orderBy('started_at', 'desc')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      const current = await readCurrentSnapshot(registry, new LocalWarehouseStore(join(home, 'warehouse')), PRODUCT, 1);
      const watermark = (await getWatermarks(registry, PRODUCT, 1)).get('events');
      return {
        status: run.status,
        runId: run.id,
        snapshotId: current?.snapshotId,
        rows: current?.rows ?? 0,
        watermark: watermark === undefined ? undefined : String(watermark),
        sqlRows: await tableRows(),
      };
    }

    async function fileFacts(file: string): Promise<{ rows: number; distinct: number; newest: string | null }> {
      const [r] = await engine.rows(
        `SELECT count(*)::integer AS n, count(DISTINCT id)::integer AS d, strftime(max("at"), '%Y-%m-%d %H:%M:%S') AS w FROM read_parquet(${quoteLiteral(file)})`,
      );
      return { rows: Number(r.n), distinct: Number(r.d), newest: (r.w as string | null) ?? null };
    }

    async function tableRows(): Promise<number> {
      const r = await sourceClient.query<{ n: number }>(`SELECT count(*)::integer AS n FROM published_events`);
      return r.rows[0].n;
    }

    /**
     * The invariant after a kill. `before` is what was served before the killed run started.
     * A kill between the registry commit and the SQL swap's COMMIT leaves the SQL port one
     * snapshot behind until the next publication that gets that far, so the table is compared
     * with what it showed before the run, never with rows the registry has not committed.
     */
    async function assertInvariant(before: Served, what: string): Promise<Served> {
      const now = await served();
      if (now.runId === before.runId) {
        // Killed before it recorded its start: nothing changed.
        expect(now, `${what}: killed before it started`).toEqual(before);
      } else if (now.status === 'succeeded') {
        expect(now.snapshotId, `${what}: a succeeded run is the one served`).toBe(now.runId);
      } else {
        expect(['running', 'failed'], `${what}: the run is not recorded as succeeded`).toContain(now.status);
        expect(now.snapshotId, `${what}: an unfinished run leaves the old snapshot current`).toBe(before.snapshotId);
        expect(now.watermark, `${what}: and the old watermark`).toBe(before.watermark);
      }
      if (now.snapshotId) {
        const current = (await readCurrentSnapshot(
          registry,
          new LocalWarehouseStore(join(home, 'warehouse')),
          PRODUCT,
          1,
        ))!;
        const facts = await fileFacts(current.file);
        expect(facts.rows, `${what}: the served snapshot holds what the registry says`).toBe(now.rows);
        expect(facts.distinct, `${what}: no row twice`).toBe(facts.rows);
        expect(facts.newest, `${what}: the watermark is the newest published row`).toBe(now.watermark);
        if (now.snapshotId === before.snapshotId) {
          expect(now.sqlRows, `${what}: the SQL port shows no uncommitted rows`).toBe(before.sqlRows);
        } else {
          expect(
            [before.sqlRows, now.rows],
            `${what}: the SQL port shows the served snapshot or what it showed before`,
          ).toContain(now.sqlRows);
        }
      }
      return now;
    }

    /** The consumer product reads exactly the snapshot the registry serves. */
    async function assertConsumerReads(expected: Served, what: string): Promise<void> {
      const run = await mesh(['run', CONSUMER, '--json'], { env });
      expect(run.code, `${what}: ${run.stderr}`).toBe(0);
      const outcome = JSON.parse(run.stdout) as { inputs: Array<{ snapshotId?: string; rowsIn: number }> };
      expect(outcome.inputs[0].snapshotId, `${what}: the consumer read the snapshot served`).toBe(expected.snapshotId);
      expect(outcome.inputs[0].rowsIn).toBe(expected.rows);
    }

    it('killed at every step boundary: the old snapshot with the run not succeeded, or the new one with it succeeded', async () => {
      await addSourceRows();
      const first = await runProcess({});
      expect(first.signal).toBeNull();
      let before = await served();
      expect(before).toMatchObject({ status: 'succeeded', rows: 3 });
      const outcomes = new Map<string, boolean>();
      for (const point of KILL_POINTS) {
        await addSourceRows();
        const { signal, stderr } = await runProcess({ killAt: point });
        expect(signal, `killed at ${point}: ${stderr}`).toBe('SIGKILL');
        expect(stderr).toContain(`MESH_TEST_KILLED ${point}`);
        const now = await assertInvariant(before, `killed ${point}`);
        outcomes.set(point, now.snapshotId !== before.snapshotId);
        await assertConsumerReads(now, `killed ${point}`);
        before = now;
      }
      // Nothing is served before the registry commit; everything from it on.
      const committedFrom = KILL_POINTS.indexOf('after-commit');
      expect([...outcomes.values()]).toEqual(KILL_POINTS.map((_, i) => i >= committedFrom));
      await assertCleanRunHoldsEverything();
    });

    it('a SQL port left behind by a kill after the commit stays behind, not ahead, through a kill before the next commit', async () => {
      await addSourceRows();
      expect((await runProcess({})).signal).toBeNull();
      const clean = await served();
      await addSourceRows();
      expect((await runProcess({ killAt: 'after-commit' })).signal).toBe('SIGKILL');
      const lagging = await assertInvariant(clean, 'killed after-commit');
      expect(lagging.snapshotId, 'the registry serves the new snapshot').not.toBe(clean.snapshotId);
      expect(lagging.sqlRows, 'the SQL port still shows the previous one').toBe(clean.rows);
      await addSourceRows();
      expect((await runProcess({ killAt: 'after-stage' })).signal).toBe('SIGKILL');
      const still = await assertInvariant(lagging, 'killed after-stage with the SQL port behind');
      expect(still.snapshotId).toBe(lagging.snapshotId);
      expect(still.sqlRows, 'the staged swap was rolled back').toBe(clean.rows);
      await assertCleanRunHoldsEverything();
    });

    it(`${RANDOM_KILLS_PER_BACKEND} SIGKILLs at random instants keep the invariant after each`, async () => {
      // The instants are drawn within a warm run's length: the first run of a process on a fresh
      // registry is slower (migrations), and instants past a run's end kill nothing.
      let runMs = Infinity;
      for (let warm = 0; warm < 2; warm++) {
        await addSourceRows();
        const started = Date.now();
        const clean = await runProcess({});
        expect(clean.signal).toBeNull();
        runMs = Math.min(runMs, Date.now() - started);
      }
      let before = await served();
      let killed = 0;
      for (let i = 0; i < RANDOM_KILLS_PER_BACKEND; i++) {
        await addSourceRows();
        const started = Date.now();
        const { signal } = await runProcess({ killAfterMs: Math.floor(Math.random() * runMs) });
        if (signal === 'SIGKILL') killed++;
        // A run that finished before its instant: the machine got quicker, so later instants are drawn within it.
        else runMs = Math.min(runMs, Date.now() - started);
        before = await assertInvariant(before, `random kill ${i + 1}`);
      }
      expect(killed).toBeGreaterThan(RANDOM_KILLS_PER_BACKEND / 2);
      await assertCleanRunHoldsEverything();
    });

    /** A clean run after the kills: every dead run recorded failed, every source row exactly once, pointer file repaired. */
    async function assertCleanRunHoldsEverything(): Promise<void> {
      const run = await runProcess({});
      expect(run.signal, run.stderr).toBeNull();
      const now = await served();
      expect(now.status).toBe('succeeded');
      const facts = await fileFacts(
        (await readCurrentSnapshot(registry, new LocalWarehouseStore(join(home, 'warehouse')), PRODUCT, 1))!.file,
      );
      expect(facts).toEqual({ rows: nextId, distinct: nextId, newest: now.watermark });
      expect(await tableRows()).toBe(nextId);
      expect(readCurrentPointer(join(home, 'warehouse'), PRODUCT, 1)!.snapshotId).toBe(now.snapshotId);
      const statuses = await registry.db
        .selectFrom('pipeline_runs')
        .select('status')
        .where('product_id', '=', PRODUCT)
        .execute();
      expect(statuses.filter((r) => r.status === 'running')).toEqual([]);
      // Only folders the registry recorded remain: dead runs' folders are cleaned.
      const recorded = new Set(
        (await registry.db.selectFrom('snapshots').select('id').where('product_id', '=', PRODUCT).execute()).map(
          (r) => r.id,
        ),
      );
      const folders = readdirSync(join(home, 'warehouse', 'crash', 'events', 'v1', 'snapshots'));
      expect(folders.filter((id) => !recorded.has(id))).toEqual([]);
      expect(folders).toContain(now.snapshotId);
    }
  },
  600_000,
);
