/**
 * Contract tests without a product (`mesh test`): an ODCS contract's schema checks (every
 * property present, its type convertible to the contract's, required ones non-null, the
 * primary key unique) and its quality rules, run against the server the contract names with
 * the same extractors and audit engine as `mesh run`. Nothing is published or recorded.
 */
import { now } from '../core/clock.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { hasErrors, type Diagnostic, type SourceLocation } from '../core/diagnostic.js';
import { InputError } from '../core/errors.js';
import { LOCAL_SCOPE } from '../core/env-scope.js';
import { ResolvedValues, runEnvironment } from '../core/resolve-env.js';
import type { ColumnSpec, DataProduct, InputSpec } from '../descriptor/data-product-schema.js';
import type { PathSegment, YamlSource } from '../descriptor/yaml-source.js';
import { dotted } from '../standards/field-ledger.js';
import { castIsSafe } from '../engine/conform-schema.js';
import { openEngine, type Engine } from '../engine/duckdb-engine.js';
import { countNulls, runQualityChecks } from '../engine/quality-checks.js';
import { lockToRunFolder } from '../engine/sandbox.js';
import { duckdbType, quoteIdent } from '../engine/sql-text.js';
import { extractFile } from '../runner/extract/extract-file.js';
import { extractMysql } from '../runner/extract/extract-mysql.js';
import { extractPostgres } from '../runner/extract/extract-postgres.js';
import type { ExtractContext } from '../runner/extract/extract-types.js';
import { importOdcs, schemaObjectsOf, type ImportedProperty, type OdcsImport } from '../standards/odcs/import-odcs.js';

export interface ContractCheck {
  readonly kind: 'schema' | 'quality';
  readonly name: string;
  readonly status: 'pass' | 'fail' | 'skip';
  readonly severity: 'error' | 'warn';
  readonly message: string;
  readonly observed?: unknown;
  /** Where the contract declares what was checked (schema checks): its path, and its position when the check failed. */
  readonly path?: string;
  readonly location?: SourceLocation;
}

export interface ContractTestReport {
  readonly contract: string;
  /** The contract's server the checks ran against, and what was read there (never a connection string). */
  readonly server?: string;
  readonly source?: string;
  readonly rows: number;
  readonly checks: ContractCheck[];
  /** Why the contract could not be tested, and what the import could not carry over. */
  readonly diagnostics: Diagnostic[];
  /** No check of severity error failed, and the contract could be tested. */
  readonly passed: boolean;
  readonly durationMs: number;
}

