/**
 * A worker whose warehouse mount is read-only or full: the run fails with a message that says
 * which file and why, is recorded as failed (its lock freed), publishes nothing, and the last
 * good snapshot stays current and served. Real mounts (a read-only bind mount, a 2 MiB tmpfs),
 * so the test needs root, as CI has; elsewhere it is skipped.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mesh } from '../helpers/run-mesh.js';

const root = process.getuid?.() === 0;
const mounts: string[] = [];
const mount = (...args: string[]) => execFileSync('mount', args, { stdio: 'pipe' });

describe.runIf(root)('a warehouse that cannot be written', () => {
  let work: string;
  let warehouse: string;
  let env: NodeJS.ProcessEnv;
  const run = (args: string[]) => mesh(args, { cwd: join(work, 'orders'), env });

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'mesh-warehouse-faults-'));
    warehouse = join(work, 'warehouse');
    mkdirSync(warehouse);
    env = { MESH_HOME: join(work, '.mesh'), MESH_WAREHOUSE: warehouse, MESH_DATABASE_URL: '', MESH_SERVER: '' };
    const init = await mesh(
      ['init', 'orders', '--domain', 'sales', '--owner', 'sales@company.com', '--template', 'file'],
      { cwd: work, env },
    );
    expect(init.code, init.stderr).toBe(0);
    expect((await run(['publish', '.'])).code).toBe(0);
  });
  afterEach(() => {
    for (const m of mounts.splice(0).reverse()) execFileSync('umount', ['-l', m]);
  });
  afterAll(() => {
    for (const m of mounts.splice(0).reverse()) execFileSync('umount', ['-l', m]);
    rmSync(work, { recursive: true, force: true });
  });

  /** The last good run's snapshot, and that a download still serves it. */
  async function lastGoodServed(snapshot: string): Promise<void> {
    const runs = JSON.parse((await run(['runs', 'sales/orders', '--json'])).stdout) as Array<{
      status: string;
      snapshotId: string | null;
    }>;
    expect(runs[0].status).toBe('failed');
    expect(runs.find((r) => r.status === 'succeeded')?.snapshotId).toBe(snapshot);
    const csv = await run(['export-data', 'sales/orders', '--format', 'csv']);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe('id,label,amount,updated_at');
  }

  async function goodRun(): Promise<string> {
    const good = await run(['run', 'sales/orders', '--json']);
    expect(good.code, good.stderr).toBe(0);
    return (JSON.parse(good.stdout) as { snapshotId: string }).snapshotId;
  }

  it('read-only: the run fails naming the mount, nothing is published, the last good snapshot is served', async () => {
    const snapshot = await goodRun();
    mount('--bind', warehouse, warehouse);
    mounts.push(warehouse);
    mount('-o', 'remount,ro,bind', warehouse);
    const r = await run(['run', 'sales/orders']);
    const failed = { code: r.code, said: r.stdout + r.stderr };
    expect(failed.code).toBe(1);
    expect(failed.said).toContain(`cannot write ${warehouse}: the file system is mounted read-only (EROFS)`);
    expect(failed.said).toContain('nothing was published; the last good snapshot stays current');
    expect(failed.said).not.toMatch(/bug in Meshwork|at .*\.js:\d+/);
    await lastGoodServed(snapshot);
  });

  it('full: the run fails naming the file it could not write, and the next run after space is freed succeeds', async () => {
    const full = join(work, 'full-warehouse');
    mkdirSync(full);
    mount('-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', full);
    mounts.push(full);
    env = { ...env, MESH_WAREHOUSE: full };
    const snapshot = await goodRun();
    const filler = join(full, 'filler');
    try {
      writeFileSync(filler, Buffer.alloc(4 * 1024 * 1024));
    } catch {
      // ENOSPC: the file system is now full, which is the point.
    }
    const r = await run(['run', 'sales/orders']);
    const failed = { code: r.code, said: r.stdout + r.stderr };
    expect(failed.code).toBe(1);
    // The run builds its files on local disk; putting them in the full store is what fails.
    expect(failed.said).toMatch(
      new RegExp(
        `cannot write ${full}/sales/orders/v0/snapshots/[^/]+/data\\.parquet: the file system is full \\(ENOSPC\\)`,
      ),
    );
    expect(failed.said).toContain('nothing was published; the last good snapshot stays current');
    await lastGoodServed(snapshot);
    rmSync(filler);
    expect((await run(['run', 'sales/orders'])).code).toBe(0);
  });
});
