/**
 * Descriptor validation: structure (against the JSON Schema, with did-you-mean hints) and the
 * facts the schema cannot express (semver, cron, durations, references, file presence,
 * inline secrets, cross-references between columns, checks and keys). Returns diagnostics;
 * never throws for a user mistake.
 */
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Cron } from 'croner';
import semver from 'semver';
import type { Diagnostic } from '../core/diagnostic.js';
import { didYouMean } from '../core/did-you-mean.js';
import { COLUMN_TYPES, DataProductDescriptor, type DataProduct } from './data-product-schema.js';
import { columnTypeHint } from './column-type-hint.js';
import { parseDuration } from './duration.js';
import { parseInputProductRef } from './product-ref.js';
import { formatBytes, readRegularFile } from './read-regular-file.js';
import type { PathSegment, YamlSource } from './yaml-source.js';

export const API_VERSION = 'mesh/v1';
export const KNOWN_KINDS = ['DataProduct', 'PolicySet'] as const;

let compiled: ValidateFunction | undefined;
function validator(): ValidateFunction {
  compiled ??= new Ajv({ allErrors: true, verbose: true, strict: false }).compile(DataProductDescriptor);
  return compiled;
}

export interface ValidatedDescriptor {
  /** Present when the document is structurally a data product (there may still be errors). */
  readonly product?: DataProduct;
  /** The transform SQL, read from its file or inline, when it could be read. */
  readonly transformSql?: string;
  readonly diagnostics: Diagnostic[];
}

export interface ValidateOptions {
  /** Check files the descriptor refers to (transform SQL, file sources). Off for published bundles. */
  readonly checkFiles?: boolean;
  /** Transform SQL supplied by the caller (published bundles, HTTP publish). */
  readonly transformSql?: string;
  /** The folder relative paths in the descriptor are resolved against (default: the file's folder). */
  readonly baseDir?: string;
}

export function validateDescriptor(source: YamlSource, options: ValidateOptions = {}): ValidatedDescriptor {
  const diagnostics: Diagnostic[] = [...source.diagnostics];
  if (source.value === undefined) return { diagnostics };
  const report = (
    code: string,
    path: readonly PathSegment[],
    message: string,
    hint?: string,
    key = false,
    severity: Diagnostic['severity'] = 'error',
  ) => diagnostics.push({ code, severity, message, hint, location: source.locate(path, key), path: formatPath(path) });

  const value = source.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report(
      'not-a-mapping',
      [],
      'a descriptor must be a YAML mapping with apiVersion, kind, metadata and spec',
      'run `mesh init` to start from a template',
    );
    return { diagnostics };
  }
  const doc = value as Record<string, unknown>;
  if (doc.apiVersion !== API_VERSION) {
    const got = doc.apiVersion === undefined ? 'missing' : preview(doc.apiVersion);
    report(
      'unknown-api-version',
      ['apiVersion'],
      `unknown apiVersion ${got}; this version of Meshwork reads ${API_VERSION}`,
      `set apiVersion: ${API_VERSION}`,
    );
    return { diagnostics };
  }
  if (doc.kind !== 'DataProduct') {
    const got = doc.kind === undefined ? 'missing' : preview(doc.kind);
    const guess = typeof doc.kind === 'string' ? didYouMean(doc.kind, KNOWN_KINDS) : undefined;
    if (doc.kind === 'PolicySet')
      report(
        'wrong-kind',
        ['kind'],
        'this file is a PolicySet, not a DataProduct',
        'policy sets are loaded from the policies folder (mesh policy list)',
      );
    else
      report(
        'unknown-kind',
        ['kind'],
        `unknown kind ${got}; expected DataProduct`,
        guess ? `did you mean ${guess}?` : 'set kind: DataProduct',
      );
    return { diagnostics };
  }

  const validate = validator();
  const structurallyValid = validate(doc);
  if (!structurallyValid) {
    for (const error of pruneErrors(validate.errors ?? [])) diagnostics.push(schemaErrorDiagnostic(error, source));
  }
  // Semantic checks read every field as unknown: they still help on a partly invalid document,
  // and a value of the wrong type (already reported by the schema) is skipped, never trusted.
  const transformSql = semanticChecks(doc, source, report, options);
  return { product: structurallyValid ? (doc as unknown as DataProduct) : undefined, transformSql, diagnostics };
}

