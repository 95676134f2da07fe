/**
 * A static type check of CEL rules against the descriptor's own schema, run once at load.
 * @bufbuild/cel 0.6 parses and evaluates but its checker does not handle calls yet, so
 * without this a typo (`product.metadata.ownr`) or a type error (`size(x) + 'a'`) would only
 * show up when the rule runs on some product. Types come from the TypeBox schema; function
 * overloads come from the CEL environment itself, so the check follows the evaluator.
 */
import type { CelEnv, CelType, parse } from '@bufbuild/cel';
import { didYouMean } from '../core/did-you-mean.js';

/** The parsed expression tree, as @bufbuild/cel produces it. */
export type Expr = ReturnType<typeof parse>['expr'];

/** A JSON Schema node (TypeBox schemas are JSON Schema). */
type SchemaNode = Record<string, any>;

export type CelStaticType =
  | {
      readonly k: 'dyn' | 'bool' | 'int' | 'uint' | 'double' | 'string' | 'bytes' | 'null_type' | 'other';
      readonly name?: string;
    }
  | { readonly k: 'list'; readonly elem: CelStaticType }
  | { readonly k: 'map'; readonly value: CelStaticType }
  | { readonly k: 'object'; readonly schema: SchemaNode; readonly label: string };

export interface CelTypeError {
  /** Expression id, for the position in the source text. */
  readonly exprId: bigint;
  readonly message: string;
}

const DYN: CelStaticType = { k: 'dyn' };
const BOOL: CelStaticType = { k: 'bool' };

export function typeFromSchema(schema: SchemaNode | undefined, label: string): CelStaticType {
  if (!schema) return DYN;
  if (schema.type === 'object' && schema.properties) return { k: 'object', schema, label };
  if (schema.type === 'object')
    return {
      k: 'map',
      value: typeFromSchema(
        schema.patternProperties ? (Object.values(schema.patternProperties)[0] as SchemaNode) : undefined,
        label,
      ),
    };
  if (schema.type === 'array') return { k: 'list', elem: typeFromSchema(schema.items, `${label}[]`) };
  if (schema.type === 'string' || (schema.const !== undefined && typeof schema.const === 'string'))
    return { k: 'string' };
  // JSON numbers reach CEL as doubles, integers included.
  if (schema.type === 'number' || schema.type === 'integer') return { k: 'double' };
  if (schema.type === 'boolean') return BOOL;
  return DYN;
}

function show(t: CelStaticType): string {
  switch (t.k) {
    case 'list':
      return `list(${show(t.elem)})`;
    case 'map':
      return `map(string, ${show(t.value)})`;
    case 'object':
      return `map (${t.label})`;
    case 'other':
      return t.name ?? 'object';
    default:
      return t.k;
  }
}

function fromCelType(t: CelType): CelStaticType {
  switch (t.kind) {
    case 'scalar':
      return t.scalar === 'type' ? { k: 'other', name: 'type' } : ({ k: t.scalar } as CelStaticType);
    case 'list':
      return { k: 'list', elem: fromCelType(t.element) };
    case 'map':
      return { k: 'map', value: fromCelType(t.value) };
    default:
      return { k: 'other', name: t.name };
  }
}

/** Could a value of type `actual` be passed where `declared` is expected? Unknown (dyn) is always accepted. */
function assignable(declared: CelStaticType, actual: CelStaticType): boolean {
  if (declared.k === 'dyn' || actual.k === 'dyn') return true;
  if (declared.k === 'map') return actual.k === 'map' || actual.k === 'object';
  if (declared.k === 'list') return actual.k === 'list';
  if (declared.k === 'other') return actual.k === 'other' && actual.name === declared.name;
  return declared.k === actual.k;
}

const LOGICAL = new Set(['_&&_', '_||_']);
/** Type names are values in CEL (`type(x) == string`). */
const TYPE_NAMES = new Set([
  'int',
  'uint',
  'double',
  'string',
  'bool',
  'bytes',
  'list',
  'map',
  'null_type',
  'type',
  'dyn',
]);

