/**
 * Source inputs named the OpenLineage way, resolved at run time: a PostgreSQL input is the
 * namespace `postgres://host:port` and one dataset `database.schema.table` per table its query
 * reads (MySQL/MariaDB `mysql://host:port`, `database.table`); a file is `file://` and its
 * absolute path (a path taken from the environment keeps its `${VAR}` form: no value leaves). Tables come from DuckDB's parse of the query (`engine/sql-ast.ts`), CTE names
 * left out. Only host and port leave the connection string: never a user or a password. A
 * reference the domain may not resolve, or a query the parser cannot read, names nothing.
 */
import { isAbsolute, resolve } from 'node:path';
import { envReferences, resolveEnvRefs } from '../core/resolve-env.js';
import type { DataProduct } from '../descriptor/data-product-schema.js';
import { parseSql } from '../engine/sql-ast.js';
import { rewriteLastRun } from '../runner/last-run-param.js';

export interface SourceDataset {
  readonly namespace: string;
  readonly name: string;
}

export interface ResolvedSource {
  readonly input: string;
  readonly datasets: SourceDataset[];
}

type InputSpec = DataProduct['spec']['inputs'][number];

const DEFAULT_PORTS: Record<string, number> = { postgres: 5432, mysql: 3306 };

/** Every source input of a descriptor, resolved with `env` (a run's scoped environment). */
export async function resolveSourceDatasets(
  descriptor: DataProduct,
  env: NodeJS.ProcessEnv,
  baseDir: string,
): Promise<ResolvedSource[]> {
  const out: ResolvedSource[] = [];
  for (const input of descriptor.spec.inputs) {
    if (!input.source) continue;
    try {
      out.push({ input: input.name, datasets: await inputDatasets(input, env, baseDir) });
    } catch {
      out.push({ input: input.name, datasets: [] });
    }
  }
  return out;
}

async function inputDatasets(input: InputSpec, env: NodeJS.ProcessEnv, baseDir: string): Promise<SourceDataset[]> {
  const src = input.source!;
  if (src.type === 'file') {
    const shown = src.path ?? '';
    // A path from the environment is named as the descriptor writes it (`${VAR}`): an
    // environment value never leaves the run, and lineage is read by every role.
    if (envReferences(shown).length) return [{ namespace: 'file://', name: shown }];
    const raw = resolveEnvRefs(shown, env, `input ${input.name}: the path`);
    return [{ namespace: 'file://', name: isAbsolute(raw) ? raw : resolve(baseDir, raw) }];
  }
  const url = new URL(resolveEnvRefs(src.connection ?? '', env, `input ${input.name}: the connection`));
  const scheme = src.type === 'postgres' ? 'postgres' : 'mysql';
  const port = url.port || String(DEFAULT_PORTS[scheme]);
  const namespace = `${scheme}://${url.hostname}:${port}`;
  const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || (scheme === 'postgres' ? 'postgres' : '');
  const tables = src.query ? await queryTables(src.query) : [];
  return tables.map((t) => ({ namespace, name: datasetName(scheme, database, t) }));
}

interface TableRef {
  readonly catalog: string;
  readonly schema: string;
  readonly table: string;
}

function datasetName(scheme: 'postgres' | 'mysql', database: string, t: TableRef): string {
  if (scheme === 'mysql') return [t.schema || database, t.table].filter(Boolean).join('.');
  return [t.catalog || database, t.schema || 'public', t.table].join('.');
}

/** The base tables a query reads, from the engine's parse; `:last_run` is read as a literal. */
export async function queryTables(query: string): Promise<TableRef[]> {
  const parsed = await parseSql(rewriteLastRun(query, "'1970-01-01'").text);
  if ('error' in parsed) return [];
  const ctes = new Set<string>();
  const tables = new Map<string, TableRef>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    const map = (n.cte_map as { map?: Array<{ key?: unknown }> } | undefined)?.map;
    for (const entry of map ?? []) if (typeof entry.key === 'string') ctes.add(entry.key.toLowerCase());
    if (n.type === 'BASE_TABLE' && typeof n.table_name === 'string') {
      const ref = {
        catalog: String(n.catalog_name ?? ''),
        schema: String(n.schema_name ?? ''),
        table: n.table_name,
      };
      tables.set(`${ref.catalog}.${ref.schema}.${ref.table}`, ref);
    }
    Object.values(n).forEach(visit);
  };
  visit(parsed.ast.statements);
  return [...tables.values()]
    .filter((t) => t.catalog || t.schema || !ctes.has(t.table.toLowerCase()))
    .sort((a, b) => (`${a.catalog}.${a.schema}.${a.table}` < `${b.catalog}.${b.schema}.${b.table}` ? -1 : 1));
}
