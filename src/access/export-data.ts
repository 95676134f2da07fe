/**
 * The snapshot download, the first enforced read path: decide, then stream the current
 * snapshot of the major as the reader may see it. Refused reads write nothing. A parquet
 * download streams a file as it is: the snapshot when nothing is masked, its masked copy (written
 * by the run that published it) otherwise. CSV and JSON — and a masked read the run wrote no
 * copy for — are a DuckDB COPY of the masked projection to a temporary file, streamed and
 * removed once read.
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import type { Readable as NodeReadable } from 'node:stream';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { NotFoundError, UnavailableError } from '../core/errors.js';
import { openEngine } from '../engine/duckdb-engine.js';
import { lockToDirectories } from '../engine/sandbox.js';
import { maskedSelect, type MaskedSelect } from '../engine/masked-select.js';
import { maskingKeyFromEnv } from '../engine/masking-key.js';
import { quoteLiteral } from '../engine/sql-text.js';
import { findMaskedCopy, readCurrentSnapshot, type CurrentSnapshot } from '../ports/warehouse.js';
import { openWarehouseStore } from '../ports/warehouse/open-warehouse-store.js';
import type { WarehouseStore } from '../ports/warehouse/warehouse-store.js';
import type { Registry } from '../registry/registry.js';
import type { DataExport, DataFormat } from './access-api.js';
import { authorizeRead, logRead, readRefusal } from './authorize-read.js';
import type { AccessScope } from './principal.js';
import { classifiedColumns } from './read-target.js';

export interface ExportOptions {
  readonly warehouseDir: string;
  readonly format: DataFormat;
  /** MESH_MASKING_KEY; the development key when absent. */
  readonly hashKey?: string;
  /** A server: hashed columns are refused without a real key. */
  readonly requireHashKey?: boolean;
}

const CONTENT_TYPES: Record<DataFormat, string> = {
  parquet: 'application/vnd.apache.parquet',
  csv: 'text/csv; charset=utf-8',
  json: 'application/x-ndjson',
};
const COPY_OPTIONS: Record<DataFormat, string> = {
  parquet: 'FORMAT parquet, COMPRESSION snappy',
  csv: 'FORMAT csv, HEADER true',
  json: 'FORMAT json',
};

export async function exportData(
  registry: Registry,
  scope: AccessScope,
  ref: string,
  options: ExportOptions,
): Promise<DataExport> {
  const started = performance.now();
  const { target, decision } = await authorizeRead(registry, scope, ref);
  if (!decision.allowed) {
    await logRead(registry, decision, 'download', { durationMs: performance.now() - started });
    throw readRefusal(decision);
  }
  const store = openWarehouseStore(options.warehouseDir);
  const snapshot = await readCurrentSnapshot(registry, store, target.product, target.major);
  if (!snapshot)
    throw new NotFoundError(`${target.product}@${target.major} has no snapshot yet`, {
      details: { hint: `mesh run ${target.product} publishes one` },
    });
  const classified = await classifiedColumns(registry, target, snapshot.version);
  const key = options.hashKey ? { key: options.hashKey, fromEnv: true } : maskingKeyFromEnv({});
  const dir = mkdtempSync(join(tmpdir(), 'mesh-export-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  let written: Written;
  try {
    written = await writeExport(store, dir, snapshot, options.format, async (inFile) => {
      const columns = classified.filter((c) => inFile.has(c.name));
      const projection = maskedSelect(`read_parquet(${quoteLiteral(snapshot.file)})`, columns, {
        piiCleared: decision.piiCleared,
        hashKey: key.key,
      });
      if (projection.hashes && options.requireHashKey && !key.fromEnv)
        throw new UnavailableError('this server has no MESH_MASKING_KEY, so it cannot serve hashed columns', {
          details: { hint: 'the operator sets MESH_MASKING_KEY (a long random secret) in the server environment' },
        });
      const copyKey = projection.masked.length ? await findMaskedCopy(store, snapshot, columns, key.key) : undefined;
      return { projection, copyKey };
    });
  } catch (error) {
    cleanup();
    throw error;
  }
  if (written.stored) cleanup();
  const rows = written.rows ?? snapshot.rows;
  await logRead(registry, decision, 'download', {
    maskedColumns: written.masked,
    rows,
    durationMs: performance.now() - started,
  });
  return {
    product: target.product,
    major: target.major,
    snapshotId: snapshot.snapshotId,
    format: options.format,
    rows,
    maskedColumns: written.masked,
    piiCleared: decision.piiCleared,
    contentType: CONTENT_TYPES[options.format],
    body: streamOf(
      written.stored ? await store.openRead(written.stored) : createReadStream(written.file!),
      written.stored ? () => undefined : cleanup,
    ),
  };
}

/** The file a download streams, its rows (null: the snapshot's) and the columns masked in it. */
interface Written {
  /** A file of the export's own (in its temporary folder). */
  readonly file?: string;
  /** Or an object of the store streamed as it is (the snapshot or its masked copy). */
  readonly stored?: string;
  readonly rows: number | null;
  readonly masked: string[];
}

/**
 * Reads the snapshot's columns and builds the projection over them. A parquet download is a
 * file already written — the snapshot itself when nothing is masked, else the masked copy the
 * run wrote (engine/masked-copy.ts) when it matches the classification and the key; CSV and
 * JSON, or a masked read without such a copy (a snapshot from before it, a rotated key), are a
 * COPY into `dir` (from the masked copy when there is one: nothing is hashed again).
 */
async function writeExport(
  store: WarehouseStore,
  dir: string,
  snapshot: CurrentSnapshot,
  format: DataFormat,
  project: (columns: ReadonlySet<string>) => Promise<{ projection: MaskedSelect; copyKey?: string }>,
): Promise<Written> {
  const snapshotFile = snapshot.file;
  const engine = await openEngine({ workDir: dir });
  try {
    const described = await engine.rows(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(snapshotFile)})`);
    const { projection, copyKey } = await project(new Set(described.map((r) => String(r.column_name))));
    const masked = projection.masked;
    if (format === 'parquet' && masked.length === 0) return { stored: snapshot.key, rows: null, masked };
    if (format === 'parquet' && copyKey) return { stored: copyKey, rows: null, masked };
    const copy = copyKey ? await store.localPath(copyKey) : undefined;
    await lockToDirectories(engine, [...new Set([dirname(snapshotFile), ...(copy ? [dirname(copy)] : []), dir])]);
    const file = join(dir, `data.${format}`);
    const query = copy ? `SELECT * FROM read_parquet(${quoteLiteral(copy)})` : projection.sql;
    const result = await engine.rows(`COPY (${query}) TO ${quoteLiteral(file)} (${COPY_OPTIONS[format]})`);
    return { file, rows: Number(Object.values(result[0] ?? {})[0] ?? 0), masked };
  } finally {
    engine.close();
  }
}

function streamOf(stream: NodeReadable, cleanup: () => void): ReadableStream<Uint8Array> {
  stream.once('close', cleanup);
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}