type Report = (
  code: string,
  path: readonly PathSegment[],
  message: string,
  hint?: string,
  key?: boolean,
  severity?: Diagnostic['severity'],
) => void;

type Fields = Readonly<Record<string, unknown>>;

/** The value as a mapping, or an empty one when it is anything else. */
function fields(value: unknown): Fields {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Fields) : {};
}

function list(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A user's string inside a message: quoted, and cut short so a huge value cannot flood the output. */
function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function semanticChecks(doc: Fields, source: YamlSource, report: Report, options: ValidateOptions): string | undefined {
  const spec = fields(doc.spec);
  checkMetadata(fields(doc.metadata), report);
  checkSchedule(spec, report);
  const columnNames = checkColumns(list(fields(spec.schema).columns), report);
  const columnHint = (name: string) => {
    const guess = didYouMean(name, columnNames);
    return guess ? `did you mean ${guess}?` : `declared columns: ${[...columnNames].join(', ')}`;
  };
  list(fields(spec.schema).primaryKey).forEach((key, i) => {
    if (typeof key === 'string' && columnNames.size > 0 && !columnNames.has(key)) {
      report(
        'unknown-column',
        ['spec', 'schema', 'primaryKey', i],
        `primary key column ${quote(key)} is not in the schema`,
        columnHint(key),
      );
    }
  });
  list(fields(spec.quality).checks).forEach((check, i) =>
    checkQualityCheck(fields(check), ['spec', 'quality', 'checks', i], columnNames, columnHint, report),
  );
  const inputs = list(spec.inputs);
  checkInputs(inputs, report);
  if (spec.engine === 'postgres') checkPostgresEngineInputs(inputs, report);
  checkPorts(list(spec.outputPorts), report);
  return checkTransform(spec.transform, inputs.length, source, report, options);
}

function checkMetadata(meta: Fields, report: Report): void {
  const version = text(meta.version);
  if (version !== undefined && !semver.valid(version)) {
    const coerced = version.length <= 256 ? semver.coerce(version)?.version : undefined;
    report(
      'invalid-version',
      ['metadata', 'version'],
      `version ${quote(version)} is not a semantic version (MAJOR.MINOR.PATCH)`,
      coerced ? `did you mean ${coerced}?` : 'use e.g. 1.0.0',
    );
  }
}

function checkSchedule(spec: Fields, report: Report): void {
  const schedule = text(spec.schedule);
  if (schedule !== undefined) {
    try {
      new Cron(schedule, { paused: true });
    } catch (error) {
      report(
        'invalid-cron',
        ['spec', 'schedule'],
        `schedule ${quote(schedule)} is not a valid cron expression: ${error instanceof Error ? error.message : 'unreadable'}`,
        'five fields: minute hour day-of-month month day-of-week, e.g. "*/15 * * * *"',
      );
    }
  }
  const fresh = fields(spec.freshness);
  const target = text(fresh.target);
  const alertAfter = text(fresh.alert_after);
  if (target !== undefined && alertAfter !== undefined) {
    const targetMs = parseDuration(target);
    const afterMs = parseDuration(alertAfter);
    if (targetMs !== undefined && afterMs !== undefined && afterMs < targetMs) {
      report(
        'freshness-order',
        ['spec', 'freshness', 'alert_after'],
        `alert_after (${alertAfter}) is shorter than the freshness target (${target})`,
        'alert_after should be at least the target',
      );
    }
  }
}

function checkColumns(columns: readonly unknown[], report: Report): Set<string> {
  const columnNames = new Set<string>();
  columns.forEach((column, i) => {
    const c = fields(column);
    const at = ['spec', 'schema', 'columns', i];
    const type = text(c.type);
    if (type !== undefined) checkColumnTypeSize(type, [...at, 'type'], report);
    const name = text(c.name);
    if (name === undefined) return;
    if (columnNames.has(name)) report('duplicate-name', [...at, 'name'], `column ${quote(name)} is declared twice`);
    columnNames.add(name);
    const masking = text(c.masking);
    if (masking && masking !== 'none' && (c.pii === undefined || c.pii === 'none')) {
      report(
        'masking-without-pii',
        [...at, 'masking'],
        `column ${quote(name)} has masking ${quote(masking)} but is not classified as PII`,
        'set pii: indirect, direct or sensitive, or drop the masking',
        false,
        'warn',
      );
    }
  });
  return columnNames;
}

/** Largest decimal precision the engines agree on (DuckDB and PostgreSQL numeric both take 38). */
export const MAX_DECIMAL_PRECISION = 38;
/** PostgreSQL's own limit for varchar(n); DuckDB ignores the length. */
export const MAX_VARCHAR_LENGTH = 10_485_760;

/** The column types that take no parameters. */
const UNPARAMETERISED_TYPES: ReadonlySet<string> = new Set(
  COLUMN_TYPES.filter((t) => t !== 'decimal' && t !== 'varchar'),
);

/** `decimal(p,s)` and `varchar(n)` within what an engine can hold; other types take no parameters. */
function checkColumnTypeSize(type: string, path: PathSegment[], report: Report): void {
  const m = /^([a-z]+)\((\d+)(?:,\s*(\d+))?\)$/.exec(type);
  if (!m) return;
  const [, base, first, second] = m;
  const n = Number(first);
  const bad = (message: string, hint: string) => report('invalid-type-size', path, message, hint);
  if (base === 'decimal') {
    const scale = second === undefined ? 0 : Number(second);
    if (!(n >= 1 && n <= MAX_DECIMAL_PRECISION))
      bad(
        `decimal precision ${first} is out of range: it must be 1 to ${MAX_DECIMAL_PRECISION}`,
        'e.g. decimal(18,2); use double for wider ranges',
      );
    else if (scale > n)
      bad(`decimal scale ${second} is larger than its precision ${first}`, 'the scale must be 0 to the precision');
  } else if (base === 'varchar') {
    if (second !== undefined) bad(`varchar takes one length, not two: ${type}`, 'e.g. varchar(255)');
    else if (!(n >= 1 && n <= MAX_VARCHAR_LENGTH))
      bad(
        `varchar length ${first} is out of range: it must be 1 to ${MAX_VARCHAR_LENGTH.toLocaleString('en-US')}`,
        'use varchar(n) with a sane bound, or text',
      );
  } else if (UNPARAMETERISED_TYPES.has(base)) {
    bad(`type ${base} takes no parameters, but ${type} has some (they would be ignored)`, `write just ${base}`);
  }
  // Any other base is not a type of ours: the type check reports it, with the name it likely means.
}

/** Why each check type needs a field, for the missing-field messages. */
function checkQualityCheck(
  check: Fields,
  at: PathSegment[],
  columnNames: ReadonlySet<string>,
  columnHint: (name: string) => string,
  report: Report,
): void {
  const type = text(check.type) ?? 'quality';
  const refs: Array<[string, PathSegment[]]> = [];
  const column = text(check.column);
  if (column !== undefined) refs.push([column, [...at, 'column']]);
  list(check.columns).forEach((c, j) => typeof c === 'string' && refs.push([c, [...at, 'columns', j]]));
  for (const [name, path] of refs) {
    if (columnNames.size > 0 && !columnNames.has(name))
      report(
        'unknown-column',
        path,
        `check ${type} refers to column ${quote(name)}, which is not in the schema`,
        columnHint(name),
      );
  }
  const need = (field: string, why: string) => {
    if (check[field] === undefined) report('missing-field', at, `a ${type} check needs "${field}" (${why})`);
  };
  const needOne = (a: string, b: string, verb = 'or') => {
    if (check[a] === undefined && check[b] === undefined)
      report('missing-field', at, `a ${type} check needs "${a}", "${b}" ${verb === 'or' ? 'or both' : ''}`.trim());
  };
  checkRegex(check.pattern, [...at, 'pattern'], report);
  switch (check.type) {
    case 'null_rate':
      need('column', 'the column to measure');
      need('threshold', 'the highest acceptable share of nulls, e.g. 0.01');
      break;
    case 'row_count_delta':
      need('threshold', 'the largest acceptable change vs the 7-day average, e.g. 0.2');
      break;
    case 'row_count':
      needOne('min', 'max');
      break;
    case 'unique':
    case 'not_null':
      if (!check.column && !check.columns) report('missing-field', at, `a ${type} check needs "column" or "columns"`);
      break;
    case 'accepted_values':
      need('column', 'the column to check');
      need('values', 'the allowed values');
      break;
    case 'range':
      need('column', 'the column to check');
      needOne('min', 'max');
      break;
    case 'regex':
      need('column', 'the column to check');
      need('pattern', 'the regular expression values must match');
      break;
    case 'freshness':
      need('column', 'a timestamp column');
      need('maxAge', 'the oldest acceptable newest value, e.g. 1d');
      break;
    case 'row_count_vs_source':
      need('threshold', 'the smallest acceptable output/input ratio, e.g. 0.99');
      break;
    case 'sql':
      need('sql', 'a query over `snapshot` returning failing rows');
      break;
  }
}

function checkRegex(pattern: unknown, path: PathSegment[], report: Report): void {
  if (typeof pattern !== 'string') return;
  try {
    new RegExp(pattern);
  } catch (error) {
    report('invalid-regex', path, `invalid regular expression: ${firstLineOf(error)}`);
  }
}

function firstLineOf(error: unknown): string {
  const message = error instanceof Error ? error.message : 'unreadable';
  const line = message.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function checkInputs(inputs: readonly unknown[], report: Report): void {
  const inputNames = new Set<string>();
  inputs.forEach((value, i) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return;
    const input = fields(value);
    const at = ['spec', 'inputs', i];
    const name = text(input.name);
    const label = name === undefined ? `input ${i + 1}` : `input ${quote(name)}`;
    if (name !== undefined) {
      if (inputNames.has(name)) report('duplicate-name', [...at, 'name'], `${label} is declared twice`);
      inputNames.add(name);
    }
    if (input.source && input.product)
      report(
        'ambiguous-input',
        at,
        `${label} has both source and product`,
        'an input reads either a source or another product',
      );
    if (!input.source && !input.product)
      report('missing-field', at, `${label} needs a source or a product`, 'e.g. product: identity/customers@1');
    const product = text(input.product);
    if (product !== undefined && !parseInputProductRef(product)) {
      report(
        'invalid-product-ref',
        [...at, 'product'],
        `${quote(product)} is not a product reference`,
        'write domain/name@major, e.g. identity/customers@1',
      );
    }
    if (input.source && typeof input.source === 'object' && !Array.isArray(input.source))
      checkSource(fields(input.source), [...at, 'source'], report);
  });
}

/**
 * The postgres engine runs the transform inside the database that holds the inputs: every
 * input must be a PostgreSQL source on one and the same connection.
 */
function checkPostgresEngineInputs(inputs: readonly unknown[], report: Report): void {
  let first: { connection: string; index: number } | undefined;
  inputs.forEach((value, i) => {
    const input = fields(value);
    const at = ['spec', 'inputs', i];
    const label = text(input.name) === undefined ? `input ${i + 1}` : `input ${quote(text(input.name)!)}`;
    const source = fields(input.source);
    if (input.product !== undefined) {
      report(
        'engine-input',
        [...at, 'product'],
        `${label} is another data product, which the postgres engine cannot read: its snapshot is a Parquet file in the warehouse, not a table in the database`,
        "on engine: postgres every input is a postgres source on the same connection; read the product's SQL output port table through such a source, or use engine: duckdb",
      );
      return;
    }
    if (input.source === undefined) return;
    if (source.type !== 'postgres') {
      report(
        'engine-input',
        [...at, 'source', 'type'],
        `${label} is a ${String(source.type)} source, but engine: postgres runs the transform inside PostgreSQL, where only PostgreSQL data is`,
        'move the data into the same PostgreSQL database, or use engine: duckdb',
      );
      return;
    }
    const connection = text(source.connection);
    if (connection === undefined) return;
    if (!first) first = { connection, index: i };
    else if (connection.trim() !== first.connection.trim())
      report(
        'engine-input',
        [...at, 'source', 'connection'],
        `${label} is on connection ${quote(connection)}, but input ${first.index + 1} is on ${quote(first.connection)}: engine: postgres runs the transform in ONE database, where all of its inputs are`,
        'give every input the same connection (one ${VAR}), or use engine: duckdb, which extracts each input',
      );
  });
}

function checkSource(src: Fields, at: PathSegment[], report: Report): void {
  if (src.type === 'postgres' || src.type === 'mysql') {
    if (!src.connection)
      report('missing-field', at, `a ${src.type} source needs "connection"`, 'e.g. connection: ${ORDERS_DB_URI}');
    if (!src.query) report('missing-field', at, `a ${src.type} source needs "query"`);
  }
  if (src.type === 'file') {
    if (!src.path) report('missing-field', at, 'a file source needs "path"');
    if (!src.format) report('missing-field', at, 'a file source needs "format" (csv, parquet or json)');
  }
  const connection = text(src.connection);
  if (connection !== undefined) checkConnection(connection, [...at, 'connection'], report);
  const path = text(src.path);
  if (path !== undefined) checkConnection(path, [...at, 'path'], report);
}

function checkPorts(ports: readonly unknown[], report: Report): void {
  const portNames = new Set<string>();
  ports.forEach((value, i) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return;
    const port = fields(value);
    const at = ['spec', 'outputPorts', i];
    const name = text(port.name);
    if (name !== undefined) {
      if (portNames.has(name))
        report('duplicate-name', [...at, 'name'], `output port ${quote(name)} is declared twice`);
      portNames.add(name);
    }
    if (port.type === 'postgres') {
      if (!port.connection)
        report('missing-field', at, 'a postgres port needs "connection"', 'e.g. connection: ${WAREHOUSE_URI}');
      if (!port.table) report('missing-field', at, 'a postgres port needs "table"', 'e.g. table: sales.orders_daily');
    }
    const connection = text(port.connection);
    if (connection !== undefined) checkConnection(connection, [...at, 'connection'], report);
    if (port.subject !== undefined && port.type !== 'stream')
      report('unused-field', [...at, 'subject'], `"subject" only applies to stream ports`, undefined, true, 'warn');
  });
}

