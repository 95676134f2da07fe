/**
 * `mesh serve` as a real process: it starts on the embedded registry, serves the CLI through
 * --server, logs one JSON line per request without secrets, and on SIGTERM stops accepting,
 * finishes the request in flight and exits 0.
 */
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { productBundle } from '../helpers/products.js';
import { mesh } from '../helpers/run-mesh.js';
import { serveEnv, startServeProcess } from '../helpers/serve-process.js';

describe('mesh serve (process)', () => {
  const home = join(mkdtempSync(join(tmpdir(), 'mesh-serve-')), '.mesh');
  const env = serveEnv(home);
  let child: ChildProcess | undefined;
  let stderr = () => '';
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('serves, then shuts down gracefully on SIGTERM', async () => {
    const init = await mesh(['admin', 'init', '--json'], { env });
    expect(init.code).toBe(0);
    const token = JSON.parse(init.stdout).token as string;
    expect((await mesh(['admin', 'init'], { env })).stderr).toContain('an admin token already exists');

    const serve = await startServeProcess(env);
    child = serve.child;
    stderr = serve.stderr;
    const url = serve.url;
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const serverEnv = { MESH_SERVER: url, MESH_TOKEN: token };
    const work = mkdtempSync(join(tmpdir(), 'p-'));
    await mesh(['init', 'orders', '--domain', 'sales', '--owner', 'sales@company.com', '--template', 'file'], {
      cwd: work,
      env: serverEnv,
    });
    expect(
      (await mesh(['--server', url, 'publish', 'orders'], { cwd: work, env: { MESH_TOKEN: token, MESH_SERVER: '' } }))
        .stdout,
    ).toContain('published sales/orders@0.1.0');
    const list = await mesh(['catalog', 'list'], { env: serverEnv });
    expect(list.stdout).toContain('sales/orders');
    expect((await mesh(['whoami-not-a-command'], { env: serverEnv })).code).toBe(2);

    // A request in flight when SIGTERM arrives: its body is still being sent.
    const body = JSON.stringify(productBundle({ name: 'slow-body' }));
    const inFlight = new Promise<number>((resolve, reject) => {
      const req = request(
        `${url}/v1/check`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 100));
      setTimeout(() => {
        child!.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(100)), 300);
      }, 200);
    });
    expect(await inFlight).toBe(200);
    const code = await new Promise<number | null>((resolve) => child!.once('exit', resolve));
    expect(code).toBe(0);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    const lines = stderr()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.find((l) => l.msg === 'request' && l.path === '/v1/products' && l.method === 'GET')).toMatchObject({
      status: 200,
      user: 'admin',
    });
    expect(lines.find((l) => l.msg === 'request' && l.method === 'POST' && l.path === '/v1/products')).toMatchObject({
      status: 201,
    });
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['listening', 'shutting down', 'stopped']));
    expect(stderr()).not.toContain(token);
  });
});
