/**
 * Transform: the user's SQL (or the one input as is), conformed to the declared schema on
 * the way to the candidate parquet file. An incremental product merges the new rows with the
 * previous snapshot (by primary key when it has one). Leaves the `snapshot` view for the checks.
 */
import { assertOneSelect } from '../../engine/sql-statement.js';
import { mkdirSync } from 'node:fs';
import { InputError } from '../../core/errors.js';
import { planConform } from '../../engine/conform-schema.js';
import type { Engine } from '../../engine/duckdb-engine.js';
import { quoteIdent, quoteLiteral, stripTrailingSemicolon } from '../../engine/sql-text.js';
import type { PipelineDefinition } from '../run-context.js';
import { engineOf, messageOf, type RunContext } from '../run-context.js';
import { timedStep } from '../run-step.js';

export async function transformStep(ctx: RunContext, sql: string): Promise<void> {
  const { product } = ctx;
  const engine = engineOf(ctx);
  mkdirSync(ctx.candidateDir, { recursive: true });
  const mergeFile = ctx.mergeFile;
  ctx.rowsTransformed = await timedStep(
    ctx,
    'transform',
    async () => {
      await assertOneSelect(sql, 'the transform');
      const columns = await describeTransform(engine, sql);
      const conform = planConform(columns, product.spec.schema.columns);
      if (conform.problems.length > 0)
        throw new InputError(`the transform result does not match spec.schema: ${conform.problems.join('; ')}`);
      // Skipping a no-op projection keeps the one-pass path as lean as a plain COPY.
      const shaped = conform.identity ? sql : `SELECT ${conform.selectList} FROM (\n${sql}\n) AS mesh_transform`;
      let produced: number | undefined;
      if (mergeFile) {
        await ctx.withFeed(() => engine.connection.run(`CREATE TABLE mesh_new AS ${shaped}`));
        produced = Number((await engine.rows('SELECT count(*) AS n FROM mesh_new'))[0].n);
        const pk = product.spec.schema.primaryKey;
        const keep = pk?.length
          ? `SELECT p.* FROM read_parquet(${quoteLiteral(mergeFile)}) AS p WHERE NOT EXISTS (SELECT 1 FROM mesh_new AS n WHERE ${pk.map((k) => `n.${quoteIdent(k)} IS NOT DISTINCT FROM p.${quoteIdent(k)}`).join(' AND ')})`
          : `SELECT * FROM read_parquet(${quoteLiteral(mergeFile)})`;
        await writeParquet(engine, `SELECT * FROM mesh_new UNION ALL BY NAME ${keep}`, ctx.candidate);
      } else {
        await ctx.withFeed(() => writeParquet(engine, shaped, ctx.candidate));
      }
      await engine.connection.run(`CREATE VIEW snapshot AS SELECT * FROM read_parquet(${quoteLiteral(ctx.candidate)})`);
      ctx.rowsOut = Number((await engine.rows('SELECT count(*) AS n FROM snapshot'))[0].n);
      return produced ?? ctx.rowsOut;
    },
    () => ctx.rowsOut ?? undefined,
  );
}

export function transformSqlOf(def: PipelineDefinition): string {
  if (def.transformSql && def.transformSql.trim()) return stripTrailingSemicolon(def.transformSql);
  if (def.product.spec.inputs.length === 1) return `SELECT * FROM ${quoteIdent(def.product.spec.inputs[0].name)}`;
  throw new InputError('a product with several inputs needs a transform');
}

/** Binds the transform without running it: column names and types, or the engine's error with its position. */
async function describeTransform(engine: Engine, sql: string): Promise<Array<{ name: string; type: string }>> {
  try {
    const prepared = await engine.connection.prepare(sql);
    const columns: Array<{ name: string; type: string }> = [];
    for (let i = 0; i < prepared.columnCount; i++)
      columns.push({ name: prepared.columnName(i), type: String(prepared.columnType(i)) });
    return columns;
  } catch (error) {
    throw new InputError(`the transform SQL failed: ${messageOf(error)}`);
  }
}

async function writeParquet(engine: Engine, query: string, file: string): Promise<void> {
  try {
    await engine.connection.run(
      `COPY (\n${query}\n) TO ${quoteLiteral(file)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 122880)`,
    );
  } catch (error) {
    throw new InputError(`writing the snapshot failed: ${messageOf(error)}`);
  }
}
