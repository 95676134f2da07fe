/**
 * The warehouse as a local folder or a shared mount (NFS, a cluster filesystem): a key is the
 * path under the root. A put copies the finished file into the store's own scratch area
 * (`.incomplete/`, on the same filesystem), fsyncs it, and hard-links it under its key: the
 * link is atomic and fails when the key exists, so a reader never sees a partial object and
 * two writers of one key cannot both win. Names starting with a dot are the store's own and
 * never keys.
 */
import { createHash, randomUUID } from 'node:crypto';
import {
  constants,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { access, link, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConflictError } from '../../core/errors.js';
import { pointerText, type SnapshotPointer } from './warehouse-layout.js';
import { checkedKey, checkedPrefix, type StoredObject, type WarehouseStore } from './warehouse-store.js';

const INCOMPLETE = '.incomplete';

export class LocalWarehouseStore implements WarehouseStore {
  readonly location: string;

  constructor(readonly root: string) {
    this.location = root;
  }

  async checkWritable(): Promise<void> {
    // Said as the mount's problem (EROFS, EACCES), not as the ENOENT a recursive mkdir reports there.
    if (existsSync(this.root)) await access(this.root, constants.W_OK);
    await mkdir(this.root, { recursive: true });
  }

  async putFile(key: string, localFile: string): Promise<void> {
    const target = this.pathOf(key);
    const part = await this.newPart(key);
    try {
      await fillPart(localFile, part);
      await syncFile(part);
      await mkdir(dirname(target), { recursive: true });
      await this.linkOnce(part, target, key);
      await syncDir(dirname(target));
    } catch (e) {
      throw namedAfter(e, part, target);
    } finally {
      await rm(part, { force: true });
    }
  }

  async localPath(key: string): Promise<string> {
    return this.pathOf(key);
  }

  async openRead(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    // Opened before it is returned, so a missing object fails here and not in the middle of a response.
    const handle = await open(path, 'r');
    return handle.createReadStream();
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    const s = await stat(this.pathOf(key)).catch(ifMissing(undefined));
    return s?.isFile() ? { key, size: s.size } : undefined;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    const objects: StoredObject[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(ifMissing([]))) {
        if (entry.name.startsWith('.')) continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile())
          objects.push({ key: relative(this.root, path).split(sep).join('/'), size: (await stat(path)).size });
      }
    };
    await walk(join(this.root, ...checkedPrefix(prefix).split('/')));
    return objects.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async deletePrefix(prefix: string): Promise<void> {
    checkedPrefix(prefix);
    if (prefix === '') {
      for (const entry of await readdir(this.root).catch(ifMissing([])))
        if (!entry.startsWith('.')) await rm(join(this.root, entry), { recursive: true, force: true });
      return;
    }
    await rm(join(this.root, ...prefix.split('/')), { recursive: true, force: true });
  }

  async abandonIncomplete(prefix: string): Promise<void> {
    checkedPrefix(prefix);
    const dir = join(this.root, INCOMPLETE);
    for (const name of await readdir(dir).catch(ifMissing([]))) {
      const key = decodeURIComponent(name.slice(0, name.lastIndexOf('~')));
      if (key.startsWith(prefix)) await rm(join(dir, name), { force: true });
    }
  }

  async readText(key: string): Promise<string | undefined> {
    return readFile(this.pathOf(key), 'utf8').catch(ifMissing(undefined));
  }

  async replaceText(key: string, text: string): Promise<void> {
    const target = this.pathOf(key);
    const part = await this.newPart(key);
    try {
      const handle = await open(part, 'wx');
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await mkdir(dirname(target), { recursive: true });
      await rename(part, target);
      await syncDir(dirname(target));
    } catch (e) {
      throw namedAfter(e, part, target);
    } finally {
      await rm(part, { force: true });
    }
  }

  describe(key: string): string {
    return this.pathOf(key);
  }

  private pathOf(key: string): string {
    return join(this.root, ...checkedKey(key).split('/'));
  }

  /** A fresh scratch name for a write of `key` (its key is in the name, so abandonIncomplete finds it). */
  private async newPart(key: string): Promise<string> {
    checkedKey(key);
    const dir = join(this.root, INCOMPLETE);
    await mkdir(dir, { recursive: true }).catch(async (e: unknown) => {
      // A recursive mkdir on a read-only mount says ENOENT: say the mount's problem instead.
      await this.checkWritable();
      throw e;
    });
    return join(dir, `${encodeURIComponent(key)}~${process.pid}-${randomUUID()}`);
  }

  /** Links the finished part under its key; an existing object with the same bytes is the same put again. */
  private async linkOnce(part: string, target: string, key: string): Promise<void> {
    try {
      await link(part, target);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      if ((await digest(part)) !== (await digest(target)))
        throw new ConflictError(`${key} already exists in the warehouse with other content (objects are immutable)`);
    }
  }
}

/**
 * The part's bytes: a hard link to the finished file when both are on one filesystem (the
 * default, MESH_HOME holding the warehouse: as cheap as the rename it replaces), else a copy.
 */
async function fillPart(localFile: string, part: string): Promise<void> {
  if ((await stat(localFile)).isFile()) {
    try {
      await link(localFile, part);
      return;
    } catch {
      /* another filesystem (EXDEV), or one without links: copy, which also says a write failure as it is */
    }
  }
  await pipeline(createReadStream(localFile), createWriteStream(part, { flags: 'wx' }));
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    /* directory fsync is not supported everywhere; the link or rename is still atomic */
  }
}

async function digest(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

function ifMissing<T>(value: T): (e: unknown) => T {
  return (e) => {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return value;
    throw e;
  };
}

/** A write failure (ENOSPC mid-copy has no path; others name the scratch part) said about the object it was for. */
function namedAfter(e: unknown, part: string, target: string): unknown {
  const error = e as NodeJS.ErrnoException;
  if (error instanceof Error && error.code && (!error.path || error.path === part)) error.path = target;
  return e;
}

/** The local store's folder of a product's major (tests and tools over a local warehouse). */
export function productWarehouseDir(warehouseDir: string, productId: string, major: number): string {
  const [domain, name] = productId.split('/');
  return join(warehouseDir, domain, name, `v${major}`);
}

export function snapshotFile(dir: string, snapshotId: string): string {
  return join(dir, 'snapshots', snapshotId, 'data.parquet');
}

/** `current.json` of a local warehouse, read at once (tests and tools; the platform reads it through the store). */
export function readCurrentPointer(
  warehouseDir: string,
  productId: string,
  major: number,
): (SnapshotPointer & { key: string; file: string }) | undefined {
  const dir = productWarehouseDir(warehouseDir, productId, major);
  let text: string;
  try {
    text = readFileSync(join(dir, 'current.json'), 'utf8');
  } catch {
    return undefined;
  }
  const pointer = JSON.parse(text) as SnapshotPointer;
  const key = relative(warehouseDir, snapshotFile(dir, pointer.snapshotId)).split(sep).join('/');
  return { ...pointer, key, file: snapshotFile(dir, pointer.snapshotId) };
}

/** Writes `current.json` of a local warehouse folder at once (tests and tools that lay out a snapshot by hand). */
export function writeCurrentPointer(dir: string, pointer: SnapshotPointer): void {
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.current.json.${process.pid}.tmp`);
  writeFileSync(tmp, pointerText(pointer));
  renameSync(tmp, join(dir, 'current.json'));
}
