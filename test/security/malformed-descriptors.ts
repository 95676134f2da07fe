/**
 * A generated corpus of malformed descriptors for the "the validator never crashes" suite:
 * a wrong JSON type at every path of the schema (found by walking the TypeBox schema over a
 * descriptor that uses every field), truncations of a valid file at many byte offsets, YAML
 * tags, absurd sizes and non-finite numbers, broken encodings, deep nesting and huge strings.
 */
import { stringify } from 'yaml';
import { dataProductJsonSchema } from '../../src/descriptor/data-product-schema.js';

export interface MalformedCase {
  readonly name: string;
  readonly bytes: Buffer;
  /** When set, an error diagnostic must carry exactly this path (e.g. `spec.schema.primaryKey`). */
  readonly path?: string;
  /** When set, an error diagnostic must have this code. */
  readonly code?: string;
  /** When set, that diagnostic must be on this line. */
  readonly line?: number;
}

/** A descriptor that uses every field of the schema and validates cleanly (inline SQL: no files needed). */
export function fullDescriptor(): Record<string, unknown> {
  return {
    apiVersion: 'mesh/v1',
    kind: 'DataProduct',
    metadata: {
      name: 'orders-daily',
      domain: 'sales',
      version: '1.0.0',
      owner: 'sales-data@company.com',
      oncall: 'sales-oncall@company.com',
      title: 'Orders per day',
      description: 'Daily orders per customer, for the corpus test.',
      tags: ['sales', 'orders'],
    },
    spec: {
      inputs: [
        {
          name: 'orders',
          description: 'raw orders',
          source: {
            type: 'postgres',
            connection: '${ORDERS_DB_URI}',
            query: 'SELECT id, label, amount, updated_at FROM orders WHERE updated_at > :last_run',
            watermark: 'updated_at',
          },
        },
        { name: 'extra', source: { type: 'file', path: 'data/extra.csv', format: 'csv' } },
        { name: 'customers', product: 'identity/customers@1' },
      ],
      transform: { sql: 'SELECT o.id, o.label, o.amount, o.updated_at FROM orders o' },
      schema: {
        primaryKey: ['id'],
        columns: [
          {
            name: 'id',
            type: 'bigint',
            nullable: false,
            description: 'order id',
            pii: 'none',
            masking: 'none',
            acceptedValues: [1, 'x', true],
            tags: ['key'],
          },
          { name: 'label', type: 'varchar(255)', pii: 'none' },
          { name: 'amount', type: 'decimal(18,2)', pii: 'none' },
          { name: 'email', type: 'varchar', pii: 'direct', masking: 'hash' },
          { name: 'updated_at', type: 'timestamp', nullable: false, pii: 'none' },
        ],
      },
      quality: {
        checks: [
          {
            type: 'range',
            name: 'amount_in_range',
            severity: 'error',
            column: 'amount',
            columns: ['amount'],
            threshold: 0.5,
            min: 0,
            max: 100000,
            values: [1, 'a', false],
            pattern: '^[0-9]+$',
            maxAge: '1d',
            sql: 'SELECT * FROM snapshot WHERE amount < 0',
          },
          { type: 'unique', column: 'id' },
          { type: 'not_null', columns: ['id', 'updated_at'] },
          { type: 'null_rate', column: 'label', threshold: 0.05, severity: 'warn' },
          { type: 'row_count', min: 1 },
          { type: 'freshness', column: 'updated_at', maxAge: '2d' },
        ],
      },
      freshness: { target: '1d', alert_after: '2d' },
      schedule: '0 6 * * *',
      outputPorts: [
        { name: 'files', type: 'parquet', description: 'snapshots', keep: 5 },
        { name: 'events', type: 'stream', subject: 'sales.orders-daily' },
        { name: 'warehouse', type: 'postgres', connection: '${WAREHOUSE_URI}', table: 'sales.orders_daily' },
      ],
      sla: { availability: '99.5%', schemaStability: { compatibility: 'backward', deprecationNoticeDays: 30 } },
      retention: '365d',
      access: {
        default: 'deny',
        allow: [{ team: 'analytics', user: 'bob', domain: 'finance' }],
        pii: [{ team: 'privacy' }],
      },
    },
  };
}

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'array' | 'object';
type SchemaNode = {
  type?: JsonType;
  const?: unknown;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  anyOf?: SchemaNode[];
};
type Path = Array<string | number>;

