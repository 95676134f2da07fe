/**
 * The tenancy rules checked before a product runs, as located diagnostics for `mesh validate`,
 * `mesh publish` and dry runs (the run itself refuses the same things again, always):
 * `${VAR}` references its domain is not entitled to, SQL that is not exactly one SELECT, file
 * inputs outside the domain's data roots. Never shows a resolved value.
 */
import { dirname, join } from 'node:path';
import type { Diagnostic } from '../core/diagnostic.js';
import type { DataProduct } from '../descriptor/data-product-schema.js';
import type { PathSegment, YamlSource } from '../descriptor/yaml-source.js';
import { classifySelect, positionIn } from '../engine/sql-statement.js';
import { stripTrailingSemicolon } from '../engine/sql-text.js';
import type { MeshConfig } from '../core/mesh-config.js';
import { entitlement } from '../core/env-scope.js';
import { placeFile, rootsApply } from './file-roots.js';
import { rewriteLastRun } from './last-run-param.js';
import { envReferences } from '../core/resolve-env.js';
import { runTenancy, type RunTenancy } from './run-tenancy.js';

export interface PreflightInput {
  readonly product: DataProduct;
  readonly source: YamlSource;
  readonly transformSql?: string;
  readonly config: MeshConfig;
  /** Where relative file inputs resolve (local mode). */
  readonly baseDir?: string;
  /** The environment references resolve in (the platform's own). */
  readonly env?: NodeJS.ProcessEnv;
}

export async function preflightDiagnostics(input: PreflightInput): Promise<Diagnostic[]> {
  const tenancy = runTenancy(input.config, input.product.metadata.domain);
  const out: Diagnostic[] = [];
  const at = (path: PathSegment[]) => ({ location: input.source.locate(path), path: formatPath(path) });
  checkEnvReferences(input, tenancy, at, out);
  checkFileInputs(input, tenancy, at, out);
  await checkStatements(input, at, out);
  return out;
}

type At = (path: PathSegment[]) => Pick<Diagnostic, 'location' | 'path'>;

/** Every field a run resolves `${VAR}` in. */
function resolvedFields(product: DataProduct): Array<{ path: PathSegment[]; text: string }> {
  const fields: Array<{ path: PathSegment[]; text: string }> = [];
  product.spec.inputs.forEach((inputSpec, i) => {
    const src = inputSpec.source;
    if (typeof src?.connection === 'string')
      fields.push({ path: ['spec', 'inputs', i, 'source', 'connection'], text: src.connection });
    if (typeof src?.path === 'string') fields.push({ path: ['spec', 'inputs', i, 'source', 'path'], text: src.path });
  });
  product.spec.outputPorts.forEach((port, i) => {
    if (typeof port.connection === 'string')
      fields.push({ path: ['spec', 'outputPorts', i, 'connection'], text: port.connection });
  });
  return fields;
}

function checkEnvReferences(input: PreflightInput, tenancy: RunTenancy, at: At, out: Diagnostic[]): void {
  for (const field of resolvedFields(input.product)) {
    for (const ref of envReferences(field.text)) {
      const allowed = entitlement(tenancy.scope, tenancy.domain, ref.name);
      if (!allowed.ok)
        out.push({
          code: 'env-not-entitled',
          severity: 'error',
          message: allowed.message,
          hint: allowed.hint,
          ...at(field.path),
        });
    }
  }
}

