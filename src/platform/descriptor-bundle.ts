/**
 * A descriptor bundle is what gets validated and published: the YAML text plus the transform
 * SQL it refers to. It is self-contained, so a published version can be re-run exactly and a
 * bundle can travel to a server.
 */
import { createHash } from 'node:crypto';
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Diagnostic } from '../core/diagnostic.js';
import { InputError } from '../core/errors.js';
import type { DataProduct } from '../descriptor/data-product-schema.js';
import { validateDescriptor } from '../descriptor/validate-descriptor.js';
import { parseYamlText, readYamlFile, type YamlSource } from '../descriptor/yaml-source.js';

export const DESCRIPTOR_FILE = 'product.yaml';

export interface DescriptorBundle {
  /** The path shown in diagnostics (relative to where the user ran the command). */
  readonly file: string;
  readonly yaml: string;
  readonly transformSql?: string;
}

export interface CheckedBundle {
  readonly bundle: DescriptorBundle;
  readonly source: YamlSource;
  readonly product?: DataProduct;
  readonly diagnostics: Diagnostic[];
}

/** Reads and checks a descriptor on disk (transform file included); `label` is the path shown. */
export function loadDescriptorFile(file: string, label = file): CheckedBundle {
  const source = readYamlFile(file, label);
  const checked = validateDescriptor(source, { checkFiles: true, baseDir: dirname(file) });
  return {
    bundle: { file: label, yaml: source.text, transformSql: checked.transformSql },
    source,
    product: checked.product,
    diagnostics: checked.diagnostics,
  };
}

/** Checks a bundle that arrived without its folder (HTTP publish, published versions). */
export function checkBundle(bundle: DescriptorBundle): CheckedBundle {
  const source = parseYamlText(bundle.file, bundle.yaml);
  const checked = validateDescriptor(source, { checkFiles: false, transformSql: bundle.transformSql });
  return {
    bundle: { ...bundle, transformSql: checked.transformSql },
    source,
    product: checked.product,
    diagnostics: checked.diagnostics,
  };
}

/** Content identity of a version: the descriptor's meaning (canonical JSON) and its SQL, not its comments. */
export function contentHash(product: DataProduct, transformSql: string | undefined): string {
  return createHash('sha256')
    .update(canonicalJson(product))
    .update('\0')
    .update(transformSql ?? '')
    .digest('hex');
}

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.mesh', 'dist']);

/**
 * Expands the paths a user typed into descriptor files: anything that is not a folder is taken
 * as is (reading it reports a pipe, device or missing file as a located diagnostic), a folder is
 * searched (recursively) for product.yaml. A path that does not exist is a usage error.
 */
export function findDescriptorFiles(paths: readonly string[], cwd = process.cwd()): string[] {
  const found: string[] = [];
  for (const p of paths.length ? paths : ['.']) {
    const full = resolve(cwd, p);
    const kind = pathKind(full);
    if (kind === 'missing') throw new InputError(`no such file or folder: ${p}`);
    if (kind !== 'directory') {
      found.push(full);
      continue;
    }
    const before = found.length;
    walk(full, found);
    if (found.length === before)
      throw new InputError(`no ${DESCRIPTOR_FILE} found in ${p}`, {
        details: { hint: 'run `mesh init <name> --domain <d> --owner <email>` to create one' },
      });
  }
  return [...new Set(found)];
}

/** What a path is once symlinks are followed; a dangling link is missing. */
function pathKind(full: string): 'missing' | 'directory' | 'file' | 'other' {
  try {
    const stat = statSync(full);
    return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
  } catch {
    return 'missing';
  }
}

function walk(dir: string, out: string[]): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // an unreadable folder holds no descriptor we can check
  }
  for (const entry of entries) {
    // A symlinked product.yaml is read through the link; reading reports a pipe, device or dangling link.
    if (entry.name === DESCRIPTOR_FILE && pathKind(join(dir, entry.name)) !== 'directory')
      out.push(join(dir, entry.name));
  }
  for (const entry of entries) {
    if (entry.isDirectory() && !SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.'))
      walk(join(dir, entry.name), out);
  }
}

export function displayPath(file: string, cwd = process.cwd()): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') ? rel : file;
}
