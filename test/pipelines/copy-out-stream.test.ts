/**
 * CopyOutStream against real PostgreSQL: the bytes it passes on are exactly COPY's output
 * (pg-copy-streams, the usual reader, is the reference), however the socket cuts the
 * messages — a proxy re-cuts the server's bytes into pieces of 1 to 2,000 bytes, so headers
 * and rows are split at every kind of place — and errors before or during the copy come
 * out as PostgreSQL's error with the connection still usable.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CopyOutStream } from '../../src/runner/extract/copy-out-stream.js';
import { createTestDatabase } from '../helpers/registries.js';

/** Forwards to PostgreSQL, writing what the server sends in small pieces of random size. */
async function startChoppingProxy(target: URL): Promise<{ port: number; server: Server }> {
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const server = createServer((client: Socket) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    client.pipe(upstream);
    let queue = Promise.resolve();
    upstream.on('data', (data: Buffer) => {
      upstream.pause();
      queue = queue.then(async () => {
        for (let i = 0; i < data.length;) {
          const size = random() < 0.7 ? 1 + Math.floor(random() * 7) : 1 + Math.floor(random() * 2000);
          client.write(data.subarray(i, i + size));
          i += size;
          await sleep(1); // so the client reads each piece on its own
        }
        upstream.resume();
      });
    });
    upstream.on('end', () => void queue.then(() => client.end()));
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, server };
}

/** Everything the stream passes on, and in how many pieces. */
function readAll(stream: NodeJS.ReadableStream): Promise<{ bytes: Buffer; chunks: number }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => parts.push(chunk));
    stream.on('error', reject);
    stream.on('end', () => resolve({ bytes: Buffer.concat(parts), chunks: parts.length }));
  });
}

describe('CopyOutStream', () => {
  let db: { url: string; drop: () => Promise<void> };
  let proxy: { port: number; server: Server };
  let direct: pg.Client;
  let chopped: pg.Client;
  const rowsQuery = `SELECT i, CASE WHEN i % 97 = 0 THEN repeat('long,"quoted"' || chr(10), 300) ELSE 'row ' || i END AS label,
    CASE WHEN i % 5 = 0 THEN NULL ELSE i * 1.25 END AS amount, 'ünï ' || md5(i::text) AS note
    FROM generate_series(1, 600) AS i`;

  beforeAll(async () => {
    db = await createTestDatabase('mesh_copyout');
    const url = new URL(db.url);
    proxy = await startChoppingProxy(url);
    direct = new pg.Client({ connectionString: db.url });
    const viaProxy = new URL(db.url);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    chopped = new pg.Client({ connectionString: viaProxy.toString() });
    await direct.connect();
    await chopped.connect();
  });

  afterAll(async () => {
    await chopped?.end().catch(() => undefined);
    await direct?.end().catch(() => undefined);
    proxy?.server.close();
    await db?.drop();
  });

  it('passes on exactly the bytes of COPY, however the socket cuts the messages', async () => {
    const copy = `COPY (${rowsQuery}) TO STDOUT WITH (FORMAT csv)`;
    const reference = await readAll(direct.query(copyTo(copy)));
    const reported: number[] = [];
    // Batches of one byte: every decoded piece is passed on as it is, so the pieces can be counted.
    const stream = chopped.query(
      new CopyOutStream(copy, { reportEvery: 100, onRows: (rows) => reported.push(rows), batchBytes: 1 }),
    );
    const got = await readAll(stream);
    expect(got.bytes.length).toBe(reference.bytes.length);
    expect(got.bytes.equals(reference.bytes)).toBe(true);
    expect(got.chunks).toBeGreaterThan(50); // the proxy really did cut it up
    expect(stream.rowCount).toBe(600);
    expect(stream.rowsReceived).toBe(600);
    // Progress at most once per socket chunk, after every 100 rows or more.
    expect(reported.length).toBeGreaterThanOrEqual(1);
    expect(reported.every((n, i) => n >= 100 && n <= 600 && (i === 0 || n - reported[i - 1] >= 100))).toBe(true);
    expect((await chopped.query('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('passes rows on in batches of the given size', async () => {
    const copy = `COPY (${rowsQuery}) TO STDOUT WITH (FORMAT csv)`;
    const reference = await readAll(direct.query(copyTo(copy)));
    const sizes: number[] = [];
    const stream = chopped.query(new CopyOutStream(copy, { batchBytes: 64 << 10 }));
    stream.on('data', (chunk: Buffer) => sizes.push(chunk.length));
    const got = await readAll(stream);
    expect(got.bytes.equals(reference.bytes)).toBe(true);
    const fewest = Math.ceil(reference.bytes.length / (64 << 10));
    expect(sizes.length).toBeGreaterThanOrEqual(fewest);
    expect(sizes.length).toBeLessThanOrEqual(2 * fewest);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(64 << 10);
  });

  it('ignores notices sent between rows', async () => {
    await direct.query(`CREATE OR REPLACE FUNCTION noisy(i int) RETURNS int LANGUAGE plpgsql AS $$
      BEGIN IF i % 50 = 0 THEN RAISE NOTICE 'passing row %', i; END IF; RETURN i; END $$`);
    const copy =
      'COPY (SELECT noisy(i) AS i, i * 2 AS twice FROM generate_series(1, 500) AS i) TO STDOUT WITH (FORMAT csv)';
    const reference = await readAll(direct.query(copyTo(copy)));
    const stream = chopped.query(new CopyOutStream(copy));
    const got = await readAll(stream);
    expect(got.bytes.equals(reference.bytes)).toBe(true);
    expect(stream.rowCount).toBe(500);
  });

  it("fails with PostgreSQL's error when the query fails half-way, and the connection stays usable", async () => {
    const copy =
      'COPY (SELECT CASE WHEN i = 400 THEN 1 / (i - 400) ELSE i END FROM generate_series(1, 1000) AS i) TO STDOUT WITH (FORMAT csv)';
    const stream = chopped.query(new CopyOutStream(copy));
    await expect(readAll(stream)).rejects.toThrow(/division by zero/);
    expect((await chopped.query('SELECT 2 AS ok')).rows).toEqual([{ ok: 2 }]);
  });

  it("fails with PostgreSQL's error and position when the query cannot start", async () => {
    const stream = direct.query(
      new CopyOutStream('COPY (SELECT nope FROM generate_series(1, 3) AS i) TO STDOUT WITH (FORMAT csv)'),
    );
    const error = await readAll(stream).then(
      () => undefined,
      (e: unknown) => e as { message: string; position?: string },
    );
    expect(error?.message).toMatch(/column "nope" does not exist/);
    expect(error?.position).toBe('14');
    expect((await direct.query('SELECT 3 AS ok')).rows).toEqual([{ ok: 3 }]);
  });
});
