/** Quoting for the SQL the platform writes itself: identifiers and literals are never pasted raw. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string | number | boolean): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'NULL';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return `'${value.replace(/'/g, "''")}'`;
}

/** The DuckDB type of a declared column type (`decimal(12,2)`, `text`, `timestamptz`…). */
export function duckdbType(declared: string): string {
  const m = /^([a-z]+)(\(.*\))?$/.exec(declared.trim().toLowerCase());
  if (!m) return declared.toUpperCase();
  const [, base, params = ''] = m;
  switch (base) {
    case 'text':
      return 'VARCHAR';
    case 'varchar':
      return 'VARCHAR';
    case 'timestamptz':
      return 'TIMESTAMP WITH TIME ZONE';
    case 'decimal':
      return `DECIMAL${params.replace(/\s/g, '') || '(18,3)'}`;
    case 'json':
      return 'VARCHAR';
    default:
      return base.toUpperCase();
  }
}

/** The PostgreSQL type of a declared column type (the SQL port's tables, the postgres engine's casts). */
export function postgresType(declared: string): string {
  const m = /^([a-z]+)(\(.*\))?$/.exec(declared.trim().toLowerCase());
  const base = m ? m[1] : declared;
  const params = m?.[2] ?? '';
  switch (base) {
    case 'tinyint':
      return 'smallint';
    case 'hugeint':
      return 'numeric(38,0)';
    case 'float':
      return 'real';
    case 'double':
      return 'double precision';
    case 'decimal':
      return `numeric${params}`;
    case 'varchar':
      return `varchar${params}`;
    case 'json':
      return 'jsonb';
    case 'blob':
      return 'bytea';
    default:
      return base!;
  }
}

/** Removes a trailing semicolon so a user's SELECT can be nested in the platform's SQL. */
export function stripTrailingSemicolon(sql: string): string {
  return sql.replace(/;\s*$/, '').trimEnd();
}

/** The 1-based line and column of a 0-based character offset in `text`. */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, Math.max(0, offset));
  const lines = before.split('\n');
  return { line: lines.length, col: lines[lines.length - 1].length + 1 };
}
