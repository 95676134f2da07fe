/**
 * Descriptor validation: structure (against the JSON Schema, with did-you-mean hints) and the
 * facts the schema cannot express (semver, cron, durations, references, file presence,
 * inline secrets, cross-references between columns, checks and keys). Returns diagnostics;
 * never throws for a user mistake.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Cron } from 'croner';
import semver from 'semver';
import type { Diagnostic } from '../core/diagnostic.js';
import { didYouMean } from '../core/did-you-mean.js';
import { DataProductDescriptor, type DataProduct } from './data-product-schema.js';
import { columnTypeHint } from './column-type-hint.js';
import { parseDuration } from './duration.js';
import { parseInputProductRef } from './product-ref.js';
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
    const got = doc.apiVersion === undefined ? 'missing' : JSON.stringify(doc.apiVersion);
    report(
      'unknown-api-version',
      ['apiVersion'],
      `unknown apiVersion ${got}; this version of Meshwork reads ${API_VERSION}`,
      `set apiVersion: ${API_VERSION}`,
    );
    return { diagnostics };
  }
  if (doc.kind !== 'DataProduct') {
    const got = doc.kind === undefined ? 'missing' : JSON.stringify(doc.kind);
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
  // Semantic checks read fields defensively so they still help on a partly invalid document.
  const product = doc as unknown as DataProduct;
  let transformSql = options.transformSql;
  transformSql = semanticChecks(product, source, report, options, transformSql);
  return { product: structurallyValid ? product : undefined, transformSql, diagnostics };
}

type Report = (
  code: string,
  path: readonly PathSegment[],
  message: string,
  hint?: string,
  key?: boolean,
  severity?: Diagnostic['severity'],
) => void;

function semanticChecks(
  p: DataProduct,
  source: YamlSource,
  report: Report,
  options: ValidateOptions,
  transformSql: string | undefined,
): string | undefined {
  const meta = (p.metadata ?? {}) as Partial<DataProduct['metadata']>;
  const spec = (p.spec ?? {}) as Partial<DataProduct['spec']>;
  if (typeof meta.version === 'string' && !semver.valid(meta.version)) {
    const coerced = semver.coerce(meta.version)?.version;
    report(
      'invalid-version',
      ['metadata', 'version'],
      `version "${meta.version}" is not a semantic version (MAJOR.MINOR.PATCH)`,
      coerced ? `did you mean ${coerced}?` : 'use e.g. 1.0.0',
    );
  }
  if (typeof spec.schedule === 'string') {
    try {
      new Cron(spec.schedule, { paused: true });
    } catch (error) {
      report(
        'invalid-cron',
        ['spec', 'schedule'],
        `schedule "${spec.schedule}" is not a valid cron expression: ${error instanceof Error ? error.message : error}`,
        'five fields: minute hour day-of-month month day-of-week, e.g. "*/15 * * * *"',
      );
    }
  }
  const fresh = spec.freshness;
  if (fresh && typeof fresh.target === 'string' && typeof fresh.alert_after === 'string') {
    const target = parseDuration(fresh.target);
    const after = parseDuration(fresh.alert_after);
    if (target !== undefined && after !== undefined && after < target) {
      report(
        'freshness-order',
        ['spec', 'freshness', 'alert_after'],
        `alert_after (${fresh.alert_after}) is shorter than the freshness target (${fresh.target})`,
        'alert_after should be at least the target',
      );
    }
  }

  const columns = Array.isArray(spec.schema?.columns) ? spec.schema!.columns : [];
  const columnNames = new Set<string>();
  columns.forEach((c, i) => {
    if (typeof c?.name !== 'string') return;
    if (columnNames.has(c.name))
      report('duplicate-name', ['spec', 'schema', 'columns', i, 'name'], `column "${c.name}" is declared twice`);
    columnNames.add(c.name);
    if (c.masking && c.masking !== 'none' && (c.pii === undefined || c.pii === 'none')) {
      report(
        'masking-without-pii',
        ['spec', 'schema', 'columns', i, 'masking'],
        `column "${c.name}" has masking ${c.masking} but is not classified as PII`,
        'set pii: indirect, direct or sensitive, or drop the masking',
        false,
        'warn',
      );
    }
  });
  const columnHint = (name: string) => {
    const guess = didYouMean(name, columnNames);
    return guess ? `did you mean ${guess}?` : `declared columns: ${[...columnNames].join(', ')}`;
  };
  (spec.schema?.primaryKey ?? []).forEach((key, i) => {
    if (typeof key === 'string' && columnNames.size > 0 && !columnNames.has(key)) {
      report(
        'unknown-column',
        ['spec', 'schema', 'primaryKey', i],
        `primary key column "${key}" is not in the schema`,
        columnHint(key),
      );
    }
  });

  const checks = Array.isArray(spec.quality?.checks) ? spec.quality!.checks : [];
  checks.forEach((check, i) => {
    if (!check || typeof check !== 'object') return;
    const at = ['spec', 'quality', 'checks', i];
    const refs: Array<[string, PathSegment[]]> = [];
    if (typeof check.column === 'string') refs.push([check.column, [...at, 'column']]);
    (check.columns ?? []).forEach((c, j) => typeof c === 'string' && refs.push([c, [...at, 'columns', j]]));
    for (const [name, path] of refs) {
      if (columnNames.size > 0 && !columnNames.has(name))
        report(
          'unknown-column',
          path,
          `check ${check.type} refers to column "${name}", which is not in the schema`,
          columnHint(name),
        );
    }
    const need = (field: keyof typeof check, why: string) => {
      if (check[field] === undefined)
        report('missing-field', at, `a ${check.type} check needs "${String(field)}" (${why})`, undefined, false);
    };
    switch (check.type) {
      case 'null_rate':
        need('column', 'the column to measure');
        need('threshold', 'the highest acceptable share of nulls, e.g. 0.01');
        break;
      case 'row_count_delta':
        need('threshold', 'the largest acceptable change vs the 7-day average, e.g. 0.2');
        break;
      case 'row_count':
        if (check.min === undefined && check.max === undefined)
          report('missing-field', at, 'a row_count check needs "min", "max" or both');
        break;
      case 'unique':
        if (!check.column && !check.columns) report('missing-field', at, 'a unique check needs "column" or "columns"');
        break;
      case 'not_null':
        if (!check.column && !check.columns)
          report('missing-field', at, 'a not_null check needs "column" or "columns"');
        break;
      case 'accepted_values':
        need('column', 'the column to check');
        need('values', 'the allowed values');
        break;
      case 'range':
        need('column', 'the column to check');
        if (check.min === undefined && check.max === undefined)
          report('missing-field', at, 'a range check needs "min", "max" or both');
        break;
      case 'regex':
        need('column', 'the column to check');
        need('pattern', 'the regular expression values must match');
        if (typeof check.pattern === 'string') {
          try {
            new RegExp(check.pattern);
          } catch (error) {
            report('invalid-regex', [...at, 'pattern'], `invalid regular expression: ${(error as Error).message}`);
          }
        }
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
  });

  const inputs = Array.isArray(spec.inputs) ? spec.inputs : [];
  const inputNames = new Set<string>();
  inputs.forEach((input, i) => {
    if (!input || typeof input !== 'object') return;
    const at = ['spec', 'inputs', i];
    if (typeof input.name === 'string') {
      if (inputNames.has(input.name))
        report('duplicate-name', [...at, 'name'], `input "${input.name}" is declared twice`);
      inputNames.add(input.name);
    }
    if (input.source && input.product)
      report(
        'ambiguous-input',
        at,
        `input "${input.name}" has both source and product`,
        'an input reads either a source or another product',
      );
    if (!input.source && !input.product)
      report(
        'missing-field',
        at,
        `input "${input.name}" needs a source or a product`,
        'e.g. product: identity/customers@1',
      );
    if (typeof input.product === 'string' && !parseInputProductRef(input.product)) {
      report(
        'invalid-product-ref',
        [...at, 'product'],
        `"${input.product}" is not a product reference`,
        'write domain/name@major, e.g. identity/customers@1',
      );
    }
    const src = input.source;
    if (src && typeof src === 'object') {
      if (src.type === 'postgres' || src.type === 'mysql') {
        if (!src.connection)
          report(
            'missing-field',
            [...at, 'source'],
            `a ${src.type} source needs "connection"`,
            'e.g. connection: ${ORDERS_DB_URI}',
          );
        if (!src.query) report('missing-field', [...at, 'source'], `a ${src.type} source needs "query"`);
      }
      if (src.type === 'file') {
        if (!src.path) report('missing-field', [...at, 'source'], 'a file source needs "path"');
        if (!src.format)
          report('missing-field', [...at, 'source'], 'a file source needs "format" (csv, parquet or json)');
      }
      if (typeof src.connection === 'string') checkConnection(src.connection, [...at, 'source', 'connection'], report);
    }
  });

  const ports = Array.isArray(spec.outputPorts) ? spec.outputPorts : [];
  const portNames = new Set<string>();
  ports.forEach((port, i) => {
    if (!port || typeof port !== 'object') return;
    const at = ['spec', 'outputPorts', i];
    if (typeof port.name === 'string') {
      if (portNames.has(port.name))
        report('duplicate-name', [...at, 'name'], `output port "${port.name}" is declared twice`);
      portNames.add(port.name);
    }
    if (port.type === 'postgres') {
      if (!port.connection)
        report('missing-field', at, 'a postgres port needs "connection"', 'e.g. connection: ${WAREHOUSE_URI}');
      if (!port.table) report('missing-field', at, 'a postgres port needs "table"', 'e.g. table: sales.orders_daily');
    }
    if (typeof port.connection === 'string') checkConnection(port.connection, [...at, 'connection'], report);
    if (port.subject !== undefined && port.type !== 'stream')
      report('unused-field', [...at, 'subject'], `"subject" only applies to stream ports`, undefined, true, 'warn');
  });

  const transform = spec.transform;
  if (typeof transform === 'string') {
    if (!transform.endsWith('.sql'))
      report(
        'invalid-value',
        ['spec', 'transform'],
        `transform "${transform}" should name a .sql file`,
        'or write the SQL inline: transform: { sql: ... }',
      );
    else if (options.checkFiles !== false && transformSql === undefined) {
      const baseDir = options.baseDir ?? dirname(source.file);
      const full = resolve(baseDir, transform);
      if (!existsSync(full) || !statSync(full).isFile()) {
        report(
          'file-not-found',
          ['spec', 'transform'],
          `transform file ${transform} does not exist (looked in ${baseDir})`,
          'create it, or point transform at the right file',
        );
      } else {
        transformSql = readFileSync(full, 'utf8');
        if (transformSql.trim() === '')
          report('empty-transform', ['spec', 'transform'], `transform file ${transform} is empty`);
      }
    }
  } else if (transform && typeof transform === 'object' && typeof transform.sql === 'string') {
    transformSql = transform.sql;
  } else if (transform === undefined && inputs.length > 1) {
    report(
      'missing-field',
      ['spec'],
      'a product with several inputs needs a transform',
      'add transform: transform.sql',
    );
  }
  return transformSql;
}

const ENV_REF = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/g;

function checkConnection(connection: string, path: PathSegment[], report: Report): void {
  const withoutRefs = connection.replace(ENV_REF, '');
  const inlineUrlPassword = /:\/\/[^/\s:@]*:[^@\s]+@/.test(withoutRefs);
  const inlineKeyPassword = /(password|pwd)\s*=\s*[^;&\s]+/i.test(withoutRefs);
  if (inlineUrlPassword || inlineKeyPassword) {
    report(
      'inline-secret',
      path,
      'the connection string contains an inline password; secrets must never be stored in a descriptor',
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
        message: `${where} is ${JSON.stringify(error.data)}; expected one of ${allowed.join(', ')}`,
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
        message: `${where} is ${JSON.stringify(error.data)}, which is not ${description ?? `matching ${(error.params as { pattern: string }).pattern}`}`,
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
  return `${typeof value} ${JSON.stringify(value)}`;
}
