/**
 * Custom rules written in CEL over the descriptor (`product`) and, for change rules, the
 * previous published version (`previous`, null when there is none). Each expression is
 * parsed, type-checked against the descriptor schema and planned once, at load; evaluating
 * it is then a function call. CEL has no loops or recursion, so the work an expression can
 * do is bounded by its comprehensions over the product's lists: that bound is computed
 * before running, so a huge product is refused by the rule instead of hanging the check.
 */
import { celEnv, celList, celMap, CelScalar, isCelError, parse, plan, type CelInput } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { DataProductDescriptor, type DataProduct } from '../descriptor/data-product-schema.js';
import { CelTypeChecker, typeFromSchema, type CelStaticType, type Expr } from './cel-type-check.js';

/** The most comprehension steps one rule may take on one product. */
export const CEL_STEP_BUDGET = 1_000_000;
/** A rule that takes longer than this on one product is reported as failing. */
export const CEL_TIME_BUDGET_MS = 250;

const env = celEnv({ variables: { product: CelScalar.DYN, previous: CelScalar.DYN }, funcs: strings });
const productType = typeFromSchema(DataProductDescriptor as unknown as Record<string, unknown>, 'product');
const variableTypes = new Map<string, CelStaticType>([
  ['product', productType],
  ['previous', typeFromSchema(DataProductDescriptor as unknown as Record<string, unknown>, 'previous')],
]);

export interface CelProblem {
  /** Offset of the problem in the expression text. */
  readonly offset: number;
  readonly message: string;
  readonly kind: 'syntax' | 'type';
}

export type CelOutcome =
  { readonly ok: true; readonly value: boolean } | { readonly ok: false; readonly error: string };

export interface CompiledCelRule {
  readonly expression: string;
  readonly usesPrevious: boolean;
  /** `prepared` (from prepareEvaluation) shares the conversion of the product across rules. */
  evaluate(product: DataProduct, previous: DataProduct | null, prepared?: PreparedEvaluation): CelOutcome;
}

export interface CompileResult {
  readonly rule?: CompiledCelRule;
  readonly problems: CelProblem[];
}

/** Longer expressions are refused before parsing: a rule is a check, not a program, and the parser recurses. */
export const MAX_CEL_LENGTH = 8192;

export function compileCelRule(expression: string): CompileResult {
  if (expression.length > MAX_CEL_LENGTH) {
    return {
      problems: [
        {
          kind: 'syntax',
          offset: 0,
          message: `the expression has ${expression.length} characters; at most ${MAX_CEL_LENGTH} are allowed`,
        },
      ],
    };
  }
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(expression);
  } catch (error) {
    const e = error as { message?: string; rawMessage?: string; location?: { start?: { offset?: number } } };
    const message =
      error instanceof RangeError
        ? 'the expression is nested too deeply'
        : (e.rawMessage ?? e.message ?? String(error)).replace(/^<input>:\d+:\d+: /, '');
    return {
      problems: [{ kind: 'syntax', offset: e.location?.start?.offset ?? 0, message: `CEL syntax error: ${message}` }],
    };
  }
  const positions = parsed.sourceInfo?.positions ?? {};
  const offsetOf = (id: bigint) => Number((positions as Record<string, number>)[String(id)] ?? 0);
  const checker = new CelTypeChecker(env, variableTypes);
  let resultType;
  try {
    resultType = checker.check(parsed.expr);
  } catch (error) {
    return {
      problems: [
        {
          kind: 'syntax',
          offset: 0,
          message:
            error instanceof RangeError
              ? 'CEL syntax error: the expression is nested too deeply'
              : `CEL type check failed: ${String(error)}`,
        },
      ],
    };
  }
  const problems: CelProblem[] = checker.errors.map((e) => ({
    kind: 'type',
    offset: offsetOf(e.exprId),
    message: `CEL type error: ${e.message}`,
  }));
  if (problems.length === 0 && resultType.k !== 'bool' && resultType.k !== 'dyn') {
    problems.push({
      kind: 'type',
      offset: 0,
      message: `CEL type error: a rule must evaluate to true or false, this one gives ${resultType.k}`,
    });
  }
  if (problems.length > 0) return { problems };
  const shape = comprehensionShape(parsed.expr);
  const program = plan(env, parsed);
  const usesPrevious = /\bprevious\b/.test(expression);
  return {
    problems: [],
    rule: {
      expression,
      usesPrevious,
      evaluate(product, previous, prepared) {
        const input = prepared ?? prepareEvaluation(product, previous);
        if (shape.count > 0) {
          const longest = Math.max(2, input.longestList);
          const steps = shape.count * longest ** shape.depth;
          if (steps > CEL_STEP_BUDGET) {
            return {
              ok: false,
              error: `the rule would take up to ${formatCount(steps)} steps on this product (lists of ${longest} items, comprehensions nested ${shape.depth} deep); the limit is ${formatCount(CEL_STEP_BUDGET)}`,
            };
          }
        }
        const started = performance.now();
        let result: unknown;
        try {
          result = program({ product: input.product as never, previous: input.previous as never });
        } catch (error) {
          return { ok: false, error: `the rule failed: ${error instanceof Error ? error.message : String(error)}` };
        }
        const elapsed = performance.now() - started;
        if (isCelError(result))
          return { ok: false, error: `the rule could not be evaluated on this product: ${result.message}` };
        if (typeof result !== 'boolean')
          return { ok: false, error: `the rule gave ${typeof result}, not true or false` };
        if (elapsed > CEL_TIME_BUDGET_MS)
          return {
            ok: false,
            error: `the rule took ${Math.round(elapsed)} ms on this product; the limit is ${CEL_TIME_BUDGET_MS} ms`,
          };
        return { ok: true, value: result };
      },
    },
  };
}

