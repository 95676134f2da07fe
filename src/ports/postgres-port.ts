/**
 * The postgres port: the snapshot is COPYed into a staging table, then swapped with the live
 * table by renames inside one transaction, so readers see the old table or the new one, never
 * a half-loaded one. The swap is staged (renamed, not committed) before the run's registry
 * commit and committed after it, so the table never shows a snapshot the registry has not
 * committed.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { InputError, UnavailableError } from '../core/errors.js';
import { postgresType as pgType, quoteLiteral } from '../engine/sql-text.js';
import { describeHost, resolveEnvRefs, scrubSecret } from '../core/resolve-env.js';
import type { ColumnSpec, OutputPortSpec } from '../descriptor/data-product-schema.js';
import type { OutputPort, PreparedPublication, PublishContext } from './output-port.js';
import { applyReaders, ensureReaderRoles, ident, maskedViewName, portTable } from './postgres-readers.js';

export class PostgresPort implements OutputPort {
  readonly type = 'postgres' as const;
  readonly name: string;
  constructor(readonly spec: OutputPortSpec) {
    this.name = spec.name;
  }

  async prepare(ctx: PublishContext): Promise<PreparedPublication> {
    const what = `output port ${this.name}`;
    const url = resolveEnvRefs(this.spec.connection ?? '', ctx.env, `${what}: the connection`);
    const { schema, table } = portTable(this.spec);
    if (!table) throw new InputError(`${what}: needs a table`);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
    } catch (error) {
      throw new UnavailableError(
        `${what}: cannot connect to PostgreSQL at ${describeHost(url)}: ${scrubSecret((error as Error).message, url)}`,
      );
    }
    const live = `${ident(schema)}.${ident(table)}`;
    const stagingName = `${table}__mesh_staging`;
    const staging = `${ident(schema)}.${ident(stagingName)}`;
    const csv = join(ctx.workDir, `${ctx.snapshotId}-${this.name}.csv`);
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${ident(schema)}`);
      await client.query(`DROP TABLE IF EXISTS ${staging}`);
      await client.query(
        `CREATE TABLE ${staging} (${ctx.columns.map((c: ColumnSpec) => `${ident(c.name)} ${pgType(c.type)}${c.nullable === false ? ' NOT NULL' : ''}`).join(', ')})`,
      );
      const list = ctx.columns.map((c) => ident(c.name)).join(', ');
      if (ctx.builtIn?.url === url)
        await client.query(`INSERT INTO ${staging} (${list}) SELECT ${list} FROM ${ctx.builtIn.table}`);
      else {
        await ctx.engine.connection.run(
          `COPY (SELECT * FROM read_parquet(${quoteLiteral(ctx.snapshotFile)})) TO ${quoteLiteral(csv)} (FORMAT csv, HEADER false)`,
        );
        await pipeline(
          createReadStream(csv),
          client.query(copyFrom(`COPY ${staging} (${list}) FROM STDIN WITH (FORMAT csv)`)),
        );
      }
      if (ctx.access) await ensureReaderRoles(client, ctx.access.readers);
    } catch (error) {
      await rm(csv, { force: true });
      await client.end().catch(() => undefined);
      throw new UnavailableError(
        `${what}: loading ${schema}.${stagingName} failed: ${scrubSecret((error as Error).message, url)}`,
      );
    }
    await rm(csv, { force: true });
    const location = {
      name: this.name,
      type: 'postgres',
      location: `postgres ${describeHost(url)} ${schema}.${table}`,
    };
    const fail = (error: unknown, doing: string) =>
      new UnavailableError(
        `${what}: ${doing} ${schema}.${table} failed: ${scrubSecret((error as Error).message, url)}`,
      );
    let staged = false;
    // The swap runs in a transaction left open across the registry commit: readers of the
    // table see the old rows until COMMIT, and a run killed before it rolls the swap back.
    const stage = async () => {
      try {
        await client.query('BEGIN');
        // The masked view depends on the live table: rebuilt over the new one below.
        await client.query(`DROP VIEW IF EXISTS ${ident(schema)}.${ident(maskedViewName(table))}`);
        await client.query(`DROP TABLE IF EXISTS ${ident(schema)}.${ident(`${table}__mesh_old`)}`);
        await client.query(`ALTER TABLE IF EXISTS ${live} RENAME TO ${ident(`${table}__mesh_old`)}`);
        await client.query(`ALTER TABLE ${staging} RENAME TO ${ident(table)}`);
        await client.query(`DROP TABLE IF EXISTS ${ident(schema)}.${ident(`${table}__mesh_old`)}`);
        // The new table starts without privileges: the readers' grants and the masked view, in the same swap.
        if (ctx.access) await applyReaders(client, { schema, table, columns: ctx.columns }, ctx.access);
        staged = true;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw fail(error, 'swapping');
      }
    };
    return {
      location,
      stage,
      commit: async () => {
        try {
          if (!staged) await stage();
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw fail(error, 'committing the swap of');
        } finally {
          await client.end().catch(() => undefined);
        }
        return location;
      },
      abort: async () => {
        if (staged) await client.query('ROLLBACK').catch(() => undefined);
        await client.query(`DROP TABLE IF EXISTS ${staging}`).catch(() => undefined);
        await client.end().catch(() => undefined);
      },
    };
  }
}
