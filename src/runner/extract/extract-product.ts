/**
 * Another product as an input (`domain/name@major`): its current snapshot (as the registry
 * committed it), read through the run's input gate — the access decision for the consuming
 * product's domain, asked right before the read, so a grant revoked between runs or during
 * this one fails the run — and staged in the run's folder before the engine is locked to it
 * (engine/sandbox.ts), so the transform reads it as an input and never reaches the warehouse.
 * A consumer without PII clearance gets a masked copy: the masked projection is written to the
 * run's folder (the transform never sees the projection's text, which holds the masking key).
 */
import { InputError, NotAllowedError, UnavailableError } from '../../core/errors.js';
import { majorStatus } from '../../registry/operations/versions/major-status.js';
import { stagedInputPath, stageSnapshotCopy } from '../../engine/sandbox.js';
import { quoteIdent, quoteLiteral } from '../../engine/sql-text.js';
import { parseInputProductRef, productId } from '../../descriptor/product-ref.js';
import type { CurrentSnapshot } from '../../ports/warehouse.js';
import type { InputRead } from '../input-read-gate.js';
import type { ExtractContext, Extracted } from './extract-types.js';

export async function extractProduct(ctx: ExtractContext): Promise<Extracted> {
  const ref = parseInputProductRef(ctx.input.product ?? '')!;
  const id = productId(ref.domain, ref.name);
  const lifecycle = ctx.registry ? await majorStatus(ctx.registry, id, ref.major!) : undefined;
  if (lifecycle?.status === 'retired') {
    throw new InputError(
      `input ${ctx.input.name}: ${ctx.input.product} was retired${lifecycle.sunsetAt ? ` at its sunset (${lifecycle.sunsetAt})` : ''} and is no longer readable`,
      {
        details: { hint: `read the current major instead (mesh show ${id} lists the versions)` },
      },
    );
  }
  const current = await ctx.resolveSnapshot(id, ref.major!);
  if (!current) {
    throw new UnavailableError(`input ${ctx.input.name}: ${ctx.input.product} has no published snapshot yet`, {
      details: { hint: `run it first: mesh run ${id}` },
    });
  }
  const started = performance.now();
  const read = await openRead(ctx, id, ref.major!, current);
  // A copy in the run's folder: once the engine is locked to that folder, the warehouse is out of reach.
  const masked = await stageRead(ctx, current.file, read);
  await read.done({ rows: current.rows, masked, durationMs: performance.now() - started });
  ctx.onRows?.(current.rows);
  return { kind: 'product', rows: current.rows, snapshotId: current.snapshotId, maskedColumns: masked };
}

/** The access decision for this input, asked now (not at the run's start). */
async function openRead(ctx: ExtractContext, id: string, major: number, current: CurrentSnapshot): Promise<InputRead> {
  if (!ctx.inputGate || !ctx.consumer)
    throw new NotAllowedError(
      `input ${ctx.input.name}: ${id}@${major} is a product, and this run has no access gate to read it through`,
      { details: { hint: 'run it through the platform (mesh run, the API or the scheduler)' } },
    );
  try {
    return await ctx.inputGate.open({
      consumer: ctx.consumer,
      input: ctx.input.name,
      product: id,
      major,
      snapshotVersion: current.version,
      dryRun: ctx.dryRun ?? false,
    });
  } catch (error) {
    if (error instanceof NotAllowedError)
      throw new NotAllowedError(`input ${ctx.input.name}: ${error.message}`, { details: error.details, cause: error });
    throw error;
  }
}

/** Stages the snapshot as the consumer may see it and creates the input's view over it; returns the masked columns. */
async function stageRead(ctx: ExtractContext, file: string, read: InputRead): Promise<readonly string[]> {
  const { connection } = ctx.engine;
  const source = `read_parquet(${quoteLiteral(file)})`;
  const described = await ctx.engine.rows(`DESCRIBE SELECT * FROM ${source}`);
  const projection = read.project(source, new Set(described.map((r) => String(r.column_name))));
  let staged: string;
  if (projection.masked.length === 0) {
    staged = stageSnapshotCopy(file, ctx.workDir, ctx.table);
  } else {
    staged = stagedInputPath(ctx.workDir, ctx.table);
    await connection.run(`COPY (${projection.sql}) TO ${quoteLiteral(staged)} (FORMAT parquet, COMPRESSION snappy)`);
  }
  await connection.run(`CREATE VIEW ${quoteIdent(ctx.table)} AS SELECT * FROM read_parquet(${quoteLiteral(staged)})`);
  return projection.masked;
}
