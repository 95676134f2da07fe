/**
 * The built-in rule library: the checks every organisation asks for, with parameters a
 * policy set can tune. Each rule is pure (descriptor in, findings out) so that all of them
 * over a thousand products run in milliseconds. Findings carry the JSON path of the
 * offending field; the engine turns them into located diagnostics.
 */
import { Type, type TObject } from '@sinclair/typebox';
import { Cron } from 'croner';
import {
  IDENTIFIER_PATTERN,
  NAME_PATTERN,
  PORT_TYPES,
  SOURCE_TYPES,
  type DataProduct,
} from '../descriptor/data-product-schema.js';
import { formatDuration, parseDuration } from '../descriptor/duration.js';
import type { PathSegment } from '../descriptor/yaml-source.js';
import type { RuleSeverity } from './policy-set-schema.js';

export interface Finding {
  readonly path: readonly PathSegment[];
  readonly message: string;
  readonly hint?: string;
}

/**
 * How a domain may change a parameter of a global error-level rule without weakening it:
 * `min` only upwards, `max` only downwards, `subset` only to fewer allowed values,
 * `superset` only to more covered values, `fixed` not at all.
 */
export type Strictness = 'min' | 'max' | 'subset' | 'superset' | 'fixed';

export interface BuiltinRule {
  readonly id: string;
  readonly title: string;
  readonly rationale: string;
  readonly severity: RuleSeverity;
  readonly params: TObject;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly strictness: Readonly<Record<string, Strictness>>;
  check(product: DataProduct, params: Readonly<Record<string, any>>): Finding[];
}

const PROTECTED_CLASSES = ['direct', 'sensitive'];
const PII_CLASSES_WITH_DATA = ['indirect', 'direct', 'sensitive'];

const intervalCache = new Map<string, number | undefined>();
/** The longest gap between two runs of a cron schedule (over the next 64 runs), cached per expression. */
export function longestCronInterval(expression: string): number | undefined {
  if (intervalCache.has(expression)) return intervalCache.get(expression);
  let longest: number | undefined;
  try {
    // A fixed start keeps the answer deterministic; 64 runs cover a week of hourly schedules' irregularities.
    const runs = new Cron(expression, { paused: true, timezone: 'UTC' }).nextRuns(64, new Date('2026-01-01T00:00:00Z'));
    for (let i = 1; i < runs.length; i++) longest = Math.max(longest ?? 0, runs[i].getTime() - runs[i - 1].getTime());
  } catch {
    longest = undefined;
  }
  if (intervalCache.size > 10_000) intervalCache.clear();
  intervalCache.set(expression, longest);
  return longest;
}

