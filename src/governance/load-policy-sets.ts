/**
 * Finds and reads policy set files. Where they come from, in order:
 *   1. `MESH_POLICIES`: a folder (every *.yaml / *.yml file in it, recursively);
 *   2. otherwise the nearest `policies/` folder in the current directory or above it
 *      (a domain repository keeps its policies beside its products; the governance team's
 *      global set is vendored or mounted there too);
 *   3. always, the built-in defaults (in code, see builtin-rules.ts).
 * Files are read with the same hostile-input guards as descriptors (yaml-source) and their
 * structure is checked against the PolicySet schema. Every problem is a diagnostic located
 * in the policy file; a broken rule is dropped and the others still apply.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Diagnostic, SourceLocation } from '../core/diagnostic.js';
import { didYouMean } from '../core/did-you-mean.js';
import { readYamlFile, type PathSegment, type YamlSource } from '../descriptor/yaml-source.js';
import { BUILTIN_RULES_BY_ID } from './builtin-rules.js';
import { compileCelRule, type CompiledCelRule } from './cel-rules.js';
import { PolicySetDocument, type PolicyRuleSpec, type PolicySet } from './policy-set-schema.js';

export const POLICY_FOLDER = 'policies';

export interface LoadedRule {
  readonly spec: PolicyRuleSpec;
  /** Index in spec.rules, for locations. */
  readonly index: number;
  readonly set: LoadedPolicySet;
  readonly cel?: CompiledCelRule;
}

export interface LoadedPolicySet {
  readonly name: string;
  readonly owner: string;
  readonly scope: string;
  readonly file: string;
  readonly source: YamlSource;
  readonly rules: LoadedRule[];
}

export interface PolicyLoad {
  readonly folder?: string;
  readonly sets: LoadedPolicySet[];
  /** Problems in the policy files themselves (severity error: the rule or file was not applied). */
  readonly diagnostics: Diagnostic[];
}

let validator: ValidateFunction | undefined;
const paramValidators = new Map<string, ValidateFunction>();
const ajv = new Ajv({ allErrors: true, strict: false });

/** The folder policies are read from, or undefined when there is none. */
export function findPolicyFolder(cwd: string, env: NodeJS.ProcessEnv): { folder?: string; diagnostics: Diagnostic[] } {
  if (env.MESH_POLICIES) {
    const folder = resolve(cwd, env.MESH_POLICIES);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) {
      return {
        diagnostics: [
          {
            code: 'policy-folder-not-found',
            severity: 'error',
            message: `MESH_POLICIES points at ${env.MESH_POLICIES}, which is not a folder; only the built-in rules apply`,
            hint: 'set MESH_POLICIES to the folder holding *.policy.yaml files',
          },
        ],
      };
    }
    return { folder, diagnostics: [] };
  }
  let dir = resolve(cwd);
  for (;;) {
    const candidate = join(dir, POLICY_FOLDER);
    if (existsSync(candidate) && statSync(candidate).isDirectory()) return { folder: candidate, diagnostics: [] };
    const parent = dirname(dir);
    if (parent === dir) return { diagnostics: [] };
    dir = parent;
  }
}

export function loadPolicySets(options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): PolicyLoad {
  const cwd = options.cwd ?? process.cwd();
  const found = findPolicyFolder(cwd, options.env ?? process.env);
  if (!found.folder) return { sets: [], diagnostics: found.diagnostics };
  const files: string[] = [];
  collect(found.folder, files);
  const diagnostics: Diagnostic[] = [];
  const sets: LoadedPolicySet[] = [];
  for (const file of files.sort()) {
    const label = displayPath(file, cwd);
    const loaded = loadPolicySetSource(readYamlFile(file, label));
    diagnostics.push(...loaded.diagnostics);
    if (loaded.set) sets.push(loaded.set);
  }
  return { folder: found.folder, sets, diagnostics };
}

function collect(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) collect(full, out);
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(full);
  }
}

function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel && !rel.startsWith('..') ? rel : file;
}

