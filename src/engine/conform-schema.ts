/**
 * Conforming a transform's result to the declared schema: every declared column must be
 * there, nothing else may be, and each type must equal the declared one or convert to it
 * without changing meaning (numbers to wider numbers, dates to timestamps, anything to text).
 * Anything else is a schema drift the owner must fix in the transform, so the run fails
 * naming the column instead of guessing.
 */
import type { ColumnSpec } from '../descriptor/data-product-schema.js';
import { duckdbType, quoteIdent } from './sql-text.js';

export interface ResultColumn {
  readonly name: string;
  readonly type: string;
}

export interface ConformPlan {
  /** The SELECT list that casts the result into the declared schema, in declared order. */
  readonly selectList: string;
  readonly problems: string[];
  /** The result already has the declared columns, in order, with the declared types: no projection needed. */
  readonly identity: boolean;
}

const INTEGERS = [
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'UTINYINT',
  'USMALLINT',
  'UINTEGER',
  'UBIGINT',
];
const NUMBERS = [...INTEGERS, 'FLOAT', 'DOUBLE', 'DECIMAL'];
const TIMES = ['DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS'];

function family(type: string): string {
  return type.replace(/\(.*$/, '').trim();
}

export function castIsSafe(from: string, to: string): boolean {
  const f = family(from);
  const t = family(to);
  if (from === to || f === t) return true;
  if (t === 'VARCHAR') return true;
  // Narrowing numeric casts are allowed because DuckDB fails the cast on overflow rather than truncating.
  if (NUMBERS.includes(f) && NUMBERS.includes(t)) return true;
  if (TIMES.includes(f) && TIMES.includes(t)) return !(f !== 'DATE' && t === 'DATE');
  if (f === 'VARCHAR' && t === 'UUID') return true;
  return false;
}

/** `castType`: the declared type in the engine's SQL, for the casts (DuckDB's by default). */
export function planConform(
  result: readonly ResultColumn[],
  declared: readonly ColumnSpec[],
  castType: (declared: string) => string = duckdbType,
): ConformPlan {
  const problems: string[] = [];
  const byName = new Map(result.map((c) => [c.name, c]));
  const declaredNames = new Set(declared.map((c) => c.name));
  for (const c of result) {
    if (!declaredNames.has(c.name))
      problems.push(`the transform returns column "${c.name}" (${c.type}), which is not in spec.schema.columns`);
  }
  const select: string[] = [];
  for (const col of declared) {
    const got = byName.get(col.name);
    const want = duckdbType(col.type);
    if (!got) {
      problems.push(
        `column "${col.name}" (${col.type}) is declared in spec.schema.columns but the transform does not return it`,
      );
      continue;
    }
    if (!castIsSafe(got.type, want)) {
      problems.push(
        `column "${col.name}" is ${got.type} in the transform result but declared ${col.type}; cast it in the transform if the conversion is intended`,
      );
      continue;
    }
    select.push(
      got.type === want
        ? quoteIdent(col.name)
        : `CAST(${quoteIdent(col.name)} AS ${castType(col.type)}) AS ${quoteIdent(col.name)}`,
    );
  }
  const identity =
    problems.length === 0 &&
    result.length === declared.length &&
    declared.every((c, i) => result[i].name === c.name && result[i].type === duckdbType(c.type));
  return { selectList: select.join(', '), problems, identity };
}
