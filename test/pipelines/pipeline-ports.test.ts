/**
 * Output ports and sources beyond PostgreSQL, for real: a NATS JetStream stream a consumer
 * replays from any point, a PostgreSQL table swapped atomically, and a MariaDB source.
 */
import { DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { streamName } from '../../src/ports/stream-port.js';
import { readCurrentPointer } from '../../src/ports/warehouse.js';
import { createChinookDatabase, type ChinookDatabase } from '../helpers/chinook.js';
import { createPipelineHarness, pipelineBundle, uniqueName, type PipelineHarness } from '../helpers/pipelines.js';
import { createTestDatabase } from '../helpers/registries.js';

const NATS_URL = process.env.MESH_NATS_URL ?? 'nats://127.0.0.1:4222';

describe('output ports and sources', () => {
  let chinook: ChinookDatabase;
  let warehouse: { url: string; drop: () => Promise<void> };
  let h: PipelineHarness;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    chinook = await createChinookDatabase();
    warehouse = await createTestDatabase('mesh_wh');
    h = await createPipelineHarness('sqlite');
    env = { ...process.env, CHINOOK_DB_URI: chinook.url, WAREHOUSE_URI: warehouse.url, MESH_NATS_URL: NATS_URL };
  });
  afterAll(async () => {
    await h?.dispose();
    await chinook?.drop();
    await warehouse?.drop();
  });

  it('stream port: new or changed rows as JSON messages with the schema version, then snapshot.published; replayable from any sequence', async () => {
    const name = uniqueName('tracks');
    const subject = `test.${name}`;
    await h.platform.publish(
      pipelineBundle({
        domain: 'catalog',
        name,
        version: '1.2.0',
        inputs: [
          {
            name: 'track',
            source: {
              type: 'postgres',
              connection: '${CHINOOK_DB_URI}',
              query: 'SELECT track_id, name, unit_price FROM track WHERE track_id <= 100',
            },
          },
        ],
        sql: 'SELECT * FROM track',
        columns: [
          { name: 'track_id', type: 'integer', nullable: false, pii: 'none' },
          { name: 'name', type: 'varchar', nullable: false, pii: 'none' },
          { name: 'unit_price', type: 'decimal(10,2)', nullable: false, pii: 'none' },
        ],
        primaryKey: ['track_id'],
        ports: [
          { name: 'files', type: 'parquet' },
          { name: 'events', type: 'stream', subject },
        ],
      }),
    );
    const nc = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(nc);
    const stream = streamName(`catalog/${name}`);
    try {
      const first = await h.platform.runProduct(`catalog/${name}`, { env });
      expect(first.error).toBeNull();
      expect((await jsm.streams.info(stream)).state.messages).toBe(101);

      await chinook.query(`UPDATE track SET unit_price = 1.49 WHERE track_id IN (7, 8)`);
      const second = await h.platform.runProduct(`catalog/${name}`, { env });
      expect(second.status).toBe('succeeded');
      expect((await jsm.streams.info(stream)).state.messages).toBe(104);

      // Replay from sequence 102: the two changed rows and the second publication.
      const js = jetstream(nc);
      const consumer = await js.consumers.get(stream, {
        deliver_policy: DeliverPolicy.StartSequence,
        opt_start_seq: 102,
      });
      const messages = await consumer.fetch({ max_messages: 3, expires: 5_000 });
      const got: Array<{ subject: string; data: Record<string, unknown>; version?: string }> = [];
      for await (const m of messages) {
        got.push({ subject: m.subject, data: m.json(), version: m.headers?.get('Mesh-Schema-Version') });
        if (got.length === 3) break;
      }
      expect(
        got
          .slice(0, 2)
          .map((m) => m.data)
          .sort((a, b) => Number(a.track_id) - Number(b.track_id)),
      ).toEqual([
        { track_id: 7, name: "Let's Get It Up", unit_price: '1.49' },
        { track_id: 8, name: 'Inject The Venom', unit_price: '1.49' },
      ]);
      expect(got.every((m) => m.version === '1.2.0')).toBe(true);
      expect(got[2]).toMatchObject({
        subject: `${subject}.snapshot.published`,
        data: { product: `catalog/${name}`, snapshotId: second.snapshotId, rows: 100, changedRows: 2 },
      });
    } finally {
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
  });

  it.each([
    { keyed: true, label: 'the key of each row that left the snapshot' },
    { keyed: false, label: 'each removed row whole (no primary key)' },
  ])(
    'stream port: deletions go to <subject>.deleted as $label, so a replay rebuilds the snapshot',
    async ({ keyed }) => {
      const name = uniqueName(keyed ? 'genres' : 'mediatypes');
      const table = `src_${name.replace(/-/g, '_')}`;
      const subject = `test.${name}`;
      await chinook.query(`CREATE TABLE ${table} AS SELECT genre_id, name FROM genre WHERE genre_id <= 5`);
      await h.platform.publish(
        pipelineBundle({
          domain: 'catalog',
          name,
          inputs: [
            {
              name: 'genre',
              source: {
                type: 'postgres',
                connection: '${CHINOOK_DB_URI}',
                query: `SELECT genre_id, name FROM ${table}`,
              },
            },
          ],
          sql: 'SELECT * FROM genre',
          columns: [
            { name: 'genre_id', type: 'integer', nullable: false, pii: 'none' },
            { name: 'name', type: 'varchar', nullable: false, pii: 'none' },
          ],
          ...(keyed ? { primaryKey: ['genre_id'] } : {}),
          ports: [
            { name: 'files', type: 'parquet' },
            { name: 'events', type: 'stream', subject },
          ],
        }),
      );
      const nc = await connect({ servers: NATS_URL });
      const jsm = await jetstreamManager(nc);
      const stream = streamName(`catalog/${name}`);
      try {
        expect((await h.platform.runProduct(`catalog/${name}`, { env })).status).toBe('succeeded');
        await chinook.query(`DELETE FROM ${table} WHERE genre_id IN (2, 4)`);
        await chinook.query(`UPDATE ${table} SET name = 'Rock & Roll' WHERE genre_id = 5`);
        const second = await h.platform.runProduct(`catalog/${name}`, { env });
        expect(second.status).toBe('succeeded');

        const js = jetstream(nc);
        const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
        const all: Array<{ subject: string; data: Record<string, unknown>; change?: string }> = [];
        for await (const m of await consumer.fetch({ max_messages: 100, expires: 2_000 })) {
          all.push({ subject: m.subject, data: m.json(), change: m.headers?.get('Mesh-Change') });
          if (
            m.subject.endsWith('.snapshot.published') &&
            m.json<{ snapshotId: string }>().snapshotId === second.snapshotId
          )
            break;
        }
        const byId = (a: Record<string, unknown>, b: Record<string, unknown>) =>
          Number(a.genre_id) - Number(b.genre_id) || String(a.name).localeCompare(String(b.name));
        const deleted = all.filter((m) => m.subject === `${subject}.deleted`);
        expect(deleted.every((m) => m.change === 'delete')).toBe(true);
        expect(deleted.map((m) => m.data).sort(byId)).toEqual(
          keyed
            ? [{ genre_id: 2 }, { genre_id: 4 }]
            : [
                { genre_id: 2, name: 'Jazz' },
                { genre_id: 4, name: 'Alternative & Punk' },
                { genre_id: 5, name: 'Rock And Roll' },
              ],
        );
        expect(all.at(-1)!.data).toMatchObject({
          snapshotId: second.snapshotId,
          changedRows: 1,
          deletedRows: keyed ? 2 : 3,
        });

        // Replaying every message in order rebuilds the current snapshot.
        const rebuilt: Array<Record<string, unknown>> = [];
        for (const m of all) {
          if (m.subject.endsWith('.snapshot.published')) continue;
          const at = rebuilt.findIndex((r) =>
            keyed ? r.genre_id === m.data.genre_id : JSON.stringify(r) === JSON.stringify(m.data),
          );
          if (m.subject.endsWith('.deleted')) rebuilt.splice(at, 1);
          else if (keyed && at >= 0) rebuilt[at] = m.data;
          else rebuilt.push(m.data);
        }
        const current = await chinook.query(`SELECT genre_id, name FROM ${table}`);
        expect(rebuilt.sort(byId)).toEqual(current.rows.sort(byId));
      } finally {
        await jsm.streams.delete(stream).catch(() => undefined);
        await nc.close();
        await chinook.query(`DROP TABLE IF EXISTS ${table}`);
      }
    },
  );

  it('a stream that refuses after the commit point: the run stays published, warns, and the next publication catches its consumers up', async () => {
    const name = uniqueName('albums');
    const subject = `test.${name}`;
    await h.platform.publish(
      pipelineBundle({
        domain: 'catalog',
        name,
        version: '1.0.0',
        inputs: [
          {
            name: 'track',
            source: {
              type: 'postgres',
              connection: '${CHINOOK_DB_URI}',
              query: 'SELECT track_id, milliseconds FROM track WHERE track_id BETWEEN 201 AND 300',
            },
          },
        ],
        sql: 'SELECT * FROM track',
        columns: [
          { name: 'track_id', type: 'integer', nullable: false, pii: 'none' },
          { name: 'milliseconds', type: 'integer', nullable: false, pii: 'none' },
        ],
        primaryKey: ['track_id'],
        ports: [
          { name: 'files', type: 'parquet' },
          { name: 'events', type: 'stream', subject },
        ],
      }),
    );
    const nc = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(nc);
    const stream = streamName(`catalog/${name}`);
    // Room for exactly the first publication (100 rows + its announcement); then JetStream refuses new messages.
    await jsm.streams.add({ name: stream, subjects: [`${subject}.>`], max_msgs: 101, discard: DiscardPolicy.New });
    try {
      const first = await h.platform.runProduct(`catalog/${name}`, { env });
      expect(first.status).toBe('succeeded');
      expect((await jsm.streams.info(stream)).state.messages).toBe(101);

      await chinook.query('UPDATE track SET milliseconds = milliseconds + 1 WHERE track_id IN (201, 202)');
      const second = await h.platform.runProduct(`catalog/${name}`, { env });
      expect(second.status).toBe('succeeded');
      expect(second.error).toBeNull();
      expect(second.steps.find((s) => s.name === 'publish')).toMatchObject({
        status: 'succeeded',
        error: expect.stringMatching(
          /output port \(stream\) not updated: .*consumers catch up at the next publication/,
        ),
      });
      expect(readCurrentPointer(h.platform.config.warehouseDir, `catalog/${name}`, 1)!.snapshotId).toBe(
        second.snapshotId,
      );
      expect((await h.platform.listEvents({ subject: `catalog/${name}` })).map((e) => e.type)).toContain('port.failed');
      expect((await jsm.streams.info(stream)).state.messages).toBe(101);

      await jsm.streams.update(stream, { max_msgs: -1 });
      await chinook.query('UPDATE track SET milliseconds = milliseconds + 1 WHERE track_id = 203');
      const third = await h.platform.runProduct(`catalog/${name}`, { env });
      expect(third.status).toBe('succeeded');
      // Every change since the last announced snapshot (the first): rows 201, 202 and 203, then the announcement.
      expect((await jsm.streams.info(stream)).state.messages).toBe(105);
      const last = await jsm.streams.getMessage(stream, { last_by_subj: `${subject}.snapshot.published` });
      expect(last!.json()).toMatchObject({ snapshotId: third.snapshotId, changedRows: 3 });
    } finally {
      await jsm.streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
  });

  it('a port that cannot be reached fails the run before anything is visible on any port', async () => {
    const name = uniqueName('artists');
    await h.platform.publish(
      pipelineBundle({
        domain: 'catalog',
        name,
        inputs: [
          {
            name: 'artist',
            source: { type: 'postgres', connection: '${CHINOOK_DB_URI}', query: 'SELECT artist_id, name FROM artist' },
          },
        ],
        sql: 'SELECT * FROM artist',
        columns: [
          { name: 'artist_id', type: 'integer', nullable: false, pii: 'none' },
          { name: 'name', type: 'varchar', pii: 'none' },
        ],
        ports: [
          { name: 'files', type: 'parquet' },
          { name: 'sql', type: 'postgres', connection: '${WAREHOUSE_URI}', table: 'catalog.artists' },
          { name: 'events', type: 'stream', subject: `test.${name}` },
        ],
      }),
    );
    const outcome = await h.platform.runProduct(`catalog/${name}`, {
      env: { ...env, MESH_NATS_URL: 'nats://127.0.0.1:1' },
    });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/output port events: cannot reach NATS at nats:\/\/127\.0\.0\.1:1/);
    expect(readCurrentPointer(h.platform.config.warehouseDir, `catalog/${name}`, 1)).toBeUndefined();
    expect(readdirSync(join(h.platform.config.warehouseDir, `catalog/${name}/v1/snapshots`))).toEqual([]);
    const reader = new pg.Client({ connectionString: warehouse.url });
    await reader.connect();
    const tables = await reader.query(`SELECT tablename FROM pg_tables WHERE tablename LIKE 'artists%'`);
    await reader.end();
    expect(tables.rows).toEqual([]);
  });

  it('postgres port: the snapshot replaces the live table in one transaction', async () => {
    const name = uniqueName('genres');
    const bundle = (where: string, version: string) =>
      pipelineBundle({
        domain: 'catalog',
        name,
        version,
        inputs: [
          {
            name: 'genre',
            source: {
              type: 'postgres',
              connection: '${CHINOOK_DB_URI}',
              query: `SELECT genre_id, name FROM genre ${where}`,
            },
          },
        ],
        sql: 'SELECT * FROM genre',
        columns: [
          { name: 'genre_id', type: 'integer', nullable: false, pii: 'none' },
          { name: 'name', type: 'varchar(120)', pii: 'none' },
        ],
        primaryKey: ['genre_id'],
        ports: [
          { name: 'files', type: 'parquet' },
          { name: 'sql', type: 'postgres', connection: '${WAREHOUSE_URI}', table: 'catalog.genres' },
        ],
      });
    const reader = new pg.Client({ connectionString: warehouse.url });
    await reader.connect();
    try {
      await h.platform.publish(bundle('', '1.0.0'));
      const first = await h.platform.runProduct(`catalog/${name}`, { env });
      expect(first.error).toBeNull();
      expect(first.ports.map((p) => p.type).sort()).toEqual(['parquet', 'postgres']);
      expect((await reader.query('SELECT count(*)::int AS n FROM catalog.genres')).rows[0].n).toBe(25);

      // A reader holding the table open sees the whole old table; after the swap, the whole new one.
      await h.platform.publish(bundle('WHERE genre_id <= 10', '1.0.1'));
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      expect((await reader.query('SELECT count(*)::int AS n FROM catalog.genres')).rows[0].n).toBe(25);
      await reader.query('COMMIT');
      const second = await h.platform.runProduct(`catalog/${name}`, { env });
      expect(second.status).toBe('succeeded');
      expect((await reader.query('SELECT count(*)::int AS n FROM catalog.genres')).rows[0].n).toBe(10);
      const tables = await reader.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'catalog' ORDER BY 1`);
      expect(tables.rows.map((r) => r.tablename)).toEqual(['genres']);
    } finally {
      await reader.end();
    }
  });

  it('MariaDB source: streamed rows with their types, :last_run bound server-side', async () => {
    const dbName = `mesh_test_${process.pid}_${Date.now().toString(36)}`;
    const admin = await mysql.createConnection({ host: '127.0.0.1', user: 'root', password: '' });
    await admin.query(`CREATE DATABASE ${dbName}`);
    try {
      await admin.query(
        `CREATE TABLE ${dbName}.orders (id INT PRIMARY KEY, note VARCHAR(40), amount DECIMAL(10,2), placed_at DATETIME)`,
      );
      await admin.query(
        `INSERT INTO ${dbName}.orders VALUES (1, 'first, with a comma', 10.50, '2026-01-01 10:00:00'), (2, NULL, 3.25, '2026-01-02 11:00:00'), (3, 'say "hi"', 0.99, '2026-01-03 12:00:00')`,
      );
      const name = uniqueName('orders');
      await h.platform.publish(
        pipelineBundle({
          domain: 'sales',
          name,
          inputs: [
            {
              name: 'orders',
              source: {
                type: 'mysql',
                connection: '${SHOP_URI}',
                query: 'SELECT * FROM orders WHERE placed_at > :last_run',
                watermark: 'placed_at',
              },
            },
          ],
          sql: 'SELECT * FROM orders',
          columns: [
            { name: 'id', type: 'integer', nullable: false, pii: 'none' },
            { name: 'note', type: 'varchar', pii: 'none' },
            { name: 'amount', type: 'decimal(10,2)', pii: 'none' },
            { name: 'placed_at', type: 'timestamp', pii: 'none' },
          ],
          primaryKey: ['id'],
          checks: [{ type: 'null_rate', column: 'note', threshold: 0.5 }],
        }),
      );
      const runEnv = { ...env, SHOP_URI: `mysql://root@127.0.0.1:3306/${dbName}` };
      const first = await h.platform.runProduct(`sales/${name}`, { env: runEnv });
      expect(first.error).toBeNull();
      expect(first.inputs[0]).toMatchObject({ kind: 'mysql', rowsIn: 3, watermark: '2026-01-03 12:00:00' });
      await admin.query(`INSERT INTO ${dbName}.orders VALUES (4, 'later', 7.00, '2026-01-04 09:00:00')`);
      const second = await h.platform.runProduct(`sales/${name}`, { env: runEnv });
      expect(second.inputs[0]).toMatchObject({ rowsIn: 1, watermark: '2026-01-04 09:00:00' });
      expect(second.rowsOut).toBe(4);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
      await admin.end();
    }
  });
});
