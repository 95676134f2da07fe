/** PostgreSQL's types as the platform names them (DuckDB's names, which conform compares with the declared ones). */

/** PostgreSQL type OIDs → DuckDB types (anything unknown travels as text). */
export function duckdbTypeForOid(oid: number, modifier: number): string {
  switch (oid) {
    case 16:
      return 'BOOLEAN';
    case 20:
      return 'BIGINT';
    case 21:
      return 'SMALLINT';
    case 23:
      return 'INTEGER';
    case 26:
      return 'BIGINT';
    case 700:
      return 'FLOAT';
    case 701:
      return 'DOUBLE';
    case 1700: {
      if (modifier < 4) return 'DOUBLE';
      const precision = ((modifier - 4) >> 16) & 0xffff;
      const scale = (modifier - 4) & 0xffff;
      return precision <= 38 ? `DECIMAL(${precision},${scale})` : 'DOUBLE';
    }
    case 1082:
      return 'DATE';
    case 1083:
      return 'TIME';
    case 1114:
      return 'TIMESTAMP';
    case 1184:
      return 'TIMESTAMP WITH TIME ZONE';
    case 2950:
      return 'UUID';
    default:
      return 'VARCHAR';
  }
}
