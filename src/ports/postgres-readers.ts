/**
 * The database's own permissions on a PostgreSQL port, kept in step with the grants: one role
 * per consumer team (`mesh_team_<team>`, NOLOGIN, created when absent; an operator grants it to
 * the team's login roles), SELECT on the table for PII-cleared teams, SELECT on the masked view
 * `<table>_masked` for the others, and nothing for anyone else. Applied in the swap's
 * transaction at every publication (the new table starts without privileges) and again,
 * alone, when a grant is given, revoked or expires.
 *
 * The view masks as `engine/masked-select.ts` does, in PostgreSQL's SQL. A hash is
 * `'sha256:' || left(sha256(key || value), 16 hex)` with PostgreSQL's built-in `sha256()` (11+,
 * no pgcrypto needed), so text values hash exactly as in a download, a query or a product
 * input and masked keys join across them. View definitions are readable by every role
 * (`pg_views`), so the key is not in the view's text: it is in `mesh_private.masking_key`,
 * which no role but the port's owner may read; a view reads its tables with its owner's rights.
 */
import pg from 'pg';
import { UnavailableError } from '../core/errors.js';
import { describeHost, resolveEnvRefs, scrubSecret } from '../core/resolve-env.js';
import type { ColumnSpec, OutputPortSpec } from '../descriptor/data-product-schema.js';
import { maskingOf, piiColumns } from '../engine/masked-select.js';

/** One reader of a port: a team (null: every role, for `access.default: allow`) and whether it reads in clear. */
export interface SqlReader {
  readonly team: string | null;
  readonly pii: boolean;
}

/** What a port publishes for whom: the readers as of now, and the key masked hashes use. */
export interface PortAccess {
  readonly readers: readonly SqlReader[];
  /** The key hashes are computed with; undefined on a server without MESH_MASKING_KEY (hashing is refused). */
  readonly hashKey: string | undefined;
}

/** A port asked to hash PII on a server that has no key of its own (the development key is public). */
export function noKeyForPort(what: string): UnavailableError {
  return new UnavailableError(
    `${what}: this server has no MESH_MASKING_KEY, so it cannot hash the PII columns its readers get masked`,
    { details: { hint: 'set MESH_MASKING_KEY (a long random secret) in the server and workers, then run again' } },
  );
}

export interface SqlTable {
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly ColumnSpec[];
}

export function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The role of a team: `mesh_team_` and the name in lower case, other characters as `_` (63 bytes at most). */
export function teamRole(team: string): string {
  return `mesh_team_${team.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`.slice(0, 63);
}

export function maskedViewName(table: string): string {
  return `${table}_masked`;
}

/** Creates the readers' roles that do not exist yet (outside any transaction: roles are cluster-wide). */
export async function ensureReaderRoles(client: pg.Client, readers: readonly SqlReader[]): Promise<void> {
  for (const r of readers) {
    if (r.team === null) continue;
    await client.query(`DO $$ BEGIN CREATE ROLE ${ident(teamRole(r.team))} NOLOGIN;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$`);
  }
}

/**
 * Inside the caller's transaction: the masked view rebuilt over the table, every team role's
 * privilege on both removed, and the wanted ones granted. Nothing is granted to a role a
 * grant does not name.
 */