export class CelTypeChecker {
  readonly errors: CelTypeError[] = [];
  readonly #env: CelEnv;
  readonly #variables: ReadonlyMap<string, CelStaticType>;

  constructor(env: CelEnv, variables: ReadonlyMap<string, CelStaticType>) {
    this.#env = env;
    this.#variables = variables;
  }

  check(expr: Expr): CelStaticType {
    return this.#check(expr, new Map());
  }

  #fail(expr: Expr, message: string): CelStaticType {
    this.errors.push({ exprId: expr.id, message });
    return DYN;
  }

  #check(expr: Expr, scope: ReadonlyMap<string, CelStaticType>): CelStaticType {
    const kind = expr.exprKind;
    switch (kind.case) {
      case 'constExpr': {
        const c = kind.value.constantKind.case;
        if (c === 'boolValue') return BOOL;
        if (c === 'int64Value') return { k: 'int' };
        if (c === 'uint64Value') return { k: 'uint' };
        if (c === 'doubleValue') return { k: 'double' };
        if (c === 'stringValue') return { k: 'string' };
        if (c === 'bytesValue') return { k: 'bytes' };
        if (c === 'nullValue') return { k: 'null_type' };
        return DYN;
      }
      case 'identExpr': {
        const name = kind.value.name;
        const t = scope.get(name) ?? this.#variables.get(name);
        if (t) return t;
        if (TYPE_NAMES.has(name)) return { k: 'other', name: 'type' };
        const guess = didYouMean(
          name,
          [...this.#variables.keys(), ...scope.keys()].filter((n) => !n.startsWith('@')),
        );
        return this.#fail(
          expr,
          `unknown name "${name}"${guess ? `; did you mean ${guess}?` : `; the variables are ${[...this.#variables.keys()].join(' and ')}`}`,
        );
      }
      case 'selectExpr': {
        const operand = this.#check(kind.value.operand!, scope);
        const field = kind.value.field;
        const fieldType = this.#field(expr, operand, field);
        return kind.value.testOnly ? BOOL : fieldType;
      }
      case 'listExpr': {
        const elems = kind.value.elements.map((e) => this.#check(e, scope));
        const first = elems[0];
        return { k: 'list', elem: first && elems.every((e) => e.k === first.k) ? first : DYN };
      }
      case 'structExpr': {
        for (const entry of kind.value.entries) {
          if (entry.keyKind.case === 'mapKey') this.#check(entry.keyKind.value, scope);
          if (entry.value) this.#check(entry.value, scope);
        }
        return kind.value.messageName ? DYN : { k: 'map', value: DYN };
      }
      case 'comprehensionExpr': {
        const c = kind.value;
        const range = this.#check(c.iterRange!, scope);
        let iterType: CelStaticType = DYN;
        if (range.k === 'list') iterType = range.elem;
        else if (range.k === 'map' || range.k === 'object') iterType = { k: 'string' };
        else if (range.k !== 'dyn')
          return this.#fail(
            c.iterRange!,
            `cannot iterate over ${show(range)}; all, exists, map and filter need a list or a map`,
          );
        const accuType = this.#check(c.accuInit!, scope);
        const inner = new Map(scope);
        inner.set(c.accuVar, accuType);
        inner.set(c.iterVar, iterType);
        if (c.iterVar2) inner.set(c.iterVar2, DYN);
        if (c.loopCondition) this.#check(c.loopCondition, inner);
        if (c.loopStep) this.#check(c.loopStep, inner);
        const resultScope = new Map(scope);
        resultScope.set(c.accuVar, accuType);
        return this.#check(c.result!, resultScope);
      }
      case 'callExpr':
        return this.#call(expr, kind.value.function, kind.value.target, kind.value.args, scope);
      default:
        return DYN;
    }
  }

  #field(expr: Expr, operand: CelStaticType, field: string): CelStaticType {
    if (operand.k === 'object') {
      const properties = operand.schema.properties as Record<string, SchemaNode>;
      if (field in properties) return typeFromSchema(properties[field], `${operand.label}.${field}`);
      const guess = didYouMean(field, Object.keys(properties));
      return this.#fail(
        expr,
        `${operand.label} has no field "${field}"${guess ? `; did you mean "${guess}"?` : `; its fields are ${Object.keys(properties).join(', ')}`}`,
      );
    }
    if (operand.k === 'map') return operand.value;
    if (operand.k === 'dyn' || operand.k === 'other') return DYN;
    return this.#fail(expr, `cannot select field "${field}" of a ${show(operand)}`);
  }

  #call(
    expr: Expr,
    fn: string,
    target: Expr | undefined,
    argExprs: Expr[],
    scope: ReadonlyMap<string, CelStaticType>,
  ): CelStaticType {
    const targetType = target ? this.#check(target, scope) : undefined;
    const args = argExprs.map((a) => this.#check(a, scope));
    if (LOGICAL.has(fn) || fn === '@not_strictly_false') {
      args.forEach((a, i) => {
        if (!assignable(BOOL, a))
          this.#fail(
            argExprs[i],
            `${fn === '_&&_' ? '&&' : fn === '_||_' ? '||' : 'a condition'} needs true/false operands, got ${show(a)}`,
          );
      });
      return BOOL;
    }
    if (fn === '_?_:_') {
      if (!assignable(BOOL, args[0]))
        this.#fail(argExprs[0], `the condition of ?: must be true/false, got ${show(args[0])}`);
      return args[1]?.k === args[2]?.k ? args[1] : DYN;
    }
    if (fn === '_[_]') {
      const [container, index] = args;
      if (container.k === 'list') {
        if (!assignable({ k: 'int' }, index) && index.k !== 'uint')
          this.#fail(argExprs[1], `a list index must be an int, got ${show(index)}`);
        return container.elem;
      }
      if (container.k === 'map') return container.value;
      if (container.k === 'object') {
        const key = argExprs[1].exprKind;
        if (key.case === 'constExpr' && key.value.constantKind.case === 'stringValue')
          return this.#field(argExprs[1], container, key.value.constantKind.value);
        return DYN;
      }
      if (container.k !== 'dyn') return this.#fail(expr, `cannot index a ${show(container)}`);
      return DYN;
    }
    const group = this.#env.funcs.find(fn);
    const display = fn.replace(/^_(.+)_$/, '$1').replace(/^@/, '');
    if (!group) return this.#fail(expr, `unknown function "${display}"`);
    const overloads = [...group].filter(
      (f) => Boolean(f.target) === Boolean(target) && f.arguments.length === args.length,
    );
    if (
      overloads.length === 0 &&
      !target &&
      args.length > 0 &&
      [...group].some((f) => f.target && f.arguments.length === args.length - 1)
    ) {
      return this.#fail(expr, `"${display}" is a method: write x.${display}(…) instead of ${display}(x, …)`);
    }
    if (overloads.length === 0) {
      return this.#fail(
        expr,
        target
          ? `"${display}" is not a method taking ${args.length} argument${args.length === 1 ? '' : 's'}`
          : `"${display}" does not take ${args.length} argument${args.length === 1 ? '' : 's'}`,
      );
    }
    const matching = overloads.filter(
      (f) =>
        (!targetType || assignable(fromCelType(f.target!), targetType)) &&
        f.arguments.every((a, i) => assignable(fromCelType(a), args[i])),
    );
    if (matching.length === 0) {
      const given = [...(targetType ? [show(targetType)] : []), ...args.map(show)].join(', ');
      const hint =
        args.some((a) => a.k === 'double') && args.some((a) => a.k === 'int')
          ? ' (descriptor numbers are doubles: write 2.0, not 2, or convert with int())'
          : '';
      return this.#fail(expr, `no overload of "${display}" accepts (${given})${hint}`);
    }
    const results = new Set(matching.map((f) => String(f.result)));
    return results.size === 1 ? fromCelType(matching[0].result) : DYN;
  }
}
