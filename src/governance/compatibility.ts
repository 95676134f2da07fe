/**
 * Schema compatibility between two versions of a product: every difference is classified
 * into a named category with a reason, then judged breaking or not under the product's
 * compatibility mode (spec.sla.schemaStability.compatibility, default backward).
 *
 * Modes, from the consumers' side:
 *   backward  the new version replaces the old one for its consumers and its history: old
 *             snapshots read through the new schema, old queries run on new data. Adding a
 *             nullable column and widening a type are safe; removing, narrowing, making
 *             required, changing keys or protection are not.
 *   forward   data of the new version can be read by consumers written for the old one:
 *             widening, new nulls and new accepted values break; required additions do not.
 *   full      both; none: nothing is breaking (changes are still classified and bumped).
 *   backward_transitive  backward against every version of the same major, not only the last.
 */
import type { ColumnSpec, DataProduct, OutputPortSpec } from '../descriptor/data-product-schema.js';
import type { PathSegment } from '../descriptor/yaml-source.js';

export type CompatibilityMode = 'backward' | 'backward_transitive' | 'forward' | 'full' | 'none';
export type Bump = 'major' | 'minor' | 'patch' | 'none';

export const CHANGE_CATEGORIES = [
  'column-removed',
  'column-added-nullable',
  'column-added-required',
  'type-changed',
  'type-narrowed',
  'type-widened',
  'nullable-to-required',
  'required-to-nullable',
  'primary-key-changed',
  'accepted-values-removed',
  'accepted-values-added',
  'pii-classification-lowered',
  'pii-classification-raised',
  'masking-removed',
  'masking-added',
  'masking-changed',
  'port-removed',
  'port-added',
  'port-type-changed',
  'behaviour-changed',
  'documentation-changed',
] as const;
export type ChangeCategory = (typeof CHANGE_CATEGORIES)[number];

export interface SchemaChange {
  readonly category: ChangeCategory;
  /** Where to point in the new descriptor (for removed things: the list they were removed from). */
  readonly path: readonly PathSegment[];
  readonly subject: string;
  readonly reason: string;
  readonly breaking: boolean;
  readonly bump: Exclude<Bump, 'none'>;
}

const BACKWARD_BREAKING = new Set<ChangeCategory>([
  'column-removed',
  'column-added-required',
  'type-changed',
  'type-narrowed',
  'nullable-to-required',
  'primary-key-changed',
  'accepted-values-removed',
  'pii-classification-lowered',
  'masking-removed',
  'masking-added',
  'masking-changed',
  'port-removed',
  'port-type-changed',
]);
const FORWARD_BREAKING = new Set<ChangeCategory>([
  'column-removed',
  'type-changed',
  'type-narrowed',
  'type-widened',
  'required-to-nullable',
  'primary-key-changed',
  'accepted-values-added',
  'pii-classification-lowered',
  'masking-removed',
  'masking-added',
  'masking-changed',
  'port-removed',
  'port-type-changed',
]);

export function isBreaking(category: ChangeCategory, mode: CompatibilityMode): boolean {
  switch (mode) {
    case 'none':
      return false;
    case 'forward':
      return FORWARD_BREAKING.has(category);
    case 'full':
      return FORWARD_BREAKING.has(category) || BACKWARD_BREAKING.has(category);
    default:
      return BACKWARD_BREAKING.has(category);
  }
}

export function compatibilityMode(product: DataProduct): CompatibilityMode {
  return product.spec.sla?.schemaStability?.compatibility ?? 'backward';
}

const PII_RANK: Record<string, number> = { none: 0, indirect: 1, direct: 2, sensitive: 3 };
const INT_RANK: Record<string, number> = { tinyint: 1, smallint: 2, integer: 3, bigint: 4, hugeint: 5 };
const FLOAT_RANK: Record<string, number> = { float: 1, double: 2 };

interface ParsedType {
  base: string;
  args: number[];
}
function parseType(text: string): ParsedType {
  const m = /^([a-z]+)\s*(?:\(([^)]*)\))?$/.exec(text.trim().toLowerCase());
  if (!m) return { base: text, args: [] };
  return { base: m[1] === 'text' ? 'varchar' : m[1], args: m[2] ? m[2].split(',').map((x) => Number(x.trim())) : [] };
}