export async function applyReaders(client: pg.Client, t: SqlTable, access: PortAccess): Promise<void> {
  const live = `${ident(t.schema)}.${ident(t.table)}`;
  const view = `${ident(t.schema)}.${ident(maskedViewName(t.table))}`;
  const masked = piiColumns(t.columns);
  if (masked.some((c) => maskingOf(c) === 'hash')) {
    if (access.hashKey === undefined) throw noKeyForPort(`the SQL port ${t.schema}.${t.table}`);
    await storeKey(client, access.hashKey);
  }
  await client.query(`DROP VIEW IF EXISTS ${view}`);
  await client.query(
    `CREATE VIEW ${view} WITH (security_barrier) AS SELECT ${t.columns.map((c) => `${pgMask(c)} AS ${ident(c.name)}`).join(', ')} FROM ${live}`,
  );
  const { rows } = await client.query<{ grantee: string }>(
    `SELECT DISTINCT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS grantee
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
      WHERE n.nspname = $1 AND c.relname = $2 AND a.grantee <> c.relowner`,
    [t.schema, t.table],
  );
  for (const { grantee } of rows.filter((r) => r.grantee === 'PUBLIC' || r.grantee.startsWith('mesh_team_')))
    await client.query(`REVOKE ALL ON ${live} FROM ${grantee === 'PUBLIC' ? 'PUBLIC' : ident(grantee)}`);
  for (const r of access.readers) {
    const role = r.team === null ? 'PUBLIC' : ident(teamRole(r.team));
    await client.query(`GRANT USAGE ON SCHEMA ${ident(t.schema)} TO ${role}`);
    await client.query(`GRANT SELECT ON ${r.pii ? live : view} TO ${role}`);
  }
}

/** The key, where only the port's owner reads it (views read it with their owner's rights). */
async function storeKey(client: pg.Client, key: string): Promise<void> {
  await client.query('CREATE SCHEMA IF NOT EXISTS mesh_private');
  await client.query('REVOKE ALL ON SCHEMA mesh_private FROM PUBLIC');
  await client.query('CREATE TABLE IF NOT EXISTS mesh_private.masking_key (id integer PRIMARY KEY, key text NOT NULL)');
  await client.query('REVOKE ALL ON mesh_private.masking_key FROM PUBLIC');
  // A parameter: the key never appears in a statement's text (logs, pg_stat_activity).
  await client.query(
    'INSERT INTO mesh_private.masking_key (id, key) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET key = EXCLUDED.key',
    [key],
  );
}

/** A column as a reader without PII clearance sees it (the same results as maskedSelect on text values). */
function pgMask(column: ColumnSpec): string {
  const col = ident(column.name);
  if (column.pii !== 'direct' && column.pii !== 'sensitive') return col;
  const text = `${col}::text`;
  switch (maskingOf(column)) {
    case 'null':
      return 'CAST(NULL AS text)';
    case 'hash':
      return `CASE WHEN ${col} IS NULL THEN NULL ELSE 'sha256:' || left(encode(sha256(convert_to((SELECT key FROM mesh_private.masking_key WHERE id = 1) || ${text}, 'UTF8')), 'hex'), 16) END`;
    case 'partial':
      return `CASE WHEN ${col} IS NULL THEN NULL WHEN length(${text}) <= 2 THEN '***' ELSE left(${text}, 1) || '***' || right(${text}, 1) END`;
    case 'redact':
      return `CASE WHEN ${col} IS NULL THEN NULL ELSE '***' END`;
  }
}

/** The port's `schema.table` (schema `public` when unqualified). */
export function portTable(spec: OutputPortSpec): { schema: string; table: string } {
  const [schema, table] = (spec.table ?? '').includes('.') ? spec.table!.split('.', 2) : ['public', spec.table ?? ''];
  return { schema, table };
}

/**
 * Outside a publication (a grant given, revoked or expired): the port's privileges brought in
 * step at once, in one transaction. A table not published yet is left alone (its first
 * publication grants). Returns false when there was no table.
 */
export async function syncPortReaders(
  spec: OutputPortSpec,
  env: NodeJS.ProcessEnv,
  columns: readonly ColumnSpec[],
  access: PortAccess,
): Promise<boolean> {
  const what = `output port ${spec.name}`;
  const url = resolveEnvRefs(spec.connection ?? '', env, `${what}: the connection`);
  const { schema, table } = portTable(spec);
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [
      schema,
      table,
    ]);
    if (found.rowCount === 0) return false;
    await ensureReaderRoles(client, access.readers);
    await client.query('BEGIN');
    await applyReaders(client, { schema, table, columns }, access);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw new UnavailableError(
      `${what}: updating the privileges on ${schema}.${table} at ${describeHost(url)} failed: ${scrubSecret((error as Error).message, url)}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
