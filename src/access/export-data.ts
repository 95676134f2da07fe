/**
 * The snapshot download, the first enforced read path: decide, then stream the current
 * snapshot of the major as the reader may see it. Refused reads write nothing. A parquet
 * download streams a file as it is: the snapshot when nothing is masked, its masked copy (written
 * by the run that published it) otherwise. CSV and JSON — and a masked read the run wrote no
 * copy for — are a DuckDB COPY of the masked projection to a temporary file, streamed and
 * removed once read.
 */
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { NotFoundError, UnavailableError } from '../core/errors.js';
import { openEngine } from '../engine/duckdb-engine.js';
import { lockToDirectories } from '../engine/sandbox.js';
import { maskedSelect, type MaskedSelect } from '../engine/masked-select.js';
import { existingMaskedCopy } from '../engine/masked-copy.js';
import { maskingKeyFromEnv } from '../engine/masking-key.js';
import { quoteLiteral } from '../engine/sql-text.js';
import { readCurrentSnapshot } from '../ports/warehouse.js';
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
  const snapshot = await readCurrentSnapshot(registry, options.warehouseDir, target.product, target.major);
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
    written = await writeExport(dir, snapshot.file, options.format, (inFile) => {
      const columns = classified.filter((c) => inFile.has(c.name));
      const projection = maskedSelect(`read_parquet(${quoteLiteral(snapshot.file)})`, columns, {
        piiCleared: decision.piiCleared,
        hashKey: key.key,
      });
      if (projection.hashes && options.requireHashKey && !key.fromEnv)
        throw new UnavailableError('this server has no MESH_MASKING_KEY, so it cannot serve hashed columns', {
          details: { hint: 'the operator sets MESH_MASKING_KEY (a long random secret) in the server environment' },
        });
      const copy = projection.masked.length ? existingMaskedCopy(snapshot.file, columns, key.key) : undefined;
      return { projection, copy };
    });
  } catch (error) {
    cleanup();
    throw error;
  }
  const ours = written.file.startsWith(dir);
  if (!ours) cleanup();
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
    body: streamFile(written.file, ours ? cleanup : () => undefined),
  };
}

/** The file a download streams, its rows (null: the snapshot's) and the columns masked in it. */
interface Written {
  readonly file: string;
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
  dir: string,
  snapshotFile: string,
  format: DataFormat,
  project: (columns: ReadonlySet<string>) => { projection: MaskedSelect; copy?: string },
): Promise<Written> {
  const engine = await openEngine({ workDir: dir });
  try {
    await lockToDirectories(engine, [dirname(snapshotFile), dir]);
    const described = await engine.rows(`DESCRIBE SELECT * FROM read_parquet(${quoteLiteral(snapshotFile)})`);
    const { projection, copy } = project(new Set(described.map((r) => String(r.column_name))));
    const masked = projection.masked;
    if (format === 'parquet' && masked.length === 0) return { file: snapshotFile, rows: null, masked };
    if (format === 'parquet' && copy) return { file: copy, rows: null, masked };
    const file = join(dir, `data.${format}`);
    const query = copy ? `SELECT * FROM read_parquet(${quoteLiteral(copy)})` : projection.sql;
    const result = await engine.rows(`COPY (${query}) TO ${quoteLiteral(file)} (${COPY_OPTIONS[format]})`);
    return { file, rows: Number(Object.values(result[0] ?? {})[0] ?? 0), masked };
  } finally {
    engine.close();
  }
}

function streamFile(file: string, cleanup: () => void): ReadableStream<Uint8Array> {
  const stream = createReadStream(file);
  stream.once('close', cleanup);
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}