/** Reads one policy set from already-parsed YAML: structure, then each rule on its own. */
export function loadPolicySetSource(source: YamlSource): { set?: LoadedPolicySet; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [...source.diagnostics];
  const at = (path: readonly PathSegment[], key = false) => source.locate(path, key);
  const report = (code: string, path: readonly PathSegment[], message: string, hint?: string, key = false) =>
    diagnostics.push({
      code,
      severity: 'error',
      message,
      hint,
      location: at(path, key),
      path: formatPath(path),
      source: source.file,
    });
  if (source.value === undefined) return { diagnostics };
  const doc = source.value as Record<string, unknown>;
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    report('not-a-mapping', [], 'a policy set must be a YAML mapping with apiVersion, kind, metadata and spec');
    return { diagnostics };
  }
  if (doc.kind !== 'PolicySet') {
    report(
      'wrong-kind',
      ['kind'],
      `${source.file} is in the policies folder but its kind is ${JSON.stringify(doc.kind ?? null)}, not PolicySet`,
      'move it out of the policies folder, or set kind: PolicySet',
    );
    return { diagnostics };
  }
  validator ??= ajv.compile(PolicySetDocument);
  // The envelope first: without a valid metadata block the rules cannot be attributed.
  const envelopeOk = validator(doc);
  const ruleErrors = new Map<number, ErrorObject[]>();
  for (const error of envelopeOk ? [] : (validator.errors ?? [])) {
    const path = pointerToPath(error.instancePath);
    if (path[0] === 'spec' && path[1] === 'rules' && typeof path[2] === 'number') {
      const list = ruleErrors.get(path[2]) ?? [];
      list.push(error);
      ruleErrors.set(path[2], list);
      continue;
    }
    schemaDiagnostic(error, source, diagnostics);
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  const policy = doc as unknown as PolicySet;
  const set: LoadedPolicySet = {
    name: policy.metadata.name,
    owner: policy.metadata.owner,
    scope: policy.metadata.scope,
    file: source.file,
    source,
    rules: [],
  };
  const ids = new Map<string, number>();
  policy.spec.rules.forEach((spec, index) => {
    const base: PathSegment[] = ['spec', 'rules', index];
    const errors = ruleErrors.get(index);
    if (errors) {
      for (const error of errors) schemaDiagnostic(error, source, diagnostics);
      return;
    }
    if (ids.has(spec.id)) {
      report(
        'duplicate-rule-id',
        [...base, 'id'],
        `rule ${spec.id} appears twice in policy set ${set.name}; the second one is ignored`,
        `the first is at rule #${ids.get(spec.id)! + 1}; merge them`,
      );
      return;
    }
    ids.set(spec.id, index);
    const builtin = BUILTIN_RULES_BY_ID.get(spec.id);
    if (spec.cel === undefined) {
      if (!builtin) {
        // Configures a CEL rule of another set (a domain tuning a global rule): the engine resolves it.
        if (spec.params !== undefined)
          report(
            'unknown-param',
            [...base, 'params'],
            `rule ${spec.id} is not a built-in rule, so it takes no params`,
            undefined,
            true,
          );
        set.rules.push({ spec, index, set });
        return;
      }
      for (const field of ['message', 'path'] as const) {
        if (spec[field] !== undefined)
          report(
            'unused-field',
            [...base, field],
            `"${field}" only applies to CEL rules; built-in rule ${spec.id} has its own messages`,
            undefined,
            true,
          );
      }
      if (spec.params !== undefined && !checkParams(spec.id, spec.params, source, [...base, 'params'], diagnostics))
        return;
      set.rules.push({ spec, index, set });
      return;
    }
    if (builtin) {
      report(
        'duplicate-rule-id',
        [...base, 'id'],
        `"${spec.id}" is a built-in rule; a CEL rule needs an id of its own`,
        `rename it, e.g. ${set.scope}-${spec.id}`,
      );
      return;
    }
    if (spec.params !== undefined)
      report(
        'unknown-param',
        [...base, 'params'],
        `CEL rule ${spec.id} takes no params; write values into the expression`,
        undefined,
        true,
      );
    const compiled = compileCelRule(spec.cel);
    if (!compiled.rule) {
      for (const problem of compiled.problems) {
        diagnostics.push({
          code: problem.kind === 'syntax' ? 'cel-syntax' : 'cel-type',
          severity: 'error',
          message: `rule ${spec.id}: ${problem.message}; the rule is not applied`,
          location: locateInScalar(source, [...base, 'cel'], spec.cel, problem.offset),
          path: formatPath([...base, 'cel']),
          source: source.file,
          hint:
            problem.kind === 'type'
              ? 'check field names against schemas/data-product.v1.json; optional fields need has(...)'
              : undefined,
        });
      }
      return;
    }
    set.rules.push({ spec, index, set, cel: compiled.rule });
  });
  return { set, diagnostics };
}