/**
 * A product converted once into CEL values and measured, shared by every rule that runs on
 * it: @bufbuild/cel would otherwise re-wrap each plain object on every field access.
 */
export interface PreparedEvaluation {
  readonly product: CelInput;
  readonly previous: CelInput | null;
  /** The longest list in the product or the previous version: the base of the step bound. */
  readonly longestList: number;
}

export function prepareEvaluation(product: DataProduct, previous: DataProduct | null): PreparedEvaluation {
  return {
    product: toCelInput(product),
    previous: previous ? toCelInput(previous) : null,
    longestList: Math.max(longestList(product), previous ? longestList(previous) : 0),
  };
}

function toCelInput(value: unknown): CelInput {
  if (Array.isArray(value)) return celList(value.map(toCelInput));
  if (value !== null && typeof value === 'object') {
    const entries = new Map<string, CelInput>();
    for (const [k, v] of Object.entries(value)) if (v !== undefined) entries.set(k, toCelInput(v));
    return celMap(entries);
  }
  return value as CelInput;
}

function longestList(value: unknown): number {
  let longest = 0;
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      longest = Math.max(longest, v.length);
      for (const x of v) if (x !== null && typeof x === 'object') visit(x);
    } else if (v !== null && typeof v === 'object') {
      for (const x of Object.values(v)) if (x !== null && typeof x === 'object') visit(x);
    }
  };
  visit(value);
  return longest;
}

/** How many comprehensions an expression has and how deeply they nest: the exponent of its cost. */
function comprehensionShape(expr: Expr): { count: number; depth: number } {
  let count = 0;
  const depthOf = (e: Expr | undefined): number => {
    if (!e) return 0;
    const k = e.exprKind;
    switch (k.case) {
      case 'comprehensionExpr': {
        count++;
        const c = k.value;
        const body = Math.max(depthOf(c.loopStep), depthOf(c.loopCondition));
        return Math.max(depthOf(c.iterRange), depthOf(c.accuInit), depthOf(c.result), 1 + body);
      }
      case 'callExpr':
        return Math.max(depthOf(k.value.target), ...k.value.args.map(depthOf), 0);
      case 'selectExpr':
        return depthOf(k.value.operand);
      case 'listExpr':
        return Math.max(0, ...k.value.elements.map(depthOf));
      case 'structExpr':
        return Math.max(
          0,
          ...k.value.entries.map((en) =>
            Math.max(en.keyKind.case === 'mapKey' ? depthOf(en.keyKind.value) : 0, depthOf(en.value)),
          ),
        );
      default:
        return 0;
    }
  };
  const depth = depthOf(expr);
  return { count, depth };
}

function formatCount(n: number): string {
  return n >= 1e15 ? n.toExponential(1) : Math.round(n).toLocaleString('en-US');
}
