/**
 * A service the tests need that is down stops `npm test` before any test file runs, with one
 * line per missing service saying what, where it was looked for, and how to fix it.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isListening, missingServices, testServices } from '../helpers/test-services.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** A port nothing listens on: bound by us a moment ago, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the services the tests need', () => {
  it('one missing is one line before any test file runs: what, where, how to fix', async () => {
    const [pgPort, natsPort] = [await closedPort(), await closedPort()];
    const child = spawnSync('npx', ['vitest', 'run', 'test/repo/self-contained.test.ts'], {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60_000,
      env: {
        ...process.env,
        MESH_TEST_PG_URL: `postgres://postgres@127.0.0.1:${pgPort}/postgres`,
        MESH_NATS_URL: `nats://127.0.0.1:${natsPort}`,
        NO_COLOR: '1',
      },
    });
    const output = `${child.stdout}${child.stderr}`;
    expect(child.status).toBe(1);
    const lines = output.split('\n').filter((line) => /is not reachable/.test(line));
    expect(lines.map((line) => line.trim())).toEqual([
      expect.stringMatching(
        new RegExp(
          `^PostgreSQL is not reachable at 127\\.0\\.0\\.1:${pgPort} \\(from MESH_TEST_PG_URL\\): .*MESH_TEST_PG_URL=`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^NATS JetStream is not reachable at 127\\.0\\.0\\.1:${natsPort} \\(from MESH_NATS_URL\\): .*MESH_NATS_URL=`,
        ),
      ),
    ]);
    // Stopped before any test file: no test ran, no stack trace.
    expect(output).not.toMatch(/Test Files|✓|at .*\.ts:\d+/);
  });

  it('a service elsewhere is reported, not started', async () => {
    const port = await closedPort();
    const [pg] = testServices({ MESH_TEST_PG_URL: `postgres://postgres@127.0.0.1:${port}/postgres` });
    expect(pg.start).toBeUndefined();
    expect(await missingServices([pg])).toEqual([
      `PostgreSQL is not reachable at 127.0.0.1:${port} (from MESH_TEST_PG_URL): ${pg.advice}`,
    ]);
    expect(pg.advice).toMatch(/^start it \(pg_ctlcluster \S+ main start\), or set MESH_TEST_PG_URL=/);
  });

  it('the ones on this machine are up, at their defaults', async () => {
    const services = testServices({});
    expect(services.map((s) => `${s.name} ${s.host}:${s.port}`)).toEqual([
      'PostgreSQL 127.0.0.1:5432',
      'MariaDB 127.0.0.1:3306',
      'NATS JetStream 127.0.0.1:4222',
    ]);
    expect(await missingServices(services)).toEqual([]);
  });

  it('isListening tells an open port from a closed one', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    expect(await isListening('127.0.0.1', port)).toBe(true);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(await isListening('127.0.0.1', port)).toBe(false);
  });
});
