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
import { existsSync, renameSync, rmSync } from 'node:fs';
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
 * Where the masked copy of `snapshotFile` for these columns (those the file holds) and key is,
 * or would be; undefined when no column is masked.
 */
export function maskedCopyPath(
  snapshotFile: string,
  columns: readonly ColumnSpec[],
  hashKey: string,
): string | undefined {
  const masks = piiColumns(columns)
    .map((c) => [c.name, maskingOf(c)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (masks.length === 0) return undefined;
  const key = masks.some(([, m]) => m === 'hash') ? maskingKeyFingerprint(hashKey) : null;
  const fingerprint = createHash('sha256').update(JSON.stringify({ masks, key })).digest('hex').slice(0, 16);
  return join(dirname(snapshotFile), `masked-${fingerprint}.parquet`);
}

/** The masked copy, when one was written for exactly these columns and this key. */
export function existingMaskedCopy(
  snapshotFile: string,
  columns: readonly ColumnSpec[],
  hashKey: string,
): string | undefined {
  const path = maskedCopyPath(snapshotFile, columns, hashKey);
  return path && existsSync(path) ? path : undefined;
}

/**
 * Writes the masked copy of a snapshot with `engine` (the platform's, which may read the
 * warehouse): the masked projection every read path uses, so its values are those of a masked
 * query, input read, stream message and SQL port view. Written under a temporary name and
 * renamed, so a copy under its final name is always whole. Returns its path, or undefined when
 * the snapshot has no PII column.
 */
export async function writeMaskedCopy(
  engine: Engine,
  snapshotFile: string,
  columns: readonly ColumnSpec[],
  hashKey: string,
): Promise<string | undefined> {
  const source = `read_parquet(${quoteLiteral(snapshotFile)})`;
  const present = new Set((await engine.rows(`DESCRIBE SELECT * FROM ${source}`)).map((r) => String(r.column_name)));
  const inFile = columns.filter((c) => present.has(c.name));
  const path = maskedCopyPath(snapshotFile, inFile, hashKey);
  if (!path) return undefined;
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
