/**
 * The README's first command: the quickstart runs end to end on the embedded default (no
 * server, no database), from init to runs and checks of the examples.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/quickstart.sh', import.meta.url));

describe('npm run quickstart', () => {
  it('runs end to end and publishes the example snapshots', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'mesh-qs-')), 'home');
    try {
      const r = spawnSync('bash', [SCRIPT], {
        encoding: 'utf8',
        env: { ...process.env, QUICKSTART_DIR: dir, MESH_DATABASE_URL: '', MESH_SERVER: '' },
        timeout: 120_000,
      });
      expect(r.stderr + r.stdout).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toContain('published sales/orders-daily@0.1.0');
      expect(r.stdout).toMatch(/✓ identity\/customers@1\.0\.0: run \S+ succeeded/);
      expect(r.stdout).toMatch(/✓ sales\/invoices-daily@1\.0\.0: run \S+ succeeded/);
      expect(r.stdout).toContain('Done. The registry is in');
    } finally {
      rmSync(join(dir, '..'), { recursive: true, force: true });
    }
  });
});
