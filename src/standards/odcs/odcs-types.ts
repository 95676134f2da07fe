/**
 * Column types and PII classes between Meshwork and ODCS. Export writes the Meshwork type as
 * the ODCS `physicalType` (exact) and its `logicalType`; import reads a physical type Meshwork
 * knows (the common SQL spellings included), and otherwise falls back to the logical type.
 */
import { COLUMN_TYPE_PATTERN, type PiiClass } from '../../descriptor/data-product-schema.js';

export type OdcsLogicalType =
  'string' | 'date' | 'timestamp' | 'time' | 'number' | 'integer' | 'object' | 'array' | 'boolean';

const LOGICAL_OF: Record<string, OdcsLogicalType> = {
  boolean: 'boolean',
  tinyint: 'integer',
  smallint: 'integer',
  integer: 'integer',
  bigint: 'integer',
  hugeint: 'integer',
  float: 'number',
  double: 'number',
  decimal: 'number',
  varchar: 'string',
  text: 'string',
  date: 'date',
  time: 'time',
  timestamp: 'timestamp',
  timestamptz: 'timestamp',
  uuid: 'string',
  json: 'object',
  blob: 'string',
  interval: 'string',
};

export function logicalTypeOf(meshType: string): OdcsLogicalType {
  return LOGICAL_OF[meshType.replace(/\(.*$/, '')] ?? 'string';
}

/** Common spellings of other databases, lower-cased, without parameters. */
const SYNONYMS: Record<string, string> = {
  int: 'integer',
  int4: 'integer',
  int2: 'smallint',
  int8: 'bigint',
  long: 'bigint',
  short: 'smallint',
  bool: 'boolean',
  real: 'float',
  float4: 'float',
  float8: 'double',
  'double precision': 'double',
  numeric: 'decimal',
  number: 'decimal',
  string: 'varchar',
  char: 'varchar',
  character: 'varchar',
  'character varying': 'varchar',
  nvarchar: 'varchar',
  datetime: 'timestamp',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  jsonb: 'json',
  bytea: 'blob',
  binary: 'blob',
  varbinary: 'blob',
};

const FROM_LOGICAL: Record<OdcsLogicalType, string> = {
  string: 'varchar',
  date: 'date',
  timestamp: 'timestamp',
  time: 'time',
  number: 'double',
  integer: 'bigint',
  boolean: 'boolean',
  object: 'json',
  array: 'json',
};

export interface ImportedType {
  readonly type: string;
  /** Why the type is an approximation, when it is one. */
  readonly approximate?: string;
}

/** The Meshwork column type for an ODCS property's physical and logical types. */
export function meshTypeOf(physicalType: unknown, logicalType: unknown): ImportedType {
  const exact = typeof physicalType === 'string' ? physicalType.trim().toLowerCase() : undefined;
  // Only decimal and varchar take parameters: `float(3,2)` is read as float.
  if (
    exact &&
    new RegExp(COLUMN_TYPE_PATTERN).test(exact) &&
    (!exact.includes('(') || /^(decimal|varchar)\(/.test(exact))
  )
    return { type: exact };
  if (exact) {
    const match = /^([a-z ]+?)\s*(\(\s*\d+(\s*,\s*\d+)?\s*\))?$/.exec(exact);
    const base = match ? (SYNONYMS[match[1]] ?? match[1]) : undefined;
    const params = match?.[2]?.replace(/\s+/g, '');
    const keepsParams = base === 'decimal' || base === 'varchar';
    const candidate = base && (keepsParams && params ? `${base}${params}` : base);
    if (candidate && new RegExp(COLUMN_TYPE_PATTERN).test(candidate)) return { type: candidate };
  }
  const logical = typeof logicalType === 'string' ? (logicalType as OdcsLogicalType) : undefined;
  const fallback = logical && FROM_LOGICAL[logical];
  if (fallback) {
    const approximate =
      exact !== undefined
        ? `physical type "${String(physicalType)}" has no Meshwork equivalent; read as ${fallback} (logical type ${logical})`
        : logical === 'object' || logical === 'array'
          ? `logical type ${logical} is read as json; nested properties are not carried over`
          : undefined;
    return { type: fallback, approximate };
  }
  return {
    type: 'varchar',
    approximate:
      exact !== undefined
        ? `physical type "${String(physicalType)}" has no Meshwork equivalent; read as varchar`
        : 'no physical or logical type; read as varchar',
  };
}

/** PII class ↔ ODCS classification (free text; these are the words the ODCS examples use). */
const CLASSIFICATION_OF: Record<PiiClass, string> = {
  none: 'public',
  indirect: 'internal',
  direct: 'confidential',
  sensitive: 'restricted',
};

const PII_OF: Record<string, PiiClass> = {
  public: 'none',
  none: 'none',
  internal: 'indirect',
  indirect: 'indirect',
  confidential: 'direct',
  direct: 'direct',
  pii: 'direct',
  restricted: 'sensitive',
  sensitive: 'sensitive',
  secret: 'sensitive',
};

export function classificationOf(pii: PiiClass): string {
  return CLASSIFICATION_OF[pii];
}

export function piiOf(classification: string): PiiClass | undefined {
  return PII_OF[classification.trim().toLowerCase()];
}