export interface ContractTestOptions {
  /** The `server` name in the contract; default the first one Meshwork reads. */
  readonly server?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Relative file paths of local servers resolve here (the contract's folder). */
  readonly baseDir?: string;
}

const INPUT = 'contract_source';

/** One schema object's part of the report (`object`: the product name it imported as). */
type ObjectReport = Omit<ContractTestReport, 'durationMs' | 'passed' | 'contract'> & { readonly object?: string };

/**
 * Tests every schema object of the contract that has properties against the server (one
 * table each); a contract of several objects reports each object's checks under its name.
 */
export async function testContract(source: YamlSource, options: ContractTestOptions = {}): Promise<ContractTestReport> {
  const started = performance.now();
  const objects = schemaObjectsOf(source.value);
  const parts: ObjectReport[] = [];
  if (objects.length <= 1) parts.push(await testObject(source, options, undefined));
  else for (const i of objects) parts.push(await testObject(source, options, i));
  const { object: _object, ...report } = parts.length === 1 ? parts[0] : mergeObjects(parts);
  return {
    contract: source.file,
    ...report,
    passed: !hasErrors(report.diagnostics) && !report.checks.some((c) => c.status === 'fail' && c.severity === 'error'),
    durationMs: Math.round(performance.now() - started),
  };
}

/** The objects' reports as one: checks named by their object, rows summed, diagnostics once each. */
function mergeObjects(parts: readonly ObjectReport[]): ObjectReport {
  const seen = new Set<string>();
  const diagnostics = parts
    .flatMap((p) => p.diagnostics)
    .filter((d) => {
      const key = `${d.code}|${d.path ?? ''}|${d.message}`;
      return !seen.has(key) && Boolean(seen.add(key));
    });
  return {
    server: parts.find((p) => p.server)?.server,
    source: parts.flatMap((p) => (p.source ? [p.source] : [])).join('; ') || undefined,
    rows: parts.reduce((n, p) => n + p.rows, 0),
    checks: parts.flatMap((p) => p.checks.map((c) => ({ ...c, name: `${p.object}: ${c.name}` }))),
    diagnostics,
  };
}

/** A schema object's `name` (its index when it has none): how its checks are named. */
function objectName(doc: unknown, index: number): string {
  const objects = (doc as { schema?: Array<{ name?: unknown }> }).schema;
  const name = objects?.[index]?.name;
  return typeof name === 'string' && name ? name : `schema[${index}]`;
}

async function testObject(
  source: YamlSource,
  options: ContractTestOptions,
  schemaObject: number | undefined,
): Promise<ObjectReport> {
  const imported = importOdcs(source, { server: options.server, schemaObject });
  const object = schemaObject === undefined ? undefined : objectName(source.value, schemaObject);
  const base = { rows: 0, checks: [] as ContractCheck[], object };
  const refusal = untestable(imported, source);
  if (refusal) return { ...base, diagnostics: [...imported.diagnostics, refusal] };
  const product = imported.product!;
  const input = wholeTable(product.spec.inputs[0], imported.server?.table);
  const resolved = new ResolvedValues();
  const env = runEnvironment(options.env ?? process.env, LOCAL_SCOPE, product.metadata.domain, resolved);
  const work = mkdtempSync(join(tmpdir(), 'mesh-contract-test-'));
  const engine = await openEngine({ workDir: work });
  try {
    let rows: number;
    try {
      rows = await extract(engine, input, work, options.baseDir ?? dirname(source.file), env);
    } catch (error) {
      // A dead or refused source: said in the report, the connection never in it.
      const message = resolved.scrub(error instanceof Error ? error.message : String(error));
      const at = source.locate(['servers']);
      const failed: Diagnostic = { code: 'contract-source', severity: 'error', message, location: at, path: 'servers' };
      return { ...base, server: imported.server?.name, diagnostics: [...imported.diagnostics, failed] };
    }
    const checks = (await checkContract(engine, work, product, imported.properties ?? [], rows)).map((c) =>
      // Positions only for what is reported: locating parses the contract a second time.
      c.status === 'fail' && c.path ? { ...c, location: source.locate(pathOf(c.path)) } : c,
    );
    return {
      object,
      server: imported.server?.name,
      source: describeSource(input),
      rows,
      checks,
      diagnostics: imported.diagnostics,
    };
  } finally {
    engine.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** `schema[0].properties[2]` back to its segments. */
function pathOf(text: string): PathSegment[] {
  return text.split(/\.|(?=\[)/).map((part) => (part.startsWith('[') ? Number(part.slice(1, -1)) : part));
}

/** A diagnostic when the contract cannot be tested: it does not import, or names no server Meshwork reads. */
function untestable(imported: OdcsImport, source: YamlSource): Diagnostic | undefined {
  if (!imported.product || hasErrors(imported.diagnostics))
    return {
      code: 'contract-untestable',
      severity: 'error',
      message: 'the contract could not be read; nothing was tested',
      location: { file: source.file, line: 1, col: 1 },
    };
  if (imported.server) return undefined;
  return {
    code: 'contract-no-server',
    severity: 'error',
    message: 'the contract names no server to test against (postgres, mysql, or local csv/parquet/json)',
    location: source.locate(['servers']),
    path: 'servers',
    hint: 'add a server to the contract, or pass --server with the name of one Meshwork reads',
  };
}

/** The contract's table read whole: a missing property is then a failed check, not a failed query. */
function wholeTable(input: InputSpec, table: string | undefined): InputSpec {
  if (!input.source || input.source.type === 'file' || !table) return { ...input, name: INPUT };
  return { ...input, name: INPUT, source: { ...input.source, query: `SELECT * FROM ${table}` } };
}

function describeSource(input: InputSpec): string {
  const src = input.source!;
  return src.type === 'file' ? `${src.format ?? 'csv'} file ${src.path}` : `${src.type}: ${src.query}`;
}

async function extract(
  engine: Engine,
  input: InputSpec,
  work: string,
  baseDir: string,
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const ctx: ExtractContext = {
    engine,
    input,
    table: INPUT,
    workDir: work,
    env,
    baseDir,
    resolveSnapshot: async () => undefined,
  };
  const type = input.source?.type;
  const extracted =
    type === 'postgres'
      ? await extractPostgres(ctx)
      : type === 'mysql'
        ? await extractMysql(ctx)
        : type === 'file'
          ? await extractFile(ctx)
          : undefined;
  if (!extracted) throw new InputError(`the contract's server type ${String(type)} cannot be tested`);
  return extracted.rows;
}

interface Conformed {
  readonly checks: ContractCheck[];
  /** The columns that are present with a convertible type: the view `snapshot` holds exactly these. */
  readonly usable: ColumnSpec[];
}

async function checkContract(
  engine: Engine,
  work: string,
  product: DataProduct,
  properties: readonly ImportedProperty[],
  rows: number,
): Promise<ContractCheck[]> {
  const columns = product.spec.schema.columns;
  const conformed = await conformColumns(engine, columns, properties);
  // From here on the contract's own SQL (sql rules) runs: locked to the scratch folder, like a
  // run's audit, keeping insertion order so sample rows are the first failing ones.
  await engine.connection.run('SET preserve_insertion_order = true');
  await lockToRunFolder(engine, work);
  const required = await requiredChecks(engine, conformed.usable, properties);
  const key = await primaryKeyCheck(engine, product.spec.schema.primaryKey, conformed.usable);
  const outcomes = await runQualityChecks(engine, product.spec.quality?.checks ?? [], conformed.usable, {
    rowsIn: rows,
    rowsTransformed: rows,
    recentRowCounts: [],
    now: now(),
  });
  const declared = product.spec.quality?.checks ?? [];
  const quality = outcomes.map((o): ContractCheck => {
    const spec = declared[o.position];
    const missing = (spec?.columns ?? (spec?.column ? [spec.column] : [])).filter(
      (c) => !conformed.usable.some((u) => u.name === c),
    );
    const base = { kind: 'quality', name: o.name, severity: o.severity === 'warn' ? 'warn' : 'error' } as const;
    if (missing.length && o.status === 'fail')
      return { ...base, status: 'skip', message: `not run: ${missing.join(', ')} missing or mistyped in the source` };
    return { ...base, status: o.status === 'fail' ? 'fail' : 'pass', message: o.message, observed: o.observed };
  });
  return [...conformed.checks, ...required, ...(key ? [key] : []), ...quality];
}

/** present(col) and type(col) per property; the view `snapshot` renames and casts what passes both. */
async function conformColumns(
  engine: Engine,
  columns: readonly ColumnSpec[],
  properties: readonly ImportedProperty[],
): Promise<Conformed> {
  const described = await engine.rows(`DESCRIBE ${quoteIdent(INPUT)}`);
  const found = new Map(described.map((r) => [String(r.column_name), String(r.column_type)]));
  const checks: ContractCheck[] = [];
  const usable: ColumnSpec[] = [];
  const select: string[] = [];
  for (const column of columns) {
    const property = properties.find((p) => p.column === column.name);
    const physical = property?.physical ?? column.name;
    const at = { path: property && dotted([...property.path]), severity: 'error' as const };
    const got = found.get(physical);
    const want = duckdbType(column.type);
    if (got === undefined) {
      const has = [...found.keys()].slice(0, 12).join(', ');
      checks.push({
        ...at,
        kind: 'schema',
        name: `present(${physical})`,
        status: 'fail',
        message: `no column ${physical} in the source (it has: ${has})`,
      });
      checks.push({
        ...at,
        kind: 'schema',
        name: `type(${physical})`,
        status: 'skip',
        message: 'the column is missing',
      });
      continue;
    }
    checks.push({ ...at, kind: 'schema', name: `present(${physical})`, status: 'pass', message: 'present' });
    const ok = castIsSafe(got, want);
    checks.push({
      ...at,
      kind: 'schema',
      name: `type(${physical})`,
      status: ok ? 'pass' : 'fail',
      observed: got,
      message: ok
        ? `${got} converts to ${column.type}`
        : `${got} in the source does not convert to the contract's ${column.type} without changing meaning`,
    });
    if (!ok) continue;
    usable.push(column);
    select.push(`CAST(${quoteIdent(physical)} AS ${want}) AS ${quoteIdent(column.name)}`);
  }
  const list = select.length ? select.join(', ') : 'NULL AS no_usable_column';
  await engine.connection.run(`CREATE VIEW snapshot AS SELECT ${list} FROM ${quoteIdent(INPUT)}`);
  return { checks, usable };
}

async function requiredChecks(
  engine: Engine,
  usable: readonly ColumnSpec[],
  properties: readonly ImportedProperty[],
): Promise<ContractCheck[]> {
  const required = usable.filter((c) => c.nullable === false);
  if (!required.length) return [];
  const nulls = await countNulls(
    engine,
    required.map((c) => c.name),
    new Map(),
  );
  return required.map((c) => {
    const n = nulls.get(c.name) ?? 0;
    const property = properties.find((p) => p.column === c.name);
    return {
      kind: 'schema',
      name: `required(${property?.physical ?? c.name})`,
      status: n === 0 ? 'pass' : 'fail',
      severity: 'error',
      observed: n,
      message: n === 0 ? 'no nulls' : `${n} null value${n === 1 ? '' : 's'} in a required property`,
      path: property && dotted([...property.path]),
    };
  });
}

async function primaryKeyCheck(
  engine: Engine,
  key: readonly string[] | undefined,
  usable: readonly ColumnSpec[],
): Promise<ContractCheck | undefined> {
  if (!key?.length) return undefined;
  const name = `primaryKey(${key.join(', ')})`;
  if (!key.every((k) => usable.some((c) => c.name === k)))
    return { kind: 'schema', name, status: 'skip', severity: 'error', message: 'a key column is missing or mistyped' };
  const cols = key.map(quoteIdent).join(', ');
  const [row] = await engine.rows(
    `SELECT count(*) - (SELECT count(*) FROM (SELECT DISTINCT ${cols} FROM snapshot)) AS duplicates FROM snapshot`,
  );
  const duplicates = Number(row.duplicates);
  return {
    kind: 'schema',
    name,
    status: duplicates === 0 ? 'pass' : 'fail',
    severity: 'error',
    observed: duplicates,
    message: duplicates === 0 ? 'unique' : `${duplicates} row(s) repeat a key`,
  };
}