const secretPatterns: ReadonlyArray<[RegExp, string]> = [
  [/:\/\/[^/\s:@]*:[^@\s$]+@/, 'a password inside a URL'],
  [/\b(password|passwd|pwd|secret|api[_-]?key|token)\s*[=:]\s*(?!\$\{)[^\s;&,]{4,}/i, 'a password or key assignment'],
  [/\bAKIA[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
  [/\bxox[abpr]-[A-Za-z0-9-]{10,}\b/, 'a Slack token'],
];
const ENV_REF = /\$\{[A-Za-z_][A-Za-z0-9_]*\}/g;

function walkStrings(value: unknown, path: PathSegment[], visit: (text: string, path: PathSegment[]) => void): void {
  if (typeof value === 'string') visit(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => walkStrings(v, [...path, i], visit));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) walkStrings(v, [...path, k], visit);
}

const regexCache = new Map<string, RegExp | undefined>();
function compiled(pattern: string): RegExp | undefined {
  if (!regexCache.has(pattern)) {
    try {
      regexCache.set(pattern, new RegExp(pattern));
    } catch {
      regexCache.set(pattern, undefined);
    }
  }
  return regexCache.get(pattern);
}

const StringList = (description: string) => Type.Array(Type.String({ minLength: 1 }), { description });

export const BUILTIN_RULES: readonly BuiltinRule[] = [
  {
    id: 'owner-assigned',
    title: 'a named owning team',
    rationale:
      'Domain ownership: every product has a team that answers for it. Optionally the owner must be an address of the organisation (emailDomains).',
    severity: 'error',
    params: Type.Object(
      { emailDomains: StringList('allowed e-mail domains of the owner, e.g. [company.com]; empty allows any') },
      { additionalProperties: false },
    ),
    defaults: { emailDomains: [] },
    strictness: { emailDomains: 'subset' },
    check(p, { emailDomains }) {
      const owner = p.metadata.owner;
      if (!owner)
        return [
          {
            path: ['metadata'],
            message: 'the product has no owner',
            hint: 'set metadata.owner to the owning team, e.g. sales-data@company.com',
          },
        ];
      const domain = owner.split('@')[1]?.toLowerCase();
      if (emailDomains.length > 0 && !emailDomains.some((d: string) => d.toLowerCase() === domain)) {
        return [
          {
            path: ['metadata', 'owner'],
            message: `owner ${owner} is not an address of ${emailDomains.join(' or ')}`,
            hint: `use the owning team's address @${emailDomains[0]}`,
          },
        ];
      }
      return [];
    },
  },
  {
    id: 'oncall-assigned',
    title: 'an on-call contact',
    rationale: 'Someone is paged when freshness or quality breaks; a product without on-call fails silently.',
    severity: 'error',
    params: Type.Object(
      { distinctFromOwner: Type.Boolean({ description: 'the on-call must differ from the owner address' }) },
      { additionalProperties: false },
    ),
    defaults: { distinctFromOwner: false },
    strictness: { distinctFromOwner: 'min' },
    check(p, { distinctFromOwner }) {
      if (!p.metadata.oncall)
        return [
          {
            path: ['metadata'],
            message: 'the product has no on-call contact',
            hint: 'add metadata.oncall: the address paged when the product breaks',
          },
        ];
      if (distinctFromOwner && p.metadata.oncall.toLowerCase() === p.metadata.owner.toLowerCase()) {
        return [
          {
            path: ['metadata', 'oncall'],
            message: 'the on-call contact is the owner team address, not a pager',
            hint: 'set metadata.oncall to the on-call rotation, e.g. sales-oncall@company.com',
          },
        ];
      }
      return [];
    },
  },
  {
    id: 'description-present',
    title: 'a description consumers can judge the product by',
    rationale: 'Data as a product: consumers find and trust products by what they say they contain.',
    severity: 'error',
    params: Type.Object(
      { minLength: Type.Integer({ minimum: 0, description: 'the shortest acceptable description, in characters' }) },
      { additionalProperties: false },
    ),
    defaults: { minLength: 20 },
    strictness: { minLength: 'min' },
    check(p, { minLength }) {
      const text = p.metadata.description?.trim() ?? '';
      if (!text)
        return [
          {
            path: ['metadata'],
            message: 'the product has no description',
            hint: 'add metadata.description: what it contains, for whom, how fresh',
          },
        ];
      if (text.length < minLength)
        return [
          {
            path: ['metadata', 'description'],
            message: `the description has ${text.length} characters; at least ${minLength} are required`,
            hint: 'say what the product contains, who it is for and how fresh it is',
          },
        ];
      return [];
    },
  },
  {
    id: 'pii-classified',
    title: 'every column classified for PII',
    rationale: 'Masking and access decisions depend on the classification; an unclassified column is an unknown risk.',
    severity: 'error',
    params: Type.Object({}, { additionalProperties: false }),
    defaults: {},
    strictness: {},
    check(p) {
      const out: Finding[] = [];
      p.spec.schema.columns.forEach((c, i) => {
        if (c.pii === undefined)
          out.push({
            path: ['spec', 'schema', 'columns', i],
            message: `column "${c.name}" is not classified for PII`,
            hint: 'set pii: none, indirect, direct or sensitive',
          });
      });
      return out;
    },
  },
  {
    id: 'pii-protected',
    title: 'direct and sensitive PII masked or restricted',
    rationale:
      'PII must not reach readers without PII clearance through any port. Masking applies to every output port; the alternative is a product only PII-cleared teams may read (access.pii declared, no other readers, default deny).',
    severity: 'error',
    params: Type.Object({ classes: StringList('PII classes that must be protected') }, { additionalProperties: false }),
    defaults: { classes: PROTECTED_CLASSES },
    strictness: { classes: 'superset' },
    check(p, { classes }) {
      const access = p.spec.access;
      const restricted =
        Array.isArray(access?.pii) &&
        access!.pii.length > 0 &&
        (access?.allow ?? []).length === 0 &&
        (access?.default ?? 'deny') === 'deny';
      if (restricted) return [];
      const out: Finding[] = [];
      // A stream port in clear (readers: pii-cleared) is only for a product that admits PII-cleared teams alone.
      (Array.isArray(p.spec.outputPorts) ? p.spec.outputPorts : []).forEach((port, i) => {
        if (port.readers === 'pii-cleared')
          out.push({
            path: ['spec', 'outputPorts', i, 'readers'],
            message: `output port "${port.name}" publishes PII in clear (readers: pii-cleared), but readers without PII clearance may read the product`,
            hint: 'admit only PII-cleared teams (access.pii, no access.allow, default deny), or remove readers: pii-cleared to mask the stream',
          });
      });
      p.spec.schema.columns.forEach((c, i) => {
        if (c.pii && classes.includes(c.pii) && (c.masking === undefined || c.masking === 'none')) {
          out.push({
            path: ['spec', 'schema', 'columns', i, c.masking === undefined ? 'pii' : 'masking'],
            message: `column "${c.name}" holds ${c.pii} PII but is not masked, and readers without PII clearance may read the product`,
            hint: 'set masking: hash (or redact, partial, null); teams in spec.access.pii still see it unmasked',
          });
        }
      });
      return out;
    },
  },
  {
    id: 'sla-documented',
    title: 'an availability SLA',
    rationale: 'Consumers decide whether to depend on a product by its promise.',
    severity: 'error',
    params: Type.Object({}, { additionalProperties: false }),
    defaults: {},
    strictness: {},
    check(p) {
      if (!p.spec.sla?.availability)
        return [
          {
            path: p.spec.sla ? ['spec', 'sla'] : ['spec'],
            message: 'the product documents no availability SLA',
            hint: 'add spec.sla.availability, e.g. 99.5%',
          },
        ];
      return [];
    },
  },
  {
    id: 'freshness-declared',
    title: 'a freshness target the schedule can meet',
    rationale:
      'Freshness is watched against the target; a schedule that runs less often than the target guarantees breaches.',
    severity: 'error',
    params: Type.Object(
      {
        requireSchedule: Type.Boolean({ description: 'products must declare spec.schedule' }),
        maxTarget: Type.Optional(Type.String({ description: 'the longest acceptable freshness target, e.g. 1d' })),
      },
      { additionalProperties: false },
    ),
    defaults: { requireSchedule: false },
    strictness: { requireSchedule: 'min', maxTarget: 'fixed' },
    check(p, { requireSchedule, maxTarget }) {
      const out: Finding[] = [];
      const target = p.spec.freshness?.target;
      if (!target)
        return [
          {
            path: ['spec'],
            message: 'the product declares no freshness target',
            hint: 'add spec.freshness: { target: 1d, alert_after: 2d }',
          },
        ];
      const targetMs = parseDuration(target);
      const maxMs = typeof maxTarget === 'string' ? parseDuration(maxTarget) : undefined;
      if (targetMs !== undefined && maxMs !== undefined && targetMs > maxMs) {
        out.push({
          path: ['spec', 'freshness', 'target'],
          message: `freshness target ${target} is longer than the allowed ${maxTarget}`,
          hint: `set a target of at most ${maxTarget}`,
        });
      }
      if (!p.spec.schedule) {
        if (requireSchedule)
          out.push({
            path: ['spec'],
            message: 'the product declares no schedule',
            hint: 'add spec.schedule, a cron expression such as "0 6 * * *"',
          });
        return out;
      }
      const interval = longestCronInterval(p.spec.schedule);
      if (interval !== undefined && targetMs !== undefined && interval > targetMs) {
        out.push({
          path: ['spec', 'schedule'],
          message: `schedule "${p.spec.schedule}" leaves up to ${formatDuration(interval)} between runs, longer than the freshness target ${target}`,
          hint: `run at least every ${target}, or relax spec.freshness.target to ${formatDuration(interval)}`,
        });
      }
      return out;
    },
  },
  {
    id: 'quality-checks',
    title: 'quality checks, with the primary key checked',
    rationale:
      'Quality gates run before anyone reads a snapshot; the key is what consumers join on, so duplicates or nulls in it corrupt every downstream product.',
    severity: 'error',
    params: Type.Object(
      {
        minChecks: Type.Integer({ minimum: 0, description: 'the fewest quality checks a product may have' }),
        primaryKeyChecked: Type.Boolean({ description: 'the primary key must be checked unique and not null' }),
        requirePrimaryKey: Type.Boolean({ description: 'products must declare spec.schema.primaryKey' }),
      },
      { additionalProperties: false },
    ),
    defaults: { minChecks: 1, primaryKeyChecked: true, requirePrimaryKey: false },
    strictness: { minChecks: 'min', primaryKeyChecked: 'min', requirePrimaryKey: 'min' },
    check(p, { minChecks, primaryKeyChecked, requirePrimaryKey }) {
      const out: Finding[] = [];
      const checks = p.spec.quality?.checks ?? [];
      if (checks.length < minChecks) {
        out.push({
          path: p.spec.quality ? ['spec', 'quality', 'checks'] : ['spec'],
          message: `the product has ${checks.length} quality check${checks.length === 1 ? '' : 's'}; at least ${minChecks} required`,
          hint: 'add spec.quality.checks, e.g. { type: row_count, min: 1 }',
        });
      }
      const pk = p.spec.schema.primaryKey;
      if (!pk) {
        if (requirePrimaryKey)
          out.push({
            path: ['spec', 'schema'],
            message: 'the product declares no primary key',
            hint: 'add spec.schema.primaryKey: [the columns identifying a row]',
          });
        return out;
      }
      if (!primaryKeyChecked) return out;
      const columnsOf = (c: (typeof checks)[number]) => [...(c.column ? [c.column] : []), ...(c.columns ?? [])];
      const sameSet = (a: string[], b: readonly string[]) => a.length === b.length && b.every((x) => a.includes(x));
      if (!checks.some((c) => c.type === 'unique' && sameSet(columnsOf(c), pk))) {
        out.push({
          path: ['spec', 'schema', 'primaryKey'],
          message: `the primary key (${pk.join(', ')}) is not checked unique`,
          hint: `add a check: { type: unique, ${pk.length === 1 ? `column: ${pk[0]}` : `columns: [${pk.join(', ')}]`} }`,
        });
      }
      const notNull = new Set(checks.filter((c) => c.type === 'not_null').flatMap(columnsOf));
      const missing = pk.filter((k) => !notNull.has(k));
      if (missing.length > 0) {
        out.push({
          path: ['spec', 'schema', 'primaryKey'],
          message: `primary key column${missing.length === 1 ? '' : 's'} ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not checked not null`,
          hint: `add a check: { type: not_null, ${missing.length === 1 ? `column: ${missing[0]}` : `columns: [${missing.join(', ')}]`} }`,
        });
      }
      return out;
    },
  },
  {
    id: 'naming-conventions',
    title: 'product and column names follow the conventions',
    rationale: 'Consistent names make products findable and SQL across domains predictable.',
    severity: 'error',
    params: Type.Object(
      {
        productPattern: Type.String({ description: 'regular expression product names must match' }),
        columnPattern: Type.String({ description: 'regular expression column names must match' }),
      },
      { additionalProperties: false },
    ),
    defaults: { productPattern: NAME_PATTERN, columnPattern: IDENTIFIER_PATTERN },
    strictness: { productPattern: 'fixed', columnPattern: 'fixed' },
    check(p, { productPattern, columnPattern }) {
      const out: Finding[] = [];
      const productRe = compiled(productPattern);
      const columnRe = compiled(columnPattern);
      if (productRe && !productRe.test(p.metadata.name))
        out.push({
          path: ['metadata', 'name'],
          message: `product name "${p.metadata.name}" does not match ${productPattern}`,
          hint: 'rename the product to follow the naming convention',
        });
      if (columnRe) {
        p.spec.schema.columns.forEach((c, i) => {
          if (!columnRe.test(c.name))
            out.push({
              path: ['spec', 'schema', 'columns', i, 'name'],
              message: `column name "${c.name}" does not match ${columnPattern}`,
              hint: 'rename the column (a breaking change once published)',
            });
        });
      }
      return out;
    },
  },
  {
    id: 'access-default-deny',
    title: 'access is denied unless granted',
    rationale:
      'Federated governance: nobody reads a product until its owner grants it; default allow leaks new columns to everyone.',
    severity: 'error',
    params: Type.Object({}, { additionalProperties: false }),
    defaults: {},
    strictness: {},
    check(p) {
      if (p.spec.access?.default === 'allow')
        return [
          {
            path: ['spec', 'access', 'default'],
            message: 'access.default is allow: everyone may read the product',
            hint: 'set access.default: deny and list readers in access.allow',
          },
        ];
      return [];
    },
  },
  {
    id: 'no-inline-secrets',
    title: 'no secrets in the descriptor',
    rationale:
      'Descriptors live in git and in the registry; a secret written there is leaked. Secrets come from ${ENV} references.',
    severity: 'error',
    params: Type.Object(
      { patterns: StringList('extra regular expressions that identify a secret') },
      { additionalProperties: false },
    ),
    defaults: { patterns: [] },
    strictness: { patterns: 'superset' },
    check(p, { patterns }) {
      const out: Finding[] = [];
      const extra: Array<[RegExp, string]> = [];
      for (const text of patterns as string[]) {
        const re = compiled(text);
        if (re) extra.push([re, `a match of ${text}`]);
      }
      walkStrings(p, [], (text, path) => {
        const bare = text.replace(ENV_REF, '');
        for (const [re, what] of [...secretPatterns, ...extra]) {
          if (re.test(bare)) {
            out.push({
              path,
              message: `${path.map((x, i) => (typeof x === 'number' ? `[${x}]` : i === 0 ? x : `.${x}`)).join('')} contains what looks like ${what}`,
              hint: 'remove it and reference an environment variable instead, e.g. ${ORDERS_DB_URI}',
            });
            return;
          }
        }
      });
      return out;
    },
  },
  {
    id: 'allowed-source-types',
    title: 'only approved source types',
    rationale: 'The platform team supports, secures and monitors a known set of source systems.',
    severity: 'error',
    params: Type.Object(
      { types: StringList(`allowed source types (of ${SOURCE_TYPES.join(', ')})`) },
      { additionalProperties: false },
    ),
    defaults: { types: [...SOURCE_TYPES] },
    strictness: { types: 'subset' },
    check(p, { types }) {
      const out: Finding[] = [];
      p.spec.inputs.forEach((input, i) => {
        if (input.source && !types.includes(input.source.type))
          out.push({
            path: ['spec', 'inputs', i, 'source', 'type'],
            message: `source type ${input.source.type} is not allowed here`,
            hint: `use one of ${types.join(', ')}`,
          });
      });
      return out;
    },
  },
  {
    id: 'allowed-port-types',
    title: 'only approved output port types',
    rationale: 'Every port type must be served, secured and watched by the platform.',
    severity: 'error',
    params: Type.Object(
      { types: StringList(`allowed output port types (of ${PORT_TYPES.join(', ')})`) },
      { additionalProperties: false },
    ),
    defaults: { types: [...PORT_TYPES] },
    strictness: { types: 'subset' },
    check(p, { types }) {
      const out: Finding[] = [];
      p.spec.outputPorts.forEach((port, i) => {
        if (!types.includes(port.type))
          out.push({
            path: ['spec', 'outputPorts', i, 'type'],
            message: `output port type ${port.type} is not allowed here`,
            hint: `use one of ${types.join(', ')}`,
          });
      });
      return out;
    },
  },
  {
    id: 'retention-for-pii',
    title: 'a retention period for products with PII',
    rationale:
      'Data protection law requires personal data to be kept no longer than needed; the platform deletes snapshots older than spec.retention.',
    severity: 'error',
    params: Type.Object(
      {
        classes: StringList('PII classes that make retention mandatory'),
        maxRetention: Type.Optional(Type.String({ description: 'the longest acceptable retention, e.g. 730d' })),
      },
      { additionalProperties: false },
    ),
    defaults: { classes: PII_CLASSES_WITH_DATA },
    strictness: { classes: 'superset', maxRetention: 'fixed' },
    check(p, { classes, maxRetention }) {
      const pii = p.spec.schema.columns.filter((c) => c.pii && classes.includes(c.pii));
      if (pii.length === 0) return [];
      if (!p.spec.retention)
        return [
          {
            path: ['spec'],
            message: `the product holds PII (${pii.map((c) => c.name).join(', ')}) but declares no retention`,
            hint: 'add spec.retention, e.g. retention: 365d',
          },
        ];
      const max = typeof maxRetention === 'string' ? parseDuration(maxRetention) : undefined;
      const actual = parseDuration(p.spec.retention);
      if (max !== undefined && actual !== undefined && actual > max)
        return [
          {
            path: ['spec', 'retention'],
            message: `retention ${p.spec.retention} is longer than the allowed ${maxRetention}`,
            hint: `set retention: ${maxRetention} or less`,
          },
        ];
      return [];
    },
  },
];

export const BUILTIN_RULES_BY_ID: ReadonlyMap<string, BuiltinRule> = new Map(BUILTIN_RULES.map((r) => [r.id, r]));

/** True when `next` is at least as strict as `current` for a parameter of the given strictness. */
export function atLeastAsStrict(strictness: Strictness | undefined, current: unknown, next: unknown): boolean {
  const same = JSON.stringify(current) === JSON.stringify(next);
  if (same) return true;
  // Setting a limit where there was none (maxTarget, maxRetention) only adds a constraint.
  if (current === undefined) return true;
  switch (strictness) {
    case 'min':
      return typeof next === typeof current && (next as number) >= (current as number);
    case 'max':
      return typeof next === typeof current && (next as number) <= (current as number);
    case 'subset':
      // An empty list means "any" for allow-lists such as emailDomains.
      return (
        Array.isArray(next) &&
        Array.isArray(current) &&
        (current.length === 0 ? next.length > 0 : next.length > 0 && next.every((x) => current.includes(x)))
      );
    case 'superset':
      return Array.isArray(next) && Array.isArray(current) && current.every((x) => next.includes(x));
    default:
      return false;
  }
}
