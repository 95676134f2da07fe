/**
 * Where a file input may read. On a server the file system is the server's, not the product
 * owner's: a file input may only name a file under one of its domain's data roots
 * (`MESH_DATA_ROOTS="sales=/data/sales,/data/shared;*=/data/public"`, the same format as
 * MESH_ENV_GRANTS). The path is resolved with realpath, so neither `..` nor a symlink leads
 * out of a root; system folders (/proc, /sys, /dev, /etc, /run, /boot) and the platform's own
 * home (registry, warehouse) are refused even when a root would contain them. A relative path
 * resolves against the domain's first root. No roots for the domain: no file inputs there.
 *
 * On the user's own machine (local mode) a file input reads what the user can read, relative
 * to the descriptor's folder; MESH_DATA_ROOTS, when set, applies there too.
 */
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';

export interface FileRoots {
  readonly mode: 'local' | 'server';
  /** Undefined: none configured. */
  readonly roots?: ReadonlyArray<{ readonly domain: string; readonly dir: string }>;
  /** The platform's own folders (home, warehouse): never readable as a file input. */
  readonly platformDirs?: readonly string[];
}

const SYSTEM_DIRS = ['/proc', '/sys', '/dev', '/etc', '/run', '/boot'];

export type PlacedFile =
  | { readonly ok: true; readonly path: string; readonly missing?: true }
  | {
      readonly ok: false;
      readonly message: string;
      readonly hint: string;
      /** No root for the domain here: the file may be fine where roots are configured (a warning at publish). */
      readonly unconfigured?: true;
    };

/** Whether roots constrain file inputs here at all (always on a server). */
export function rootsApply(roots: FileRoots): boolean {
  return roots.mode === 'server' || roots.roots !== undefined;
}

/**
 * The real path a file input of `domain` reads, or why it may not. `shown` is the path as the
 * descriptor wrote it (never the resolved text, which may hold an environment value).
 */
export function placeFile(
  roots: FileRoots,
  domain: string,
  resolved: string,
  baseDir: string,
  shown: string,
): PlacedFile {
  if (!rootsApply(roots)) return { ok: true, path: isAbsolute(resolved) ? resolved : resolve(baseDir, resolved) };
  const mine = (roots.roots ?? []).filter((r) => r.domain === domain || r.domain === '*');
  const hint = `the platform's operator gives domain ${domain} a data root in MESH_DATA_ROOTS, e.g. MESH_DATA_ROOTS="${domain}=/srv/data/${domain}", and the file goes under it`;
  if (mine.length === 0)
    return { ok: false, message: `file ${shown}: domain ${domain} has no data root here`, hint, unconfigured: true };
  if (/[*?[]/.test(resolved))
    return {
      ok: false,
      message: `file ${shown}: wildcards are not allowed in server-side file inputs`,
      hint: 'name one file',
    };
  // On a server a relative path is under the domain's first root; locally, beside the descriptor.
  const full = isAbsolute(resolved) ? resolved : resolve(roots.mode === 'server' ? mine[0].dir : baseDir, resolved);
  // Absent (yet): placed by its lexical path, `..` resolved; the run places it again, by its real path.
  const real = existsSync(full) ? realpathSync(full) : full;
  const forbidden = [...SYSTEM_DIRS, ...(roots.platformDirs ?? []).map(realOr)];
  if (forbidden.some((d) => within(real, d)))
    return {
      ok: false,
      message: `file ${shown} is in a system or platform folder, which file inputs never read`,
      hint,
    };
  const inside = mine.some((r) => existsSync(r.dir) && within(real, realpathSync(r.dir)));
  if (!inside) return { ok: false, message: `file ${shown} is outside the data roots of domain ${domain}`, hint };
  return { ok: true, path: real, ...(existsSync(full) ? {} : { missing: true }) };
}

function realOr(dir: string): string {
  return existsSync(dir) ? realpathSync(dir) : resolve(dir);
}

function within(path: string, dir: string): boolean {
  const d = dir.endsWith(sep) ? dir.slice(0, -1) : dir;
  return path === d || path.startsWith(d + sep);
}
