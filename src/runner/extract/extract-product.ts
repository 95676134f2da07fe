/**
 * Another product as an input (`domain/name@major`): its current snapshot in the warehouse,
 * copied into the run's folder before the engine is locked to it (engine/sandbox.ts), so the
 * transform reads it as an input and never reaches the warehouse itself.
 */
import { InputError, UnavailableError } from '../../core/errors.js';
import { majorStatus } from '../../registry/operations/versions/major-status.js';
import { stageSnapshotCopy } from '../../engine/sandbox.js';
import { quoteIdent, quoteLiteral } from '../../engine/sql-text.js';
import { readCurrentSnapshot } from '../../ports/warehouse.js';
import { parseInputProductRef, productId } from '../../descriptor/product-ref.js';
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
  const current = readCurrentSnapshot(ctx.warehouseDir, id, ref.major!);
  if (!current) {
    throw new UnavailableError(`input ${ctx.input.name}: ${ctx.input.product} has no published snapshot yet`, {
      details: { hint: `run it first: mesh run ${id}` },
    });
  }
  // A copy in the run's folder: once the engine is locked to that folder, the warehouse is out of reach.
  const staged = stageSnapshotCopy(current.file, ctx.workDir, ctx.table);
  await ctx.engine.connection.run(
    `CREATE VIEW ${quoteIdent(ctx.table)} AS SELECT * FROM read_parquet(${quoteLiteral(staged)})`,
  );
  ctx.onRows?.(current.rows);
  return { kind: 'product', rows: current.rows, snapshotId: current.snapshotId };
}
