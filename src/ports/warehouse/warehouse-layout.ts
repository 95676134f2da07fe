/**
 * Where a product's objects are in the warehouse store: keys, nothing resolved. A snapshot's
 * keys are new for every run (its id is the run's), so no key is ever written twice.
 */

/** What the registry records of a current snapshot, and what `current.json` says. */
export interface SnapshotPointer {
  readonly snapshotId: string;
  readonly version: string;
  readonly runId: string;
  readonly rows: number;
  readonly publishedAt: string;
}

/** `<domain>/<name>/v<major>/`: every key of a product's major. */
export function productPrefix(productId: string, major: number): string {
  const [domain, name] = productId.split('/');
  return `${domain}/${name}/v${major}/`;
}

export function snapshotsPrefix(productId: string, major: number): string {
  return `${productPrefix(productId, major)}snapshots/`;
}

/** Every object of one snapshot (its data and its masked copies). */
export function snapshotPrefix(productId: string, major: number, snapshotId: string): string {
  return `${snapshotsPrefix(productId, major)}${snapshotId}/`;
}

export function snapshotKey(productId: string, major: number, snapshotId: string): string {
  return `${snapshotPrefix(productId, major, snapshotId)}data.parquet`;
}

export function pointerKey(productId: string, major: number): string {
  return `${productPrefix(productId, major)}current.json`;
}

/** The text of `current.json` (the registry's record, nothing resolved). */
export function pointerText(pointer: SnapshotPointer): string {
  const { snapshotId, version, runId, rows, publishedAt } = pointer;
  return JSON.stringify({ snapshotId, version, runId, rows, publishedAt }, null, 2);
}
