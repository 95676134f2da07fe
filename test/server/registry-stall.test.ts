/**
 * A stalled registry (issue 11, finding 8): a real `mesh serve` (the built CLI) whose
 * PostgreSQL registry is reached through a TCP proxy that freezes — stops forwarding without
 * closing either side, as a hung database or a black-holed network does. Requests must fail
 * with 503 within a few seconds instead of hanging for the whole stall, `/readyz` must fail
 * within about a second, and both must recover when the database answers again. On SQLite
 * the stall is another process holding the write lock: a write fails after the busy timeout.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/registries.js';
import { startServeProcess } from '../helpers/serve-process.js';
import { mesh } from '../helpers/run-mesh.js';

/** Forwards to PostgreSQL; `freeze()` stops forwarding both ways, leaving every socket open. */
async function startFreezingProxy(target: URL) {
  let frozen = false;
  const pairs: Array<[Socket, Socket]> = [];
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    pairs.push([client, upstream]);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (data) => {
        if (!frozen) to.write(data);
        // Frozen: the bytes are swallowed, as by a hung peer; nothing is closed.
      });
    forward(client, upstream);
    forward(upstream, client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: Object.assign(new URL(target.toString()), { port: String(port) }).toString(),
    freeze: () => (frozen = true),
    /** Thawed, the connections that saw swallowed bytes are broken; they are closed so clients reconnect. */
    thaw: () => {
      frozen = false;
      for (const [a, b] of pairs.splice(0)) {
        a.destroy();
        b.destroy();
      }
    },
    close: () => {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      server.close();
    },
  };
}

async function startServe(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  return startServeProcess({ ...process.env, ...env }, { built: true });
}

/** Status and how long it took; a request still hanging after `giveUpMs` counts as a hang. */
async function timed(url: string, init: RequestInit = {}, giveUpMs = 20_000) {
  const started = Date.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(giveUpMs) });
    const body = (await res.json()) as { error?: { kind: string } };
    return { status: res.status, ms: Date.now() - started, kind: body.error?.kind };
  } catch {
    return { status: 0, ms: Date.now() - started, kind: 'hang' };
  }
}

describe('a stalled registry', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('on PostgreSQL (a frozen connection): 503 within a few seconds, /readyz fails within ~1 s, both recover', async () => {
    const db = await createTestDatabase('mesh_stall');
    cleanups.push(() => db.drop());
    const proxy = await startFreezingProxy(new URL(db.url));
    cleanups.push(() => proxy.close());
    const home = mkdtempSync(join(tmpdir(), 'mesh-stall-'));
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    const env = { MESH_HOME: home, MESH_DATABASE_URL: proxy.url, MESH_SERVER: '' };
    const init = await mesh(['admin', 'init', '--json'], { env });
    expect(init.code, init.stderr).toBe(0);
    const token = JSON.parse(init.stdout).token as string;
    const { child, url } = await startServe(env);
    cleanups.push(() => void child.kill('SIGKILL'));
    const auth = { headers: { authorization: `Bearer ${token}` } };

    expect((await timed(`${url}/readyz`)).status).toBe(200);
    expect((await timed(`${url}/v1/events`, auth)).status).toBe(200);

    proxy.freeze();
    const [ready, events, whoami] = await Promise.all([
      timed(`${url}/readyz`),
      timed(`${url}/v1/events`, auth),
      timed(`${url}/v1/whoami`, auth),
    ]);
    expect(ready).toMatchObject({ status: 503, kind: 'unavailable' });
    expect(ready.ms).toBeLessThan(2_500);
    for (const r of [events, whoami]) {
      expect(r).toMatchObject({ status: 503, kind: 'unavailable' });
      expect(r.ms).toBeLessThan(10_000);
    }
    // Still frozen: a new request does not hang either (the pool does not hand out a dead connection forever).
    const again = await timed(`${url}/v1/events`, auth);
    expect(again).toMatchObject({ status: 503, kind: 'unavailable' });
    expect(again.ms).toBeLessThan(10_000);
    expect((await timed(`${url}/readyz`)).status).toBe(503);

    proxy.thaw();
    expect((await timed(`${url}/readyz`)).status).toBe(200);
    expect((await timed(`${url}/v1/events`, auth)).status).toBe(200);
  }, 90_000);

  it('on SQLite (the write lock held by another process): a write fails with 503 after the busy timeout', async () => {
    const home = mkdtempSync(join(tmpdir(), 'mesh-stall-'));
    cleanups.push(() => rmSync(home, { recursive: true, force: true }));
    const env = { MESH_HOME: home, MESH_DATABASE_URL: '', MESH_SERVER: '' };
    const init = await mesh(['admin', 'init', '--json'], { env });
    expect(init.code, init.stderr).toBe(0);
    const token = JSON.parse(init.stdout).token as string;
    const { child, url } = await startServe(env);
    cleanups.push(() => void child.kill('SIGKILL'));
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const createTeam = (name: string) =>
      timed(`${url}/v1/teams`, { method: 'POST', headers, body: JSON.stringify({ name, domains: ['sales'] }) });
    expect((await createTeam('before')).status).toBe(201);

    const holder = new BetterSqlite3(join(home, 'registry.sqlite'));
    holder.exec('BEGIN EXCLUSIVE');
    cleanups.push(() => {
      if (holder.inTransaction) holder.exec('ROLLBACK');
      holder.close();
    });
    const stalled = await createTeam('during');
    expect(stalled).toMatchObject({ status: 503, kind: 'unavailable' });
    expect(stalled.ms).toBeLessThan(8_000);
    holder.exec('ROLLBACK');
    expect((await createTeam('after')).status).toBe(201);
  }, 60_000);
});