/** How a column type changed: same, widened (every old value fits), narrowed (the reverse) or changed. */
export function compareTypes(from: string, to: string): 'same' | 'widened' | 'narrowed' | 'changed' {
  const a = parseType(from);
  const b = parseType(to);
  if (a.base === b.base && a.args.join(',') === b.args.join(',')) return 'same';
  if (a.base in INT_RANK && b.base in INT_RANK) return INT_RANK[b.base] > INT_RANK[a.base] ? 'widened' : 'narrowed';
  if (a.base in FLOAT_RANK && b.base in FLOAT_RANK)
    return FLOAT_RANK[b.base] > FLOAT_RANK[a.base] ? 'widened' : 'narrowed';
  if (a.base === 'varchar' && b.base === 'varchar') {
    const n = a.args[0] ?? Infinity;
    const m = b.args[0] ?? Infinity;
    return n === m ? 'same' : m > n ? 'widened' : 'narrowed';
  }
  if (a.base === 'decimal' && b.base === 'decimal') {
    // DuckDB's default decimal is (18,3).
    const [p1, s1] = [a.args[0] ?? 18, a.args[1] ?? 3];
    const [p2, s2] = [b.args[0] ?? 18, b.args[1] ?? 3];
    if (p1 === p2 && s1 === s2) return 'same';
    if (s2 >= s1 && p2 - s2 >= p1 - s1) return 'widened';
    if (s1 >= s2 && p1 - s1 >= p2 - s2) return 'narrowed';
    return 'changed';
  }
  return 'changed';
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, v]) => `${JSON.stringify(k)}:${stable(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Classifies every difference from `before` to `after` under `mode`. */
export function classifyChanges(
  before: DataProduct,
  after: DataProduct,
  mode: CompatibilityMode = compatibilityMode(after),
): SchemaChange[] {
  const changes: SchemaChange[] = [];
  const add = (category: ChangeCategory, path: PathSegment[], subject: string, reason: string) => {
    const breaking = isBreaking(category, mode);
    const bump = breaking ? 'major' : category === 'documentation-changed' ? 'patch' : 'minor';
    changes.push({ category, path, subject, reason, breaking, bump });
  };
  const oldColumns = new Map(before.spec.schema.columns.map((c) => [c.name, c]));
  const newColumns = new Map(after.spec.schema.columns.map((c, i) => [c.name, { c, i }]));
  const columnsPath: PathSegment[] = ['spec', 'schema', 'columns'];
  let docs: string[] = [];
  for (const [name, old] of oldColumns) {
    const next = newColumns.get(name);
    if (!next) {
      add('column-removed', columnsPath, name, `column ${name} is removed: consumers that read it fail`);
      continue;
    }
    compareColumn(old, next.c, [...columnsPath, next.i], add, docs);
  }
  for (const [name, { c, i }] of newColumns) {
    if (oldColumns.has(name)) continue;
    if (c.nullable === false)
      add(
        'column-added-required',
        [...columnsPath, i],
        name,
        `column ${name} is added as required (nullable: false): existing snapshots have no value for it`,
      );
    else
      add(
        'column-added-nullable',
        [...columnsPath, i],
        name,
        `column ${name} is added and nullable: existing consumers ignore it and old snapshots read it as null`,
      );
  }
  const oldKey = before.spec.schema.primaryKey ?? [];
  const newKey = after.spec.schema.primaryKey ?? [];
  if (oldKey.join(',') !== newKey.join(',')) {
    add(
      'primary-key-changed',
      ['spec', 'schema', ...(after.spec.schema.primaryKey ? ['primaryKey'] : [])],
      `(${oldKey.join(', ')}) → (${newKey.join(', ')})`,
      `the primary key changes from (${oldKey.join(', ') || 'none'}) to (${newKey.join(', ') || 'none'}): consumers join and deduplicate on it`,
    );
  }
  comparePorts(before.spec.outputPorts, after.spec.outputPorts, add, docs);
  const meta = ['description', 'title', 'tags', 'owner', 'oncall'] as const;
  for (const field of meta)
    if (stable(before.metadata[field]) !== stable(after.metadata[field])) docs.push(`metadata.${field}`);
  const behaviour: string[] = [];
  const specFields = ['inputs', 'transform', 'quality', 'freshness', 'schedule', 'sla', 'access', 'retention'] as const;
  for (const field of specFields)
    if (stable(before.spec[field]) !== stable(after.spec[field])) behaviour.push(`spec.${field}`);
  if (behaviour.length > 0)
    add(
      'behaviour-changed',
      ['spec', ...(behaviour.length === 1 ? [behaviour[0].slice(5)] : [])],
      behaviour.join(', '),
      `${behaviour.join(', ')} changed: the product behaves differently while its schema stays compatible`,
    );
  docs = [...new Set(docs)];
  if (docs.length > 0)
    add(
      'documentation-changed',
      ['metadata'],
      docs.join(', '),
      `only documentation and contacts changed: ${docs.join(', ')}`,
    );
  return changes;
}

type Add = (category: ChangeCategory, path: PathSegment[], subject: string, reason: string) => void;

function compareColumn(old: ColumnSpec, next: ColumnSpec, at: PathSegment[], add: Add, docs: string[]): void {
  const name = next.name;
  const typeChange = compareTypes(old.type, next.type);
  if (typeChange === 'widened')
    add(
      'type-widened',
      [...at, 'type'],
      name,
      `column ${name} widens from ${old.type} to ${next.type}: every old value fits, but consumers of the old version may receive values that do not fit ${old.type}`,
    );
  else if (typeChange === 'narrowed')
    add(
      'type-narrowed',
      [...at, 'type'],
      name,
      `column ${name} narrows from ${old.type} to ${next.type}: existing values may not fit`,
    );
  else if (typeChange === 'changed')
    add(
      'type-changed',
      [...at, 'type'],
      name,
      `column ${name} changes type from ${old.type} to ${next.type}: consumers' casts, comparisons and joins break`,
    );
  const wasNullable = old.nullable !== false;
  const isNullable = next.nullable !== false;
  if (wasNullable && !isNullable)
    add(
      'nullable-to-required',
      [...at, 'nullable'],
      name,
      `column ${name} becomes required: existing snapshots may hold nulls`,
    );
  if (!wasNullable && isNullable)
    add(
      'required-to-nullable',
      [...at, ...(next.nullable === undefined ? [] : ['nullable'])],
      name,
      `column ${name} becomes nullable: consumers that rely on a value may now receive null`,
    );
  const oldValues = old.acceptedValues ?? [];
  const newValues = next.acceptedValues ?? [];
  if (old.acceptedValues && next.acceptedValues) {
    const removed = oldValues.filter((v) => !newValues.includes(v));
    const added = newValues.filter((v) => !oldValues.includes(v));
    if (removed.length > 0)
      add(
        'accepted-values-removed',
        [...at, 'acceptedValues'],
        name,
        `column ${name} no longer accepts ${removed.map((v) => JSON.stringify(v)).join(', ')}: existing rows may hold them`,
      );
    if (added.length > 0)
      add(
        'accepted-values-added',
        [...at, 'acceptedValues'],
        name,
        `column ${name} now also accepts ${added.map((v) => JSON.stringify(v)).join(', ')}: consumers may receive values they do not handle`,
      );
  } else if (old.acceptedValues && !next.acceptedValues) {
    add('accepted-values-added', at, name, `column ${name} drops its accepted values: any value may now appear`);
  } else if (!old.acceptedValues && next.acceptedValues) {
    add(
      'accepted-values-removed',
      [...at, 'acceptedValues'],
      name,
      `column ${name} now restricts its values: existing rows may hold others`,
    );
  }
  const oldPii = PII_RANK[old.pii ?? 'none'];
  const newPii = PII_RANK[next.pii ?? 'none'];
  if (newPii < oldPii)
    add(
      'pii-classification-lowered',
      [...at, ...(next.pii ? ['pii'] : [])],
      name,
      `column ${name} is reclassified from ${old.pii} to ${next.pii ?? 'unclassified'}: the same data gets less protection`,
    );
  if (newPii > oldPii)
    add(
      'pii-classification-raised',
      [...at, 'pii'],
      name,
      `column ${name} is reclassified from ${old.pii ?? 'unclassified'} to ${next.pii}: more protection for the same data`,
    );
  const oldMask = old.masking ?? 'none';
  const newMask = next.masking ?? 'none';
  if (oldMask !== newMask) {
    if (newMask === 'none')
      add(
        'masking-removed',
        [...at, ...(next.masking ? ['masking'] : [])],
        name,
        `column ${name} is no longer masked (was ${oldMask}): readers without PII clearance would see raw values`,
      );
    else if (oldMask === 'none')
      add(
        'masking-added',
        [...at, 'masking'],
        name,
        `column ${name} is now masked (${newMask}): readers without PII clearance see different values than before`,
      );
    else
      add(
        'masking-changed',
        [...at, 'masking'],
        name,
        `column ${name} changes masking from ${oldMask} to ${newMask}: masked values differ from before`,
      );
  }
  if (stable(old.description) !== stable(next.description) || stable(old.tags) !== stable(next.tags))
    docs.push(`column ${name}`);
}