const SAMPLES: Record<Exclude<JsonType, 'integer'>, unknown> = {
  string: 'wrong',
  number: 42.5,
  boolean: true,
  null: null,
  array: ['wrong'],
  object: { wrong: 1 },
};

function typeOf(value: unknown): Exclude<JsonType, 'integer'> {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as 'string' | 'number' | 'boolean' | 'object';
}

function acceptedTypes(schema: SchemaNode): Set<string> {
  if (schema.anyOf) return new Set(schema.anyOf.flatMap((s) => [...acceptedTypes(s)]));
  if (schema.const !== undefined) return new Set([typeOf(schema.const)]);
  if (schema.type === 'integer') return new Set(['number']);
  return new Set(schema.type ? [schema.type] : []);
}

/** Every path of `value` the schema describes, with the schema node there. */
function schemaPaths(schema: SchemaNode, value: unknown, path: Path, out: Array<[Path, SchemaNode]>): void {
  out.push([path, schema]);
  const variant = schema.anyOf ? schema.anyOf.find((s) => acceptedTypes(s).has(typeOf(value))) : schema;
  if (variant) collectChildren(variant, value, path, out);
}

function collectChildren(schema: SchemaNode, value: unknown, path: Path, out: Array<[Path, SchemaNode]>): void {
  if (schema.properties && value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(schema.properties)) {
      if (key in value) schemaPaths(child, (value as Record<string, unknown>)[key], [...path, key], out);
    }
  }
  if (schema.items && Array.isArray(value))
    value.forEach((item, i) => schemaPaths(schema.items!, item, [...path, i], out));
}

function setAt(doc: unknown, path: Path, replacement: unknown): unknown {
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let node = copy;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  node[path[path.length - 1]] = replacement;
  return copy;
}

export function formatPath(path: Path): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
}

function yamlBytes(doc: unknown): Buffer {
  return Buffer.from(stringify(doc, { lineWidth: 0 }));
}

/** A wrong JSON type at every path of the schema the full descriptor uses. */
export function wrongTypeCases(): MalformedCase[] {
  const base = fullDescriptor();
  const paths: Array<[Path, SchemaNode]> = [];
  schemaPaths(dataProductJsonSchema() as SchemaNode, base, [], paths);
  const cases: MalformedCase[] = [];
  for (const [path, schema] of paths) {
    if (path.length === 0) continue;
    const accepted = acceptedTypes(schema);
    for (const [type, sample] of Object.entries(SAMPLES)) {
      if (accepted.has(type)) continue;
      cases.push({
        name: `wrong-type ${formatPath(path)} = ${type}`,
        bytes: yamlBytes(setAt(base, path, sample)),
        path: formatPath(path),
      });
    }
    if (schema.type === 'integer')
      cases.push({
        name: `wrong-type ${formatPath(path)} = fraction`,
        bytes: yamlBytes(setAt(base, path, 2.5)),
        path: formatPath(path),
      });
  }
  return cases;
}

/**
 * A valid file cut at many byte offsets. Its last line is a flow sequence of the required
 * output ports, so every cut either drops a required field or leaves the flow unclosed.
 */
export function truncationCases(count = 80): MalformedCase[] {
  const base = fullDescriptor();
  const spec = { ...(base.spec as Record<string, unknown>) };
  delete spec.outputPorts;
  const text = `${stringify({ ...base, spec }, { lineWidth: 0 })}  outputPorts: [{ name: files, type: parquet }]\n`;
  const bytes = Buffer.from(text);
  const cases: MalformedCase[] = [];
  const last = bytes.length - 3; // cut at least the closing `]`
  for (let i = 0; i < count; i++) {
    const offset = Math.round((i * last) / (count - 1));
    cases.push({ name: `truncated at byte ${offset}`, bytes: bytes.subarray(0, offset) });
  }
  return cases;
}

