/**
 * The official JSON Schemas of the open standards Meshwork speaks (ODCS v3.1.0, ODPS v1.0.0),
 * read from `schemas/standards/` (unchanged copies, with their licence) and compiled once with
 * Ajv's draft 2019-09 dialect. Schema errors become located diagnostics: one per offending
 * place, the most specific first, so a user sees where the contract is wrong, not Ajv's trace
 * through `oneOf`/`if` branches.
 */
import { readFileSync } from 'node:fs';
import { Ajv2019, type ErrorObject, type ValidateFunction } from 'ajv/dist/2019.js';
import type { Diagnostic } from '../core/diagnostic.js';
import type { PathSegment, YamlSource } from '../descriptor/yaml-source.js';
import { dotted } from './field-ledger.js';

export const STANDARD_SCHEMAS = {
  odcs: 'odcs/odcs-json-schema-v3.1.0.json',
  odps: 'odps/odps-json-schema-v1.0.0.json',
} as const;

export type StandardName = keyof typeof STANDARD_SCHEMAS;

const schemaFolder = new URL('../../schemas/standards/', import.meta.url);
const compiled = new Map<StandardName, ValidateFunction>();

/** The schema document itself (for the OpenAPI description and tests). */
export function standardSchema(name: StandardName): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(STANDARD_SCHEMAS[name], schemaFolder), 'utf8')) as Record<string, unknown>;
}

function validator(name: StandardName): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    const ajv = new Ajv2019({ allErrors: true, strict: false, validateFormats: true });
    // The formats the schemas use; dates stay strings (YAML core schema), checked by shape.
    ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
    ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/);
    ajv.addFormat('uri', /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$/);
    validate = ajv.compile(standardSchema(name));
    compiled.set(name, validate);
  }
  return validate;
}

/** True when `document` is valid; otherwise the errors as plain `path: message` lines (tests, export). */
export function schemaErrors(name: StandardName, document: unknown): string[] {
  const validate = validator(name);
  if (validate(document)) return [];
  return specificErrors(validate.errors ?? []).map((e) => `${e.instancePath || '/'}: ${describe(e)}`);
}

/** Validates a parsed document, each error located in its YAML source. */
export function validateAgainstStandard(name: StandardName, source: YamlSource, code: string): Diagnostic[] {
  const validate = validator(name);
  if (validate(source.value)) return [];
  return specificErrors(validate.errors ?? []).map((e) => {
    const path = pointerPath(e.instancePath);
    const keyed = e.keyword === 'additionalProperties' || e.keyword === 'unevaluatedProperties';
    const extra = keyed
      ? String(
          (e.params as { additionalProperty?: string; unevaluatedProperty?: string }).additionalProperty ??
            (e.params as { unevaluatedProperty?: string }).unevaluatedProperty,
        )
      : undefined;
    const at = extra === undefined ? path : [...path, extra];
    return {
      code,
      severity: 'error' as const,
      message: `${at.length ? dotted(at) : 'the document'}: ${describe(e)}`,
      location: source.locate(at, extra !== undefined),
      path: dotted(at),
    };
  });
}

/**
 * Keeps one error per place: combinator errors (`oneOf`, `anyOf`, `if`) only where nothing more
 * specific was said at or below the same place.
 */
function specificErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const combinators = new Set(['oneOf', 'anyOf', 'if', 'allOf', 'not']);
  const concrete = errors.filter((e) => !combinators.has(e.keyword));
  const kept = errors.filter(
    (e) =>
      !combinators.has(e.keyword) ||
      !concrete.some((c) => c.instancePath === e.instancePath || c.instancePath.startsWith(`${e.instancePath}/`)),
  );
  const seen = new Set<string>();
  return kept.filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function describe(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'enum') return `${e.message}: ${(params.allowedValues as unknown[]).join(', ')}`;
  if (e.keyword === 'additionalProperties') return `unknown field "${String(params.additionalProperty)}"`;
  if (e.keyword === 'unevaluatedProperties') return `unknown field "${String(params.unevaluatedProperty)}"`;
  return e.message ?? e.keyword;
}

function pointerPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}
