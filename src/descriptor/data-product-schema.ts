/**
 * The data product descriptor (`apiVersion: mesh/v1`, `kind: DataProduct`).
 * This TypeBox schema is the single source of truth: the TypeScript type is derived from it,
 * Ajv validates against it, and `schemas/data-product.v1.json` is emitted from it (a test
 * keeps the file in sync) so editors can complete and check descriptors.
 * Field names follow DESIGN.md; they map onto ODCS v3.1 (schema/properties, classification,
 * quality, slaProperties) and ODPS v1.0 (input/output ports).
 */
import { Type, type Static, type TUnsafe } from '@sinclair/typebox';

/** A string enum emitted as JSON Schema `enum` (clear errors, editor completion). */
function StringEnum<const T extends readonly string[]>(values: T, description?: string): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) });
}

export const NAME_PATTERN = '^[a-z][a-z0-9]*(-[a-z0-9]+)*$';
export const NAME_RULE =
  'lowercase kebab-case: starts with a letter, then letters, digits and single hyphens (e.g. orders-daily), at most 63 characters';
export const IDENTIFIER_PATTERN = '^[a-z_][a-z0-9_]*$';
export const IDENTIFIER_RULE = 'a lowercase SQL identifier: letters, digits and underscores, not starting with a digit';
// Dot-separated domain labels: linear to match (the looser `[^@\\s]+\\.[^@\\s]+` backtracks
// quadratically, seconds on a long hostile string).
const EMAIL_PATTERN = '^[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+$';
export const DURATION_PATTERN = '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$';
export const PRODUCT_REF_PATTERN = '^[a-z][a-z0-9]*(-[a-z0-9]+)*/[a-z][a-z0-9]*(-[a-z0-9]+)*@\\d+$';

export const COLUMN_TYPES = [
  'boolean',
  'tinyint',
  'smallint',
  'integer',
  'bigint',
  'hugeint',
  'float',
  'double',
  'decimal',
  'varchar',
  'text',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'uuid',
  'json',
  'blob',
  'interval',
] as const;
/** A base type, optionally parameterised: `decimal(18,2)`, `varchar(255)`. */
export const COLUMN_TYPE_PATTERN = `^(${COLUMN_TYPES.join('|')})(\\(\\d+(,\\s*\\d+)?\\))?$`;

export const PII_CLASSES = ['none', 'indirect', 'direct', 'sensitive'] as const;
export const MASKING_KINDS = ['none', 'hash', 'redact', 'partial', 'null'] as const;
export const SOURCE_TYPES = ['postgres', 'mysql', 'file'] as const;
export const FILE_FORMATS = ['csv', 'parquet', 'json'] as const;
export const PORT_TYPES = ['parquet', 'stream', 'postgres'] as const;
export const CHECK_TYPES = [
  'null_rate',
  'row_count_delta',
  'row_count',
  'unique',
  'not_null',
  'accepted_values',
  'range',
  'regex',
  'freshness',
  'row_count_vs_source',
  'sql',
] as const;
export const COMPATIBILITY_MODES = ['backward', 'backward_transitive', 'forward', 'full', 'none'] as const;

const Name = Type.String({ pattern: NAME_PATTERN, maxLength: 63, description: NAME_RULE });
const Identifier = Type.String({ pattern: IDENTIFIER_PATTERN, maxLength: 63, description: IDENTIFIER_RULE });
const Email = Type.String({ pattern: EMAIL_PATTERN, description: 'an e-mail address' });
const Duration = Type.String({ pattern: DURATION_PATTERN, description: 'a duration such as 15m, 2h, 1d, 30s' });