/** Largest transform SQL read from a file or accepted in a bundle; like the descriptor, checked before reading. */
export const MAX_TRANSFORM_BYTES = 1024 * 1024;

function checkTransform(
  transform: unknown,
  inputCount: number,
  source: YamlSource,
  report: Report,
  options: ValidateOptions,
): string | undefined {
  if (options.transformSql !== undefined) {
    if (Buffer.byteLength(options.transformSql, 'utf8') > MAX_TRANSFORM_BYTES) {
      report('transform-too-large', ['spec', 'transform'], transformTooLarge(Buffer.byteLength(options.transformSql)));
      return undefined;
    }
    return options.transformSql;
  }
  if (typeof transform === 'string') {
    if (!transform.endsWith('.sql')) {
      report(
        'invalid-value',
        ['spec', 'transform'],
        `transform ${quote(transform)} should name a .sql file`,
        'or write the SQL inline: transform: { sql: ... }',
      );
      return undefined;
    }
    if (options.checkFiles === false) return undefined;
    return readTransformFile(transform, options.baseDir ?? dirname(source.file), report);
  }
  const inline = fields(transform).sql;
  if (typeof inline === 'string') return inline;
  if (transform === undefined && inputCount > 1)
    report(
      'missing-field',
      ['spec'],
      'a product with several inputs needs a transform',
      'add transform: transform.sql',
    );
  return undefined;
}

