/**
 * A policy set (`apiVersion: mesh/v1`, `kind: PolicySet`): rules written once by a
 * governance team (scope `global`) or by a domain (scope `<domain>`). Like the data product,
 * this TypeBox schema is the source of truth: the type is derived from it, Ajv validates
 * with it and `schemas/policy-set.v1.json` is emitted from it (a test keeps it in sync).
 */
import { Type, type Static, type TUnsafe } from '@sinclair/typebox';
import { NAME_PATTERN } from '../descriptor/data-product-schema.js';

function StringEnum<const T extends readonly string[]>(values: T, description?: string): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

export const RULE_SEVERITIES = ['error', 'warn', 'info'] as const;
export type RuleSeverity = (typeof RULE_SEVERITIES)[number];
export const RULE_ID_PATTERN = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';
const DATE_PATTERN = '^\\d{4}-\\d{2}-\\d{2}$';

export const RuleSelector = Type.Object(
  {
    domains: Type.Optional(
      Type.Array(Type.String({ pattern: NAME_PATTERN }), { description: 'only products of these domains' }),
    ),
    tags: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), { description: 'only products with at least one of these tags' }),
    ),
  },
  { additionalProperties: false },
);

export const PolicyRule = Type.Object(
  {
    id: Type.String({
      pattern: RULE_ID_PATTERN,
      maxLength: 63,
      description: 'a built-in rule id to configure, or the id of a new CEL rule (kebab-case)',
    }),
    severity: Type.Optional(StringEnum(RULE_SEVERITIES, 'error blocks publication; warn and info only report')),
    enabled: Type.Optional(
      Type.Boolean({
        description: 'false turns a built-in rule off (a domain may not turn off a global error-level rule)',
      }),
    ),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'parameters of a built-in rule' })),
    cel: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          'a CEL expression over `product` (and `previous`, null when none) that is true when the product complies',
      }),
    ),
    message: Type.Optional(Type.String({ minLength: 1, description: 'what is wrong, shown when a CEL rule is false' })),
    hint: Type.Optional(Type.String({ description: 'how to fix it' })),
    path: Type.Optional(
      Type.String({ description: 'the descriptor field a finding points at, e.g. spec.schema.columns' }),
    ),
    rationale: Type.Optional(Type.String({ description: 'why the rule exists (shown by mesh policy list)' })),
    selector: Type.Optional(RuleSelector),
    enforceFrom: Type.Optional(
      Type.String({
        pattern: DATE_PATTERN,
        description: 'YYYY-MM-DD: an error-level rule only warns before this date (a grace period)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const PolicySetDocument = Type.Object(
  {
    apiVersion: Type.Literal('mesh/v1'),
    kind: Type.Literal('PolicySet'),
    metadata: Type.Object(
      {
        name: Type.String({ pattern: NAME_PATTERN, maxLength: 63, description: 'kebab-case name of the set' }),
        owner: Type.String({ minLength: 1, description: 'the team that owns these rules' }),
        scope: Type.String({
          pattern: NAME_PATTERN,
          maxLength: 63,
          description: '`global` (every product) or a domain name',
        }),
        description: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    spec: Type.Object({ rules: Type.Array(PolicyRule) }, { additionalProperties: false }),
  },
  {
    $id: 'https://meshwork.dev/schemas/policy-set.v1.json',
    title: 'Meshwork policy set (mesh/v1)',
    additionalProperties: false,
  },
);

export type PolicySet = Static<typeof PolicySetDocument>;
export type PolicyRuleSpec = Static<typeof PolicyRule>;
export type RuleSelectorSpec = Static<typeof RuleSelector>;

export function policySetJsonSchema(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(PolicySetDocument)) };
}