export const Metadata = Type.Object(
  {
    name: Name,
    domain: Type.String({ pattern: NAME_PATTERN, maxLength: 63, description: 'the owning domain, kebab-case' }),
    version: Type.String({ description: 'semantic version, e.g. 1.2.0; a breaking change needs a new major' }),
    owner: Type.String({ ...Email, description: 'the owning team, as its e-mail address' }),
    oncall: Type.Optional(Type.String({ ...Email, description: 'who is paged when the product breaks' })),
    title: Type.Optional(Type.String({ description: 'a human-friendly title' })),
    description: Type.Optional(Type.String({ description: 'what the product contains and what it is for' })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'free tags used by search' })),
  },
  { additionalProperties: false },
);

export const Source = Type.Object(
  {
    type: StringEnum(SOURCE_TYPES, 'postgres | mysql | file'),
    connection: Type.Optional(Type.String({ description: 'connection string; secrets via ${ENV_VAR}, never inline' })),
    query: Type.Optional(Type.String({ description: 'SQL run on the source; :last_run is bound to the watermark' })),
    path: Type.Optional(Type.String({ description: 'file path or glob, relative to the descriptor (file sources)' })),
    format: Type.Optional(StringEnum(FILE_FORMATS, 'csv | parquet | json')),
    watermark: Type.Optional(
      Type.String({ description: 'column of the result whose maximum becomes the next :last_run' }),
    ),
  },
  { additionalProperties: false },
);

export const Input = Type.Object(
  {
    name: Type.String({ ...Identifier, description: 'the name the transform SQL uses for this input' }),
    description: Type.Optional(Type.String()),
    source: Type.Optional(Source),
    product: Type.Optional(Type.String({ description: 'another data product, as domain/name@major' })),
  },
  { additionalProperties: false },
);

