/**
 * The hint for a column type that is not one of ours: the type other databases call by that
 * name (`datetime` → `timestamp`, `int8` → `bigint`, `string` → `varchar`), else the closest
 * spelling. Parameters are kept where our type takes them (`numeric(12,2)` → `decimal(12,2)`).
 */
import { didYouMean } from '../core/did-you-mean.js';
import { COLUMN_TYPES } from './data-product-schema.js';

const ALIASES: Readonly<Record<string, (typeof COLUMN_TYPES)[number]>> = {
  bool: 'boolean',
  bit: 'boolean',
  int1: 'tinyint',
  byte: 'tinyint',
  int2: 'smallint',
  short: 'smallint',
  smallserial: 'smallint',
  int: 'integer',
  int4: 'integer',
  mediumint: 'integer',
  serial: 'integer',
  signed: 'integer',
  int8: 'bigint',
  long: 'bigint',
  bigserial: 'bigint',
  int16: 'hugeint',
  int128: 'hugeint',
  float4: 'float',
  real: 'float',
  float8: 'double',
  'double precision': 'double',
  number: 'decimal',
  numeric: 'decimal',
  dec: 'decimal',
  money: 'decimal',
  string: 'varchar',
  str: 'varchar',
  char: 'varchar',
  character: 'varchar',
  'character varying': 'varchar',
  nchar: 'varchar',
  nvarchar: 'varchar',
  varchar2: 'varchar',
  nvarchar2: 'varchar',
  bpchar: 'varchar',
  tinytext: 'text',
  mediumtext: 'text',
  longtext: 'text',
  clob: 'text',
  datetime: 'timestamp',
  datetime2: 'timestamp',
  smalldatetime: 'timestamp',
  'timestamp without time zone': 'timestamp',
  'timestamp with time zone': 'timestamptz',
  datetimeoffset: 'timestamptz',
  'time without time zone': 'time',
  jsonb: 'json',
  bytea: 'blob',
  binary: 'blob',
  varbinary: 'blob',
  bytes: 'blob',
  longblob: 'blob',
  guid: 'uuid',
  uniqueidentifier: 'uuid',
};

const TAKES_PARAMETERS = new Set(['decimal', 'varchar']);

/** `did you mean "timestamp"?` for `datetime`; undefined when nothing fits. */
export function columnTypeHint(value: string): string | undefined {
  const match = /^\s*([^(]*?)\s*(\(.*\))?\s*$/.exec(value);
  const base = (match?.[1] ?? value).toLowerCase().replace(/\s+/g, ' ');
  const parameters = match?.[2]?.replace(/\s+/g, '') ?? '';
  const meant = ALIASES[base] ?? didYouMean(base, COLUMN_TYPES);
  if (!meant) return undefined;
  const suggestion = `${meant}${TAKES_PARAMETERS.has(meant) ? parameters : ''}`;
  return suggestion === value ? undefined : `did you mean "${suggestion}"?`;
}
