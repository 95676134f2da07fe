/**
 * The web catalog: the built bundle in web/dist (committed, so an `npm ci` install serves it
 * without a build step), read once into memory and served at `/`. Only the files the build
 * wrote are served (no path from a request ever reaches the file system). The page talks to
 * /v1 with the token from its session, so these routes need none; a strict Content Security
 * Policy keeps the page to its own scripts and its own API.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import type { AppEnv } from './app-env.js';

/** src/server and dist/server are both two folders below the package root. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
};

const HEADERS = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

interface WebFile {
  readonly body: Buffer;
  readonly type: string;
}

function loadBundle(dir: string): Map<string, WebFile> {
  const files = new Map<string, WebFile>();
  if (!existsSync(join(dir, 'index.html'))) return files;
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else
        files.set(`/${relative(dir, path).split('\\').join('/')}`, {
          body: readFileSync(path),
          type: TYPES[extname(name)] ?? 'application/octet-stream',
        });
    }
  };
  walk(dir);
  return files;
}

export function webCatalogRoutes(app: Hono<AppEnv>, dir = WEB_DIST): void {
  const files = loadBundle(dir);
  const send = (file: WebFile, cache: string) =>
    new Response(new Uint8Array(file.body), {
      headers: { ...HEADERS, 'Content-Type': file.type, 'Cache-Control': cache },
    });
  app.get('/', (c) => {
    const index = files.get('/index.html');
    if (!index)
      return c.json(
        { error: { kind: 'not-found', message: 'the web catalog is not built here: run npm run build:web' } },
        404,
      );
    return send(index, 'no-cache');
  });
  app.get('/assets/*', (c) => {
    const file = files.get(c.req.path);
    if (!file) return c.json({ error: { kind: 'not-found', message: `no file ${c.req.path}` } }, 404);
    return send(file, 'no-cache');
  });
}