/** Text with `replace` applied to the full descriptor's YAML; the change must land. */
function edited(from: string, to: string): Buffer {
  const text = stringify(fullDescriptor(), { lineWidth: 0 });
  if (!text.includes(from)) throw new Error(`corpus: "${from}" is not in the base descriptor`);
  return Buffer.from(text.replace(from, to));
}

function lineOf(bytes: Buffer, marker: string): number {
  const text = bytes.toString('utf8');
  return text.slice(0, text.indexOf(marker)).split('\n').length;
}

function editedCase(name: string, from: string, to: string, code: string): MalformedCase {
  const bytes = edited(from, to);
  return { name, bytes, code, line: lineOf(bytes, to) };
}

export function tagCases(): MalformedCase[] {
  const tags: Array<[string, string, string]> = [
    ['!!int on text', 'min: 1\n', 'min: !!int "abc"\n'],
    ['!!str on a number', 'min: 1\n', 'min: !!str 1\n'],
    ['!!float on an integer', 'min: 1\n', 'min: !!float 1\n'],
    ['!!bool on text', 'nullable: false\n', 'nullable: !!bool "no"\n'],
    ['!!null on text', 'title: Orders per day\n', 'title: !!null "x"\n'],
    ['!!binary', 'title: Orders per day\n', 'title: !!binary aGk=\n'],
    ['!!timestamp', 'title: Orders per day\n', 'title: !!timestamp 2001-12-14\n'],
    ['verbatim int tag on text', 'min: 1\n', 'min: !<tag:yaml.org,2002:int> "abc"\n'],
    ['unknown local tag', 'title: Orders per day\n', 'title: !secret Orders per day\n'],
    ['unknown tag on a mapping', 'freshness:\n', 'freshness: !custom\n'],
    ['!!seq on a mapping', 'freshness:\n', 'freshness: !!seq\n'],
    ['!!map on a sequence', 'tags:\n', 'tags: !!map\n'],
    ['!!set', 'tags:\n', 'tags: !!set\n'],
    ['!!str on a boolean', 'nullable: false\n', 'nullable: !!str false\n'],
    ['!!int on a float', 'threshold: 0.5\n', 'threshold: !!int 0.5\n'],
  ];
  return tags.map(([name, from, to]) => editedCase(`tag: ${name}`, from, to, 'yaml-tag'));
}

export function sizeCases(): MalformedCase[] {
  const size = (name: string, to: string) =>
    editedCase(`size: ${name}`, 'type: decimal(18,2)', to, 'invalid-type-size');
  const varchar = (name: string, to: string) =>
    editedCase(`size: ${name}`, 'type: varchar(255)', to, 'invalid-type-size');
  const number = (name: string, from: string, to: string, code: string) =>
    editedCase(`number: ${name}`, from, to, code);
  return [
    size('decimal precision 21 digits', 'type: decimal(999999999999999999999,2)'),
    size('decimal precision 39', 'type: decimal(39,2)'),
    size('decimal precision 0', 'type: decimal(0,0)'),
    size('decimal scale above precision', 'type: decimal(10,11)'),
    size('decimal scale 20 digits', 'type: decimal(10,99999999999999999999)'),
    varchar('varchar 20 digits', 'type: varchar(99999999999999999999)'),
    varchar('varchar 10485761', 'type: varchar(10485761)'),
    varchar('varchar 0', 'type: varchar(0)'),
    varchar('varchar two lengths', 'type: varchar(10,2)'),
    editedCase('size: parameters on bigint', 'type: bigint', 'type: bigint(20)', 'invalid-type-size'),
    editedCase('size: parameters on timestamp', 'type: timestamp', 'type: timestamp(3)', 'invalid-type-size'),
    number('threshold .inf', 'threshold: 0.05', 'threshold: .inf', 'non-finite-number'),
    number('threshold .Inf', 'threshold: 0.05', 'threshold: .Inf', 'non-finite-number'),
    number('min -.inf', 'min: 0\n', 'min: -.inf\n', 'non-finite-number'),
    number('max .nan', 'max: 100000', 'max: .nan', 'non-finite-number'),
    number('max .NaN', 'max: 100000', 'max: .NaN', 'non-finite-number'),
    number('max 1e999', 'max: 100000', 'max: 1e999', 'non-finite-number'),
    number('keep .inf', 'keep: 5', 'keep: .inf', 'non-finite-number'),
    number(
      'deprecationNoticeDays .inf',
      'deprecationNoticeDays: 30',
      'deprecationNoticeDays: .inf',
      'non-finite-number',
    ),
    number('accepted value .nan', '- 1\n          - x', '- .nan\n          - x', 'non-finite-number'),
    number('min past 2^53', 'min: 1\n', 'min: 9007199254740993\n', 'unsafe-integer'),
  ];
}