function transformTooLarge(size: number): string {
  return `the transform SQL is ${formatBytes(size)}; it may be at most ${formatBytes(MAX_TRANSFORM_BYTES)}`;
}

function readTransformFile(transform: string, baseDir: string, report: Report): string | undefined {
  const at = ['spec', 'transform'];
  const read = readRegularFile(resolve(baseDir, transform), MAX_TRANSFORM_BYTES);
  if (!read.ok) {
    if (read.reason === 'too-large')
      report('transform-too-large', at, transformTooLarge(read.size), 'a transform is a query, not data');
    else if (read.reason === 'not-regular' || read.reason === 'directory')
      report('not-a-file', at, `transform ${quote(transform)} is not a regular file`, 'point transform at a .sql file');
    else
      report(
        'file-not-found',
        at,
        `transform file ${transform.length > 200 ? quote(transform) : transform} does not exist (looked in ${baseDir})`,
        'create it, or point transform at the right file',
      );
    return undefined;
  }
  let sql: string;
  try {
    sql = new TextDecoder('utf-8', { fatal: true }).decode(read.bytes);
  } catch {
    report('not-utf8', at, `transform file ${quote(transform)} is not valid UTF-8 text`, 'save it as UTF-8');
    return undefined;
  }
  if (sql.includes('\0')) {
    report('binary-file', at, `transform file ${quote(transform)} contains a NUL byte; it is not SQL text`);
    return undefined;
  }
  if (sql.trim() === '') report('empty-transform', at, `transform file ${transform} is empty`);
  return sql;
}