function checkParams(
  id: string,
  params: Record<string, unknown>,
  source: YamlSource,
  path: PathSegment[],
  diagnostics: Diagnostic[],
): boolean {
  const rule = BUILTIN_RULES_BY_ID.get(id)!;
  let validate = paramValidators.get(id);
  if (!validate) {
    // Params are partial: a policy set sets only what it changes, defaults fill the rest.
    validate = ajv.compile({ ...rule.params, required: [] });
    paramValidators.set(id, validate);
  }
  if (validate(params)) {
    for (const [name, value] of Object.entries(params)) {
      if (typeof value === 'string' && /pattern/i.test(name)) {
        try {
          new RegExp(value);
        } catch (error) {
          diagnostics.push({
            code: 'invalid-param',
            severity: 'error',
            message: `rule ${id}: params.${name} is not a valid regular expression: ${(error as Error).message}`,
            location: source.locate([...path, name]),
            path: formatPath([...path, name]),
            source: source.file,
          });
          return false;
        }
      }
    }
    return true;
  }
  const known = Object.keys((rule.params as { properties: object }).properties);
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'additionalProperties') {
      const name = (error.params as { additionalProperty: string }).additionalProperty;
      const guess = didYouMean(name, known);
      diagnostics.push({
        code: 'unknown-param',
        severity: 'error',
        message: `rule ${id} has no parameter "${name}"`,
        hint: guess
          ? `did you mean ${guess}?`
          : known.length
            ? `its parameters: ${known.join(', ')}`
            : `${id} takes no parameters`,
        location: source.locate([...path, name], true),
        path: formatPath([...path, name]),
        source: source.file,
      });
    } else {
      const sub = [...path, ...pointerToPath(error.instancePath)];
      diagnostics.push({
        code: 'invalid-param',
        severity: 'error',
        message: `rule ${id}: params${error.instancePath.replace(/\//g, '.')} ${error.message}`,
        location: source.locate(sub),
        path: formatPath(sub),
        source: source.file,
      });
    }
  }
  return false;
}

function schemaDiagnostic(error: ErrorObject, source: YamlSource, out: Diagnostic[]): void {
  const path = pointerToPath(error.instancePath);
  const where = formatPath(path) || 'the document';
  const push = (code: string, message: string, p: PathSegment[], hint?: string, key = false) =>
    out.push({
      code,
      severity: 'error',
      message,
      hint,
      location: source.locate(p, key),
      path: formatPath(p),
      source: source.file,
    });
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = (error.params as { additionalProperty: string }).additionalProperty;
      const known = Object.keys((error.parentSchema as { properties?: object })?.properties ?? {});
      const guess = didYouMean(field, known);
      push(
        'unknown-field',
        `unknown field "${field}" in ${where}`,
        [...path, field],
        guess ? `did you mean "${guess}"?` : `allowed fields: ${known.join(', ')}`,
        true,
      );
      return;
    }
    case 'required':
      push(
        'missing-field',
        `missing required field "${(error.params as { missingProperty: string }).missingProperty}" in ${where}`,
        path,
        undefined,
        true,
      );
      return;
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const guess = typeof error.data === 'string' ? didYouMean(error.data, allowed) : undefined;
      push(
        'invalid-value',
        `${where} is ${JSON.stringify(error.data)}; expected one of ${allowed.join(', ')}`,
        path,
        guess ? `did you mean "${guess}"?` : undefined,
      );
      return;
    }
    default:
      push(
        'invalid-value',
        `${where} ${error.message ?? 'is invalid'}${(error.parentSchema as { description?: string })?.description ? ` (${(error.parentSchema as { description?: string }).description})` : ''}`,
        path,
      );
  }
}

/** The file position of a character inside a YAML scalar (plain, quoted or block), for CEL errors. */
export function locateInScalar(
  source: YamlSource,
  path: readonly PathSegment[],
  value: string,
  offset: number,
): SourceLocation {
  const start = source.locate(path);
  const lines = source.text.split('\n');
  const first = lines[start.line - 1] ?? '';
  const opener = first[start.col - 1];
  const before = value.slice(0, Math.max(0, Math.min(offset, value.length)));
  const lineInValue = before.split('\n').length - 1;
  const colInLine = before.length - (before.lastIndexOf('\n') + 1);
  if (opener === '|' || opener === '>') {
    // A block scalar starts on the next line, at that line's indentation.
    const next = lines[start.line] ?? '';
    const indent = next.length - next.trimStart().length;
    return { file: start.file, line: start.line + 1 + lineInValue, col: indent + 1 + colInLine };
  }
  const quote = opener === '"' || opener === "'" ? 1 : 0;
  if (lineInValue === 0) return { file: start.file, line: start.line, col: start.col + quote + colInLine };
  return { file: start.file, line: start.line + lineInValue, col: colInLine + 1 };
}

export function formatPath(path: readonly PathSegment[]): string {
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

/** `spec.schema.columns[2].name` → ['spec', 'schema', 'columns', 2, 'name']. */
export function parsePath(text: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const part of text.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      out.push(part);
      continue;
    }
    if (match[1]) out.push(match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}
