/** The committed bundle in web/dist is what web/src builds to: nobody ships a stale catalog page. */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/chinook.js';

const files = (dir: string, prefix = ''): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );

it('web/dist is the build of web/src (run npm run build:web and commit it)', async () => {
  const out = mkdtempSync(join(tmpdir(), 'mesh-web-build-'));
  // As `npm run build:web` runs: Vite follows NODE_ENV, which the test runner sets to "test".
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  await build({
    configFile: join(REPO_ROOT, 'web', 'vite.config.mjs'),
    logLevel: 'silent',
    build: { outDir: out, emptyOutDir: true },
  }).finally(() => {
    process.env.NODE_ENV = nodeEnv;
  });
  const committed = join(REPO_ROOT, 'web', 'dist');
  expect(files(committed).sort()).toEqual(files(out).sort());
  const digest = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
  for (const f of files(out)) expect(digest(join(committed, f)), `web/dist/${f} is stale`).toBe(digest(join(out, f)));
}, 60_000);