export const Column = Type.Object(
  {
    name: Identifier,
    type: Type.String({
      pattern: COLUMN_TYPE_PATTERN,
      description: `one of ${COLUMN_TYPES.join(', ')} (decimal(p,s), varchar(n) allowed)`,
    }),
    nullable: Type.Optional(Type.Boolean({ description: 'may the column hold nulls (default true)' })),
    description: Type.Optional(Type.String()),
    pii: Type.Optional(StringEnum(PII_CLASSES, 'none | indirect | direct | sensitive')),
    masking: Type.Optional(StringEnum(MASKING_KINDS, 'how the column is masked for readers without PII access')),
    acceptedValues: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
    tags: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

export const Schema = Type.Object(
  {
    primaryKey: Type.Optional(Type.Array(Identifier, { minItems: 1 })),
    columns: Type.Array(Column, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const QualityCheck = Type.Object(
  {
    type: StringEnum(CHECK_TYPES, CHECK_TYPES.join(' | ')),
    name: Type.Optional(Type.String({ description: 'a label for reports; defaults to type and column' })),
    severity: Type.Optional(
      StringEnum(['error', 'warn'] as const, 'error blocks publication (default), warn only reports'),
    ),
    column: Type.Optional(Identifier),
    columns: Type.Optional(Type.Array(Identifier, { minItems: 1 })),
    threshold: Type.Optional(Type.Number({ minimum: 0, description: 'a rate or ratio, e.g. 0.01 for 1%' })),
    min: Type.Optional(Type.Number()),
    max: Type.Optional(Type.Number()),
    values: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number(), Type.Boolean()]))),
    pattern: Type.Optional(Type.String({ description: 'a regular expression (regex checks)' })),
    maxAge: Type.Optional(Duration),
    sql: Type.Optional(Type.String({ description: 'a query over `snapshot` returning the failing rows (sql checks)' })),
  },
  { additionalProperties: false },
);

export const OutputPort = Type.Object(
  {
    name: Identifier,
    type: StringEnum(PORT_TYPES, 'parquet | stream | postgres'),
    description: Type.Optional(Type.String()),
    subject: Type.Optional(Type.String({ description: 'NATS subject (stream ports)' })),
    connection: Type.Optional(Type.String({ description: 'connection string via ${ENV_VAR} (postgres ports)' })),
    table: Type.Optional(Type.String({ description: 'schema.table (postgres ports)' })),
    keep: Type.Optional(Type.Integer({ minimum: 1, description: 'snapshots to keep (parquet ports, default 5)' })),
    readers: Type.Optional(
      StringEnum(
        ['all', 'pii-cleared'] as const,
        'stream ports: all (default; direct and sensitive columns masked) or pii-cleared (in clear; the product then admits only PII-cleared teams)',
      ),
    ),
  },
  { additionalProperties: false },
);

export const AccessRule = Type.Object(
  {
    team: Type.Optional(Type.String({ minLength: 1 })),
    user: Type.Optional(Type.String({ minLength: 1 })),
    domain: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const ENGINES = ['duckdb', 'postgres'] as const;
export type EngineKind = (typeof ENGINES)[number];

export const DataProductSpec = Type.Object(
  {
    engine: Type.Optional(
      StringEnum(
        ENGINES,
        'where the transform and the checks run: duckdb (embedded, default) or postgres (inside the database that holds every input)',
      ),
    ),
    inputs: Type.Array(Input, { minItems: 1 }),
    transform: Type.Optional(
      Type.Union([
        Type.String({ description: 'path of a .sql file beside the descriptor' }),
        Type.Object({ sql: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
      ]),
    ),
    schema: Schema,
    quality: Type.Optional(Type.Object({ checks: Type.Array(QualityCheck) }, { additionalProperties: false })),
    freshness: Type.Optional(
      Type.Object({ target: Duration, alert_after: Type.Optional(Duration) }, { additionalProperties: false }),
    ),
    schedule: Type.Optional(Type.String({ description: 'a cron expression, e.g. "*/15 * * * *"' })),
    outputPorts: Type.Array(OutputPort, { minItems: 1 }),
    sla: Type.Optional(
      Type.Object(
        {
          availability: Type.Optional(Type.String({ pattern: '^\\d{1,3}(\\.\\d+)?%$', description: 'e.g. 99.5%' })),
          schemaStability: Type.Optional(
            Type.Object(
              {
                compatibility: Type.Optional(StringEnum(COMPATIBILITY_MODES)),
                deprecationNoticeDays: Type.Optional(Type.Integer({ minimum: 0 })),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    retention: Type.Optional(Duration),
    access: Type.Optional(
      Type.Object(
        {
          default: Type.Optional(StringEnum(['deny', 'allow'] as const, 'deny (default) or allow')),
          allow: Type.Optional(Type.Array(AccessRule)),
          pii: Type.Optional(Type.Array(AccessRule)),
          autoApprove: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  team: Type.Optional(Type.String({ minLength: 1 })),
                  domain: Type.Optional(Type.String({ minLength: 1 })),
                },
                { additionalProperties: false },
              ),
              { description: 'teams or domains whose access requests (without PII) are approved at once' },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const DataProductDescriptor = Type.Object(
  {
    apiVersion: Type.Literal('mesh/v1'),
    kind: Type.Literal('DataProduct'),
    metadata: Metadata,
    spec: DataProductSpec,
  },
  {
    $id: 'https://meshwork.dev/schemas/data-product.v1.json',
    title: 'Meshwork data product (mesh/v1)',
    additionalProperties: false,
  },
);

export type DataProduct = Static<typeof DataProductDescriptor>;
export type ColumnSpec = Static<typeof Column>;
export type InputSpec = Static<typeof Input>;
export type SourceSpec = Static<typeof Source>;
export type QualityCheckSpec = Static<typeof QualityCheck>;
export type OutputPortSpec = Static<typeof OutputPort>;
export type AccessRuleSpec = Static<typeof AccessRule>;
export type PiiClass = (typeof PII_CLASSES)[number];

/** The JSON Schema as published for editors (plain JSON, draft-07 compatible). */
export function dataProductJsonSchema(): Record<string, unknown> {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...JSON.parse(JSON.stringify(DataProductDescriptor)) };
}