/** Broken or foreign encodings. */
export function encodingCases(): MalformedCase[] {
  const text = stringify(fullDescriptor(), { lineWidth: 0 });
  const utf8 = Buffer.from(text);
  const le = Buffer.from(text, 'utf16le');
  const be = Buffer.from(le);
  be.swap16();
  const at = utf8.indexOf('title:');
  const splice = (insert: number[]) => Buffer.concat([utf8.subarray(0, at), Buffer.from(insert), utf8.subarray(at)]);
  return [
    { name: 'encoding: UTF-16 LE with BOM', bytes: Buffer.concat([Buffer.from([0xff, 0xfe]), le]), code: 'not-utf8' },
    { name: 'encoding: UTF-16 BE with BOM', bytes: Buffer.concat([Buffer.from([0xfe, 0xff]), be]), code: 'not-utf8' },
    { name: 'encoding: UTF-16 LE without BOM', bytes: le, code: 'binary-file' },
    {
      name: 'encoding: UTF-32 LE with BOM',
      bytes: Buffer.concat([Buffer.from([0xff, 0xfe, 0, 0]), le]),
      code: 'not-utf8',
    },
    { name: 'encoding: NUL byte', bytes: splice([0]), code: 'binary-file', line: lineOf(utf8, 'title:') },
    { name: 'encoding: invalid byte 0xff', bytes: splice([0xff]), code: 'not-utf8', line: lineOf(utf8, 'title:') },
    { name: 'encoding: lone continuation byte', bytes: splice([0x80]), code: 'not-utf8' },
    { name: 'encoding: overlong slash', bytes: splice([0xc0, 0xaf]), code: 'not-utf8' },
    { name: 'encoding: UTF-16 surrogate in UTF-8', bytes: splice([0xed, 0xa0, 0x80]), code: 'not-utf8' },
    {
      name: 'encoding: truncated multibyte',
      bytes: Buffer.concat([utf8, Buffer.from([0xe2, 0x82])]),
      code: 'not-utf8',
    },
    {
      name: 'encoding: Latin-1 text',
      bytes: Buffer.from(text.replace('Orders per day', 'Commandes créées'), 'latin1'),
      code: 'not-utf8',
    },
    {
      name: 'encoding: UTF-8 BOM then a wrong type',
      bytes: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), edited('primaryKey:\n      - id\n', 'primaryKey: id\n')]),
      code: 'wrong-type',
    },
  ];
}

