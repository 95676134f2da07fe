/** MySQL/MariaDB column types as the platform names them (DuckDB's names, as postgres-types.ts does for PostgreSQL). */

/** mysql2 column type codes → DuckDB types. */
export function duckdbTypeForMysql(type: number, decimals: number, length: number): string {
  switch (type) {
    case 1:
      return 'TINYINT';
    case 2:
      return 'SMALLINT';
    case 3:
    case 9:
      return 'INTEGER';
    case 8:
      return 'BIGINT';
    case 4:
      return 'FLOAT';
    case 5:
      return 'DOUBLE';
    case 0:
    case 246: {
      const precision = Math.max(1, length - (decimals > 0 ? 2 : 1));
      return precision <= 38 ? `DECIMAL(${precision},${decimals})` : 'DOUBLE';
    }
    case 10:
      return 'DATE';
    case 7:
    case 12:
      return 'TIMESTAMP';
    case 11:
      return 'TIME';
    default:
      return 'VARCHAR';
  }
}
