/**
 * The conformance suite of the warehouse store (src/ports/warehouse/warehouse-store.ts): what
 * every implementation must do for the runner and the readers to be right on it. Each
 * implementation's test file calls `describeWarehouseStore` with a factory of fresh stores.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../../src/core/errors.js';
import type { WarehouseStore } from '../../src/ports/warehouse/warehouse-store.js';

const KEY = 'sales/orders/v1/snapshots/run-1/data.parquet';

export function describeWarehouseStore(name: string, newStore: () => Promise<WarehouseStore>): void {
  describe(`warehouse store conformance: ${name}`, () => {
    const local = mkdtempSync(join(tmpdir(), 'mesh-store-case-'));
    let store: WarehouseStore;
    let n = 0;
    /** A finished local file holding `content`, as a run leaves it in its work folder. */
    const fileOf = (content: string | Buffer) => {
      const path = join(local, `file-${n++}`);
      writeFileSync(path, content);
      return path;
    };
    beforeEach(async () => {
      store = await newStore();
    });
    afterAll(() => rmSync(local, { recursive: true, force: true }));

    it('a put object is read back whole, by stream and by local path, and stat says its size', async () => {
      expect(await store.stat(KEY)).toBeUndefined();
      const file = fileOf('snapshot bytes');
      await store.putFile(KEY, file);
      // The run removes its work folder after publishing: the object does not depend on it.
      rmSync(file);
      expect(await store.stat(KEY)).toEqual({ key: KEY, size: 14 });
      expect(await text(await store.openRead(KEY))).toBe('snapshot bytes');
      expect(await readFile(await store.localPath(KEY), 'utf8')).toBe('snapshot bytes');
    });

    it('reading a key with no object fails, listing an empty prefix gives nothing', async () => {
      await expect(store.openRead(KEY)).rejects.toThrow();
      expect(await store.list('sales/')).toEqual([]);
      expect(await store.readText('sales/orders/v1/current.json')).toBeUndefined();
    });

    it('a key is immutable: other content is refused and the first stays; the same content again is a no-op', async () => {
      await store.putFile(KEY, fileOf('first'));
      await store.putFile(KEY, fileOf('first'));
      const refused = store.putFile(KEY, fileOf('second'));
      await expect(refused).rejects.toBeInstanceOf(ConflictError);
      await expect(refused).rejects.toThrow(`${KEY} already exists in the warehouse with other content`);
      expect(await text(await store.openRead(KEY))).toBe('first');
    });

    it('concurrent puts of one key: same content all succeed, different content exactly one wins whole', async () => {
      const same = fileOf(Buffer.alloc(256 * 1024, 7));
      await Promise.all([store.putFile(KEY, same), store.putFile(KEY, same), store.putFile(KEY, same)]);
      expect(await store.stat(KEY)).toEqual({ key: KEY, size: 256 * 1024 });

      const other = 'sales/orders/v1/snapshots/run-2/data.parquet';
      const contents = ['a', 'b', 'c', 'd'].map((c) => Buffer.alloc(256 * 1024, c));
      const results = await Promise.allSettled(contents.map((c) => store.putFile(other, fileOf(c))));
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results.filter((x) => x.status === 'rejected'))
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
      const stored = Buffer.from(await readFile(await store.localPath(other)));
      expect(contents.some((c) => c.equals(stored))).toBe(true);
    });

    it('list gives every object under a prefix in key order; deletePrefix removes exactly that prefix', async () => {
      const keys = [
        'sales/orders/v1/snapshots/run-1/data.parquet',
        'sales/orders/v1/snapshots/run-1/masked-abc.parquet',
        'sales/orders/v1/snapshots/run-2/data.parquet',
        'sales/orders-eu/v1/snapshots/run-1/data.parquet',
      ];
      for (const key of keys) await store.putFile(key, fileOf(key));
      await store.replaceText('sales/orders/v1/current.json', '{"snapshotId":"run-2"}');
      expect((await store.list('sales/orders/v1/snapshots/')).map((o) => o.key)).toEqual(keys.slice(0, 3));
      expect((await store.list('sales/orders/v1/')).map((o) => o.key)).toContain('sales/orders/v1/current.json');
      await store.deletePrefix('sales/orders/v1/snapshots/run-1/');
      expect((await store.list('sales/')).map((o) => o.key)).toEqual([
        'sales/orders-eu/v1/snapshots/run-1/data.parquet',
        'sales/orders/v1/current.json',
        'sales/orders/v1/snapshots/run-2/data.parquet',
      ]);
      await store.deletePrefix('sales/orders/v1/snapshots/run-9/');
      await store.deletePrefix('');
      expect(await store.list('')).toEqual([]);
    });

    it('a mutable pointer is replaced whole', async () => {
      const key = 'sales/orders/v1/current.json';
      await store.replaceText(key, 'one');
      await store.replaceText(key, 'two');
      expect(await store.readText(key)).toBe('two');
    });

    it('keys and prefixes that could escape or clash with the store are refused', async () => {
      for (const bad of ['../x', '/abs/key', 'a//b', 'a/./b', '.incomplete/x', 'a\\b'])
        await expect(store.putFile(bad, fileOf('x'))).rejects.toThrow(/not a warehouse key/);
      await expect(store.list('sales')).rejects.toThrow(/ends with \//);
      await expect(store.deletePrefix('../')).rejects.toThrow(/not a warehouse prefix/);
    });

    it('a put from a local file that cannot be read leaves no object', async () => {
      await expect(store.putFile(KEY, join(local, 'missing'))).rejects.toThrow(/ENOENT/);
      expect(await store.stat(KEY)).toBeUndefined();
      await store.abandonIncomplete('');
      expect(await store.list('')).toEqual([]);
    });
  });
}
