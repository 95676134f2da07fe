/**
 * The warehouse seam holds: the runner, the ports and the readers reach snapshots only
 * through the WarehouseStore (src/ports/warehouse/), so an object store can be added without
 * touching them. A file of those layers that imports node:fs must be listed here with what
 * it touches, which is never a warehouse path; a new one fails this test until it is
 * reviewed and listed (or goes through the store).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const SEAMED = ['src/runner', 'src/ports', 'src/query', 'src/access'];

/** Each file allowed node:fs, and what it uses it for. */
const LOCAL_FILES_ONLY: Record<string, string> = {
  'src/ports/warehouse/local-warehouse-store.ts': 'the local store itself: the one place warehouse files are touched',
  'src/runner/work-dir.ts': "the run's local work folder under MESH_HOME",
  'src/runner/run-context.ts': "a dry run's temporary work folder",
  'src/runner/run-pipeline.ts': "the run's staging folder, removed with the work folder",
  'src/runner/file-roots.ts': "file inputs' data roots (the user's files)",
  'src/runner/extract/extract-file.ts': 'a file input (the user file)',
  'src/runner/extract/extract-postgres.ts': 'spill files in the work folder',
  'src/runner/extract/extract-mysql.ts': 'spill files in the work folder',
  'src/runner/engines/duckdb-run-engine.ts': "the candidate's folder in the work folder",
  'src/runner/engines/postgres-run-engine.ts': 'the candidate and CSV exports in the work folder',
  'src/ports/postgres-port.ts': "a CSV load file in the run's work folder",
  'src/query/query-parquet.ts': "a query result's parquet in a temporary folder",
  'src/access/export-data.ts': "a download's CSV/JSON in a temporary folder",
};

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('the warehouse seam', () => {
  const files = SEAMED.flatMap(sources).map((f) => relative(ROOT, join(ROOT, f)).split('\\').join('/'));

  it('no runner, port or reader file uses node:fs except those listed with their local-only use', () => {
    const usingFs = files.filter((f) => /from 'node:fs(\/promises)?'/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(usingFs.filter((f) => !(f in LOCAL_FILES_ONLY))).toEqual([]);
    // A listed file that no longer needs node:fs is taken off the list.
    expect(Object.keys(LOCAL_FILES_ONLY).filter((f) => !usingFs.includes(f))).toEqual([]);
  });

  it('no file outside the local store names its layout on disk (scratch parts, the old in-warehouse work folder)', () => {
    const naming = files.filter(
      (f) =>
        f !== 'src/ports/warehouse/local-warehouse-store.ts' &&
        /['`/]\.(incomplete|work)\b/.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(naming).toEqual([]);
  });
});
