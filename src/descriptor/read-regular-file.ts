/**
 * Reads a file the user pointed at (a descriptor, a transform SQL file) without letting the
 * path cost anything: only regular files are read (symlinks are followed, but a FIFO, a device
 * or a socket is refused, so `/dev/zero` or a named pipe never blocks or fills memory), and the
 * size is checked before reading and enforced while reading (a file that grows, or one whose
 * size the kernel reports as 0, cannot slip past the limit).
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';

export type ReadFileResult =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly reason: 'not-found' | 'directory' | 'not-regular' | 'unreadable' }
  | { readonly ok: false; readonly reason: 'too-large'; readonly size: number };

export function readRegularFile(path: string, maxBytes: number): ReadFileResult {
  const before = statKind(path);
  if (before.reason) return { ok: false, reason: before.reason };
  if (before.size > maxBytes) return { ok: false, reason: 'too-large', size: before.size };
  let fd: number;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO after the stat, opening it does not hang.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
  try {
    if (!fstatSync(fd).isFile()) return { ok: false, reason: 'not-regular' };
    return readAtMost(fd, maxBytes);
  } catch {
    return { ok: false, reason: 'unreadable' };
  } finally {
    closeSync(fd);
  }
}

function statKind(path: string): { reason?: 'not-found' | 'directory' | 'not-regular'; size: number } {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return { reason: 'directory', size: 0 };
    if (!stat.isFile()) return { reason: 'not-regular', size: 0 };
    return { size: stat.size };
  } catch {
    return { reason: 'not-found', size: 0 };
  }
}

function readAtMost(fd: number, maxBytes: number): ReadFileResult {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(64 * 1024);
    const n = readSync(fd, chunk, 0, chunk.length, null);
    if (n === 0) break;
    total += n;
    if (total > maxBytes) return { ok: false, reason: 'too-large', size: total };
    chunks.push(chunk.subarray(0, n));
  }
  return { ok: true, bytes: Buffer.concat(chunks) };
}

/** `1.0 MiB`, `12.5 KiB`, `300 B`. */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}
