/**
 * The local folder (or shared mount) warehouse store: the conformance suite, then what only a
 * real filesystem can show — a writer SIGKILLed mid-put leaves no visible object, a full or
 * read-only mount fails the put with the file and the cause and leaves nothing behind.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { messageOf } from '../../src/runner/run-context.js';
import { LocalWarehouseStore } from '../../src/ports/warehouse/local-warehouse-store.js';
import { describeWarehouseStore } from './warehouse-store.case.js';

const work = mkdtempSync(join(tmpdir(), 'mesh-local-store-'));
let stores = 0;
afterAll(() => rmSync(work, { recursive: true, force: true }));

describeWarehouseStore('local folder', async () => new LocalWarehouseStore(join(work, `store-${stores++}`)));

const KEY = 'sales/orders/v1/snapshots/run-1/data.parquet';
const canMount = spawnSync('mount', ['--version']).status === 0 && process.getuid?.() === 0;

describe('local warehouse store on a real filesystem', () => {
  it('a writer killed mid-put leaves no object under the key; its part is abandoned and the key can be put again', async () => {
    const root = join(work, 'killed');
    const store = new LocalWarehouseStore(root);
    const fifo = join(work, 'slow-source');
    execFileSync('mkfifo', [fifo]);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join('test', 'helpers', 'store-put.ts'), root, KEY, fifo],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const source = createWriteStream(fifo);
    // Its reader is killed: the writes still queued fail with EPIPE, which is the point.
    source.on('error', () => undefined);
    source.write(Buffer.alloc(1024 * 1024, 1));
    // The writer is mid-put once its part holds bytes (the source stays open: it cannot finish).
    const parts = join(root, '.incomplete');
    while (!(existsSync(parts) && readdirSync(parts).some((p) => statSync(join(parts, p)).size > 0))) await sleep(20);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    source.destroy();

    expect(await store.stat(KEY)).toBeUndefined();
    expect(await store.list('')).toEqual([]);
    expect(readdirSync(parts)).toHaveLength(1);
    await store.abandonIncomplete('other/');
    expect(readdirSync(parts)).toHaveLength(1);
    await store.abandonIncomplete('sales/orders/v1/');
    expect(readdirSync(parts)).toEqual([]);
    const whole = join(work, 'whole');
    writeFileSync(whole, 'the whole snapshot');
    await store.putFile(KEY, whole);
    expect(await store.readText(KEY)).toBe('the whole snapshot');
  });

  it.runIf(canMount)('a full mount fails the put naming the object, and leaves neither object nor part', async () => {
    const root = join(work, 'full');
    mkdirSync(root);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', root]);
    try {
      const store = new LocalWarehouseStore(root);
      const big = join(work, 'big');
      writeFileSync(big, Buffer.alloc(3 * 1024 * 1024, 2));
      const error = await store.putFile(KEY, big).catch((e: unknown) => e);
      expect(messageOf(error)).toBe(`cannot write ${join(root, KEY)}: the file system is full (ENOSPC)`);
      expect(await store.stat(KEY)).toBeUndefined();
      expect(readdirSync(join(root, '.incomplete'))).toEqual([]);
      writeFileSync(big, 'small enough');
      await store.putFile(KEY, big);
      expect(await store.readText(KEY)).toBe('small enough');
    } finally {
      execFileSync('umount', ['-l', root]);
    }
  });

  it.runIf(canMount)('a read-only mount: checkWritable and put fail saying so, nothing is written', async () => {
    const root = join(work, 'read-only');
    mkdirSync(root);
    execFileSync('mount', ['--bind', root, root]);
    execFileSync('mount', ['-o', 'remount,ro,bind', root]);
    try {
      const store = new LocalWarehouseStore(root);
      const file = join(work, 'ro-source');
      writeFileSync(file, 'x');
      expect(messageOf(await store.checkWritable().catch((e: unknown) => e))).toBe(
        `cannot write ${root}: the file system is mounted read-only (EROFS)`,
      );
      expect(messageOf(await store.putFile(KEY, file).catch((e: unknown) => e))).toMatch(
        /^cannot write .+: the file system is mounted read-only \(EROFS\)$/,
      );
      expect(readdirSync(root)).toEqual([]);
    } finally {
      execFileSync('umount', ['-l', root]);
    }
  });
});