/** Nesting, aliases and sizes meant to cost time or memory. */
export function resourceCases(): MalformedCase[] {
  const deepFlow = 'title: ' + '['.repeat(20_000) + ']'.repeat(20_000);
  const deepMap = 'title: ' + '{a: '.repeat(5_000) + '1' + '}'.repeat(5_000);
  const deepBlock =
    'title:\n' + Array.from({ length: 150 }, (_, i) => `${' '.repeat(2 * i + 4)}k${i}:`).join('\n') + ' 1';
  const bomb = [
    'title: &a [x, x, x, x, x, x, x, x, x, x]',
    'bomb1: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
    'bomb2: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
  ];
  const huge = 'x'.repeat(900_000);
  const hugeCases: Array<[string, string, string]> = [
    ['owner', 'owner: sales-data@company.com', `owner: a@${'a.'.repeat(450_000)} `],
    ['name', 'name: orders-daily', `name: ${huge}`],
    ['version', 'version: 1.0.0', `version: 1.${huge}`],
    ['schedule', 'schedule: 0 6 * * *', `schedule: "${'1 '.repeat(450_000)}"`],
    ['column type', 'type: bigint', `type: decimal(${'9'.repeat(900_000)},2)`],
    ['product ref', 'product: identity/customers@1', `product: identity/${huge}`],
    ['connection', 'connection: ${WAREHOUSE_URI}', `connection: "u:${huge}@host"`],
    ['availability', 'availability: 99.5%', `availability: ${'9'.repeat(900_000)}.5`],
    ['retention', 'retention: 365d', `retention: ${'1'.repeat(900_000)}x`],
    ['key', 'title: Orders per day', `${huge}: 1`],
    ['regex', 'pattern: ^[0-9]+$', `pattern: "${'('.repeat(300_000)}"`],
  ];
  const cases: MalformedCase[] = [
    { name: 'nesting: 20000 flow sequences', bytes: edited('title: Orders per day', deepFlow), code: 'yaml-too-deep' },
    { name: 'nesting: 5000 flow mappings', bytes: edited('title: Orders per day', deepMap), code: 'yaml-too-deep' },
    { name: 'nesting: 150 block mappings', bytes: edited('title: Orders per day', deepBlock), code: 'yaml-too-deep' },
    {
      name: 'alias: billion laughs',
      bytes: edited('title: Orders per day\n', `${bomb.join('\n  ')}\n`).subarray(0),
      code: 'yaml-alias-limit',
    },
    editedCase('alias: undefined', 'primaryKey:\n      - id\n', 'primaryKey: *nope\n', 'yaml-undefined-alias'),
    recursiveAlias(),
    editedCase(
      'alias: used before its anchor',
      'title: Orders per day',
      'title: *later\n  owner2: &later x',
      'yaml-undefined-alias',
    ),
    {
      name: 'size: 1.1 MiB file',
      bytes: edited('title: Orders per day', `title: ${'x'.repeat(1_150_000)}`),
      code: 'file-too-large',
    },
    { name: 'empty file', bytes: Buffer.alloc(0), code: 'empty-file' },
    { name: 'only a comment', bytes: Buffer.from('# nothing here\n'), code: 'not-a-mapping' },
    { name: 'a scalar document', bytes: Buffer.from('42\n'), code: 'not-a-mapping' },
    { name: 'a list document', bytes: Buffer.from('- apiVersion: mesh/v1\n'), code: 'not-a-mapping' },
    {
      name: 'two documents',
      bytes: Buffer.concat([yamlBytes(fullDescriptor()), Buffer.from('---\n'), yamlBytes(fullDescriptor())]),
    },
    duplicateKey(),
    {
      name: 'tab indentation',
      bytes: edited('  title: Orders per day', '\ttitle: Orders per day'),
      code: 'tab-indent',
    },
    {
      name: 'key __proto__',
      bytes: edited('title: Orders per day', '__proto__: { polluted: true }'),
      code: 'unknown-field',
    },
    { name: 'key toString', bytes: edited('title: Orders per day', 'title: { toString: 1 }'), code: 'wrong-type' },
  ];
  for (const [field, from, to] of hugeCases) cases.push({ name: `huge string: ${field}`, bytes: edited(from, to) });
  return cases;
}

function duplicateKey(): MalformedCase {
  const bytes = edited('title: Orders per day', 'title: Orders per day\n  title: again');
  return { name: 'duplicate key', bytes, code: 'duplicate-key', line: lineOf(bytes, 'title: again') };
}

function recursiveAlias(): MalformedCase {
  const bytes = edited('freshness:\n', 'freshness: &loop\n    again: *loop\n');
  return { name: 'alias: recursive', bytes, code: 'yaml-recursive-alias', line: lineOf(bytes, '*loop') };
}

export function corpus(): MalformedCase[] {
  return [
    ...wrongTypeCases(),
    ...truncationCases(),
    ...tagCases(),
    ...sizeCases(),
    ...encodingCases(),
    ...resourceCases(),
  ];
}