function comparePorts(before: OutputPortSpec[], after: OutputPortSpec[], add: Add, docs: string[]): void {
  const next = new Map(after.map((p, i) => [p.name, { p, i }]));
  const old = new Set(before.map((p) => p.name));
  for (const port of before) {
    const found = next.get(port.name);
    if (!found) {
      add(
        'port-removed',
        ['spec', 'outputPorts'],
        port.name,
        `output port ${port.name} (${port.type}) is removed: its consumers lose it`,
      );
      continue;
    }
    if (found.p.type !== port.type)
      add(
        'port-type-changed',
        ['spec', 'outputPorts', found.i, 'type'],
        port.name,
        `output port ${port.name} changes from ${port.type} to ${found.p.type}: its consumers must reconnect`,
      );
    else if (stable({ ...port, description: undefined }) !== stable({ ...found.p, description: undefined }))
      add(
        'behaviour-changed',
        ['spec', 'outputPorts', found.i],
        `port ${port.name}`,
        `output port ${port.name} changes its settings`,
      );
    if (stable(port.description) !== stable(found.p.description)) docs.push(`port ${port.name}`);
  }
  for (const [name, { p, i }] of next) {
    if (!old.has(name)) add('port-added', ['spec', 'outputPorts', i], name, `output port ${name} (${p.type}) is added`);
  }
}

const BUMP_RANK: Record<Bump, number> = { none: 0, patch: 1, minor: 2, major: 3 };

/** The smallest version bump that covers every change. */
export function requiredBump(changes: readonly SchemaChange[]): Bump {
  let bump: Bump = 'none';
  for (const c of changes) if (BUMP_RANK[c.bump] > BUMP_RANK[bump]) bump = c.bump;
  return bump;
}

export function bumpRank(bump: Bump): number {
  return BUMP_RANK[bump];
}
