/**
 * The HTTP client's behaviour at the edges: reads retried through a 503, writes never
 * replayed, foreign error pages turned into typed errors.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor, MeshError } from '../../src/core/errors.js';
import { HttpPlatform } from '../../src/server/client/http-platform.js';

describe('HttpPlatform', () => {
  let server: Server;
  let url: string;
  const answers: Array<{ status: number; body: string; type?: string }> = [];
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      req.resume();
      const next = answers.shift() ?? { status: 200, body: '[]' };
      res.writeHead(next.status, { 'content-type': next.type ?? 'application/json' }).end(next.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('retries a read through a 503 and sends the token', async () => {
    seen.length = 0;
    answers.push(
      { status: 503, body: JSON.stringify({ error: { kind: 'unavailable', message: 'restarting' } }) },
      { status: 200, body: JSON.stringify([{ id: 'sales/orders' }]) },
    );
    const api = new HttpPlatform({ baseUrl: url, token: 'mesh_secret' });
    expect(await api.listProducts({ domain: 'sales' })).toEqual([{ id: 'sales/orders' }]);
    expect(seen).toEqual([
      'GET /v1/products?domain=sales Bearer mesh_secret',
      'GET /v1/products?domain=sales Bearer mesh_secret',
    ]);
  });

  it('never replays a write, and rebuilds the typed error', async () => {
    seen.length = 0;
    answers.push({
      status: 503,
      body: JSON.stringify({
        error: { kind: 'unavailable', message: 'the registry is unavailable right now; retry shortly' },
      }),
    });
    const api = new HttpPlatform({ baseUrl: url, token: 't' });
    const error = await api.publish({ file: 'p.yaml', yaml: 'x: 1' }).catch((e) => e);
    expect(error).toBeInstanceOf(MeshError);
    expect(error).toMatchObject({
      kind: 'unavailable',
      message: 'the registry is unavailable right now; retry shortly',
    });
    expect(exitCodeFor(error)).toBe(3);
    expect(seen).toHaveLength(1);
  });

  it('turns a proxy’s HTML error page into an unavailable error, and keeps details', async () => {
    answers.push({ status: 502, body: '<html>bad gateway</html>', type: 'text/html' });
    const api = new HttpPlatform({ baseUrl: url, retries: 0 });
    await expect(api.listTeams()).rejects.toMatchObject({ kind: 'unavailable' });
    answers.push({
      status: 409,
      body: JSON.stringify({ error: { kind: 'conflict', message: 'taken', details: { hint: 'bump the version' } } }),
    });
    await expect(api.createTeam({ name: 'x', domains: [] })).rejects.toMatchObject({
      kind: 'conflict',
      message: 'taken',
      details: { hint: 'bump the version' },
    });
  });
});
