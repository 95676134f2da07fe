/**
 * The masked copy of a snapshot: `masked-<fingerprint>.parquet` beside its `data.parquet`,
 * written once when a run publishes a product with PII columns, so a masked download streams a
 * file like an unmasked one instead of hashing every row per download. The fingerprint covers
 * what the values depend on — each masked column's name and masking, and a fingerprint of the
 * key when a column is hashed — so a copy written under another key (a rotation) or another
 * classification is simply not found, and the reader masks on the fly instead: a stale masked
 * file is never served. The file holds masked values only, never the key (nor the SQL that
 * held it).
 */
import { createHash } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ColumnSpec } from '../descriptor/data-product-schema.js';
import type { Engine } from './duckdb-engine.js';
import { maskedSelect, maskingOf, piiColumns } from './masked-select.js';
import { quoteLiteral } from './sql-text.js';

/** 16 hex digits that tell keys apart without revealing them (a domain-separated sha256 of a long secret). */
export function maskingKeyFingerprint(key: string): string {
  return createHash('sha256').update(`meshwork masking key fingerprint\n${key}`).digest('hex').slice(0, 16);
}

/**
 * The masked copy's file name for these columns (those the snapshot holds) and key, beside
 * the snapshot's `data.parquet`; undefined when no column is masked.
 */
export function maskedCopyName(columns: readonly ColumnSpec[], hashKey: string): string | undefined {
  const masks = piiColumns(columns)
    .map((c) => [c.name, maskingOf(c)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (masks.length === 0) return undefined;
  const key = masks.some(([, m]) => m === 'hash') ? maskingKeyFingerprint(hashKey) : null;
  const fingerprint = createHash('sha256').update(JSON.stringify({ masks, key })).digest('hex').slice(0, 16);
  return `masked-${fingerprint}.parquet`;
}

/**
 * Writes the masked copy of a snapshot file into `dir` (by default beside it) with `engine`
 * (the platform's, which may read the file): the masked projection every read path uses, so
 * its values are those of a masked query, input read, stream message and SQL port view.
 * Written under a temporary name and renamed, so a copy under its final name is always whole;
 * a run writes it in its work folder and publishes it with the snapshot. Returns its path, or
 * undefined when the snapshot has no PII column.
 */
export async function writeMaskedCopy(
  engine: Engine,
  snapshotFile: string,
  columns: readonly ColumnSpec[],
  hashKey: string,
  dir = dirname(snapshotFile),
): Promise<string | undefined> {
  const source = `read_parquet(${quoteLiteral(snapshotFile)})`;
  const present = new Set((await engine.rows(`DESCRIBE SELECT * FROM ${source}`)).map((r) => String(r.column_name)));
  const inFile = columns.filter((c) => present.has(c.name));
  const name = maskedCopyName(inFile, hashKey);
  if (!name) return undefined;
  const path = join(dir, name);
  const projection = maskedSelect(source, inFile, { piiCleared: false, hashKey });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await engine.connection.run(
      `COPY (${projection.sql}) TO ${quoteLiteral(tmp)} (FORMAT parquet, COMPRESSION snappy)`,
    );
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  return path;
}
