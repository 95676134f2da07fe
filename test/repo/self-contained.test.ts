/**
 * A fresh clone is all the project needs: no source, test, benchmark, script, CI or example
 * file names a path outside the repository (a sibling folder such as shared/, more `..` than the
 * file is deep, or an absolute path on the machine it was written on). `.ci/run` also runs
 * the suite from a copy of the clone in an empty folder, so a path that slips through this
 * scan still fails there.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCANNED_FOLDERS = ['src', 'test', 'bench', 'scripts', '.ci', 'examples', 'policies'];
const SCANNED_FILES = ['package.json', 'vitest.config.ts', 'tsconfig.json', 'tsconfig.build.json', 'eslint.config.js'];
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', '.mesh', '.git', 'quickstart-home', '.scratch']);
const THIS_FILE = relative(REPO, fileURLToPath(import.meta.url))
  .split(sep)
  .join('/');
const MAX_BYTES = 1024 * 1024;

/** Absolute paths of a developer machine or this one; /tmp and /dev are fine. */
const ABSOLUTE = /(?<![\w.])\/(?:work|home|Users|root|mnt)\/[\w.-]+/g;
/** A sibling of the repository by name. */
const SIBLING = /\.\.\/(?:shared|main|wt)\b/g;
/** `../../..` as one path. */
const PARENT_RUN = /(?<![\w.])(?:\.\.\/)+/g;
/** `'..', '..', '..'` as arguments of join/resolve. */
const PARENT_ARGS = /(['"])\.\.\1(?:\s*,\s*(['"])\.\.\2)*/g;

interface Escape {
  readonly file: string;
  readonly line: number;
  readonly text: string;
  readonly why: string;
}

/** Every place in `text` (the file at `file`, relative to the root) that reaches outside the root. */
function findEscapes(file: string, text: string): Escape[] {
  const depth = file.split('/').length - 1;
  const found: Escape[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    // A path a test hands the platform as an attack, marked so on the line before: not one this project reads.
    if (lines[index - 1]?.includes('self-contained: an attack path')) return;
    const at = (match: string, why: string): void => {
      found.push({ file, line: index + 1, text: match, why });
    };
    for (const m of line.matchAll(ABSOLUTE)) at(m[0], 'an absolute path on a particular machine');
    for (const m of line.matchAll(SIBLING)) at(m[0], 'a folder beside the repository');
    for (const m of line.matchAll(PARENT_RUN)) {
      const ups = m[0].length / 3;
      if (ups > depth) at(m[0], `${ups} levels up from a file ${depth} deep`);
    }
    for (const m of line.matchAll(PARENT_ARGS)) {
      const ups = (m[0].match(/\.\./g) ?? []).length;
      if (ups > depth) at(m[0], `${ups} levels up from a file ${depth} deep`);
    }
  });
  return found;
}

function filesUnder(folder: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(join(REPO, folder));
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = `${folder}/${name}`;
    const stat = statSync(join(REPO, path));
    if (stat.isDirectory()) return SKIPPED_FOLDERS.has(name) ? [] : filesUnder(path);
    return stat.isFile() && stat.size <= MAX_BYTES ? [path] : [];
  });
}

function scannedFiles(): string[] {
  const files = [...SCANNED_FOLDERS.flatMap(filesUnder), ...SCANNED_FILES];
  return files.filter((file) => file !== THIS_FILE);
}

function isText(bytes: Buffer): boolean {
  return !bytes.includes(0);
}

describe('the repository is self-contained', () => {
  it('no tracked source, test, bench, script, CI or example file reads a path outside it', () => {
    const files = scannedFiles();
    const escapes = files.flatMap((file) => {
      const bytes = readFileSync(join(REPO, file));
      return isText(bytes) ? findEscapes(file, bytes.toString('utf8')) : [];
    });
    expect(escapes.map((e) => `${e.file}:${e.line}: ${e.text} (${e.why})`)).toEqual([]);
    // The scan saw the tree: every folder it is about, and more than a handful of files.
    expect(files).toContain('package.json');
    expect(files).toContain('.ci/run');
    expect(files.filter((f) => f.startsWith('src/')).length).toBeGreaterThan(100);
    expect(files.filter((f) => f.startsWith('test/')).length).toBeGreaterThan(30);
  });

  it('finds each kind of escape, and leaves paths inside the repository alone', () => {
    // Built from parts, so that a plain grep for a sibling path does not take this sample for one.
    const sibling = ['..', 'shared'].join('/');
    const sample = [
      `const data = '${sibling}/chinook.sql';`,
      "readFileSync('/work/shared/x.csv');",
      "import x from '../../../../outside.js';",
      "join(import.meta.dirname, '..', '..', '..');",
      "import { a } from '../../src/core/errors.js';",
      "join(import.meta.dirname, '..', '..');",
      "const tmp = '/tmp/mesh-test';",
    ].join('\n');
    const found = findEscapes('test/cli/sample.test.ts', sample);
    expect(found.map((e) => [e.line, e.text])).toEqual([
      [1, sibling],
      [2, '/work/shared'],
      [3, '../../../../'],
      [4, "'..', '..', '..'"],
    ]);
  });
});