const ENV_REF = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/g;
/**
 * `user:password@host` with or without a scheme (`postgres://`, `//`, or none): a user part
 * (possibly empty once ${VAR} references are removed), a colon, a non-empty password without
 * `/`, `?`, `#` (which would make it a port and path instead) and an `@` followed by a host.
 * An e-mail address has no colon before its `@`, and `${USER}:${PASSWORD}@host` leaves an
 * empty password, so neither matches.
 */
const INLINE_USERINFO_PASSWORD = /(?:^|[\s/;,=(])[^\s/:@;,=()]*:[^\s@/?#]+@[^\s@/:]+/;
const INLINE_KEY_PASSWORD = /(password|pwd)\s*=\s*[^;&\s]+/i;

function checkConnection(connection: string, path: PathSegment[], report: Report): void {
  const withoutRefs = connection.replace(ENV_REF, '');
  if (INLINE_USERINFO_PASSWORD.test(withoutRefs) || INLINE_KEY_PASSWORD.test(withoutRefs)) {
    report(
      'inline-secret',
      path,
      `the ${path.at(-1) === 'path' ? 'path' : 'connection string'} contains an inline password; secrets must never be stored in a descriptor`,
      'use an environment variable: connection: ${ORDERS_DB_URI}',
    );
  }
}

function formatPath(path: readonly PathSegment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** Drop the noise Ajv adds around unions (anyOf/oneOf parents) when a more precise error exists. */
function pruneErrors(errors: ErrorObject[]): ErrorObject[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (
      e.keyword === 'anyOf' &&
      errors.some((o) => o !== e && o.instancePath.startsWith(e.instancePath) && o.keyword !== 'type')
    ) {
      return false;
    }
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function schemaErrorDiagnostic(error: ErrorObject, source: YamlSource): Diagnostic {
  const path = pointerToPath(error.instancePath);
  const where = formatPath(path) || 'the document';
  const base = { severity: 'error' as const };
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
      const guess = didYouMean(field, known);
      const full = [...path, field];
      return {
        ...base,
        code: 'unknown-field',
        message: `unknown field "${field}" in ${where}`,
        hint: guess ? `did you mean "${guess}"?` : `allowed fields: ${known.join(', ')}`,
        location: source.locate(full, true),
        path: formatPath(full),
      };
    }
    case 'required': {
      const field = (error.params as { missingProperty: string }).missingProperty;
      return {
        ...base,
        code: 'missing-field',
        message: `missing required field "${field}" in ${where}`,
        location: source.locate(path, true),
        path: formatPath([...path, field]),
      };
    }
    case 'type': {
      const expected = (error.params as { type: string }).type;
      return {
        ...base,
        code: 'wrong-type',
        message: `${where} must be ${article(expected)} ${expected}, got ${describe(error.data)}`,
        location: source.locate(path),
        path: formatPath(path),
      };
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const guess = typeof error.data === 'string' ? didYouMean(error.data, allowed) : undefined;
      return {
        ...base,
        code: 'invalid-value',
        message: `${where} is ${preview(error.data)}; expected one of ${allowed.join(', ')}`,
        hint: guess ? `did you mean "${guess}"?` : undefined,
        location: source.locate(path),
        path: formatPath(path),
      };
    }
    case 'pattern': {
      const description = (error.parentSchema as { description?: string })?.description;
      let hint: string | undefined;
      if (typeof error.data === 'string' && path.at(-1) === 'type') hint = columnTypeHint(error.data);
      return {
        ...base,
        code: 'invalid-value',
        message: `${where} is ${preview(error.data)}, which is not ${description ?? `matching ${(error.params as { pattern: string }).pattern}`}`,
        hint,
        location: source.locate(path),
        path: formatPath(path),
      };
    }
    case 'anyOf':
      return {
        ...base,
        code: 'invalid-value',
        message: `${where} has the wrong shape: ${(error.parentSchema as { description?: string })?.description ?? 'expected a file path (transform.sql) or { sql: ... }'}`,
        location: source.locate(path),
        path: formatPath(path),
      };
    default:
      return {
        ...base,
        code: 'invalid-value',
        message: `${where} ${error.message ?? 'is invalid'}`,
        location: source.locate(path),
        path: formatPath(path),
      };
  }
}

function article(word: string): string {
  return /^[aeiou]/.test(word) ? 'an' : 'a';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${preview(value)}`;
}

/** A value inside a message: scalars as JSON (long strings cut short), collections by their kind. */
function preview(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return describe(value);
}