function checkFileInputs(input: PreflightInput, tenancy: RunTenancy, at: At, out: Diagnostic[]): void {
  if (!rootsApply(tenancy.roots)) return;
  const env = input.env ?? process.env;
  input.product.spec.inputs.forEach((spec, i) => {
    const shown = spec.source?.type === 'file' ? spec.source.path : undefined;
    if (typeof shown !== 'string') return;
    const refs = envReferences(shown);
    // An unentitled or unset reference is reported as such (or at run time); the path cannot be placed without it.
    if (refs.some((r) => !entitlement(tenancy.scope, tenancy.domain, r.name).ok || !env[r.name])) return;
    const resolved = shown.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? '');
    const placed = placeFile(tenancy.roots, tenancy.domain, resolved, input.baseDir ?? process.cwd(), shown);
    if (placed.ok && placed.missing)
      out.push({
        code: 'file-not-found',
        severity: 'warn',
        message: `file ${shown} does not exist on this server yet; the run needs it there`,
        ...at(['spec', 'inputs', i, 'source', 'path']),
      });
    if (!placed.ok)
      out.push({
        code: placed.unconfigured ? 'no-data-root' : 'file-outside-data-roots',
        // Without a root the product cannot run here, but may where roots are configured; an escape never can.
        severity: placed.unconfigured ? 'warn' : 'error',
        message: placed.message,
        hint: placed.hint,
        ...at(['spec', 'inputs', i, 'source', 'path']),
      });
  });
}

async function checkStatements(input: PreflightInput, at: At, out: Diagnostic[]): Promise<void> {
  const { product } = input;
  if (input.transformSql?.trim()) await checkTransform(input, at, out);
  const checks = product.spec.quality?.checks ?? [];
  for (const [i, check] of checks.entries()) {
    if (check.type !== 'sql' || typeof check.sql !== 'string') continue;
    const verdict = await classifySelect(stripTrailingSemicolon(check.sql));
    if (!verdict.ok)
      out.push(
        statementDiagnostic(
          'sql-not-one-select',
          "the check's query",
          verdict,
          check.sql,
          at(['spec', 'quality', 'checks', i, 'sql']),
        ),
      );
  }
  for (const [i, spec] of product.spec.inputs.entries()) {
    const query = spec.source?.query;
    if ((spec.source?.type !== 'postgres' && spec.source?.type !== 'mysql') || typeof query !== 'string') continue;
    const verdict = await classifySelect(rewriteLastRun(stripTrailingSemicolon(query), 'NULL').text);
    if (verdict.ok) continue;
    const where = at(['spec', 'inputs', i, 'source', 'query']);
    if (verdict.reason === 'kind')
      out.push(statementDiagnostic('sql-not-one-select', 'the source query', verdict, query, where));
    // A dialect the embedded parser does not read: the database decides when the run starts (one statement, read only).
    else
      out.push({
        ...statementDiagnostic('source-query-unchecked', 'the source query', verdict, query, where),
        severity: 'warn',
        message: `the source query could not be checked here (${verdict.message}); ${spec.source.type === 'postgres' ? 'PostgreSQL' : 'MySQL'} checks it is one read-only SELECT when the run starts`,
      });
  }
}

async function checkTransform(input: PreflightInput, at: At, out: Diagnostic[]): Promise<void> {
  const sql = input.transformSql!;
  const verdict = await classifySelect(stripTrailingSemicolon(sql));
  if (verdict.ok) return;
  const transform = input.product.spec.transform;
  const diagnostic = statementDiagnostic(
    'sql-not-one-select',
    'the transform',
    verdict,
    sql,
    at(['spec', 'transform']),
  );
  // A transform file is located in that file, line and column.
  if (typeof transform === 'string' && verdict.offset !== undefined) {
    const { line, col } = positionIn(sql, verdict.offset);
    out.push({ ...diagnostic, location: { file: join(dirname(input.source.file), transform), line, col } });
  } else out.push(diagnostic);
}

function statementDiagnostic(
  code: string,
  what: string,
  verdict: { message: string; offset?: number },
  sql: string,
  where: Pick<Diagnostic, 'location' | 'path'>,
): Diagnostic {
  const pos = verdict.offset === undefined ? undefined : positionIn(sql, verdict.offset);
  return {
    code,
    severity: 'error',
    message: `${what} must be exactly one SELECT: ${verdict.message}${pos ? ` (line ${pos.line}, column ${pos.col} of the query)` : ''}`,
    hint: 'write one SELECT (or WITH … SELECT); COPY, ATTACH, SET, DDL, DML and several statements are refused',
    ...where,
  };
}

function formatPath(path: readonly PathSegment[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}
