/**
 * The people product of the access tests: three people and a column of every masking kind
 * (hash, partial, redact, null), so a test sees each of them come out masked or in clear.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ColumnSpec } from '../../src/descriptor/data-product-schema.js';

export const PEOPLE = [
  { id: 1, email: 'ada@example.com', name: 'Ada Lovelace', phone: '+44 1234', ssn: '111-22-3333', country: 'UK' },
  { id: 2, email: 'bob@example.com', name: 'Bob Stone', phone: '+1 5550', ssn: '444-55-6666', country: 'US' },
  { id: 3, email: 'cy@example.com', name: 'Cy', phone: '+33 777', ssn: '777-88-9999', country: 'FR' },
];

/** The SELECT of the people product over its CSV input `people`. */
export const PEOPLE_SQL = 'SELECT id, email, name, phone, ssn, country FROM people';

export const PEOPLE_COLUMNS: ColumnSpec[] = [
  { name: 'id', type: 'bigint', nullable: false, pii: 'none' },
  { name: 'email', type: 'varchar', pii: 'direct', masking: 'hash' },
  { name: 'name', type: 'varchar', pii: 'direct', masking: 'partial' },
  { name: 'phone', type: 'varchar', pii: 'direct', masking: 'redact' },
  { name: 'ssn', type: 'varchar', pii: 'sensitive', masking: 'null' },
  { name: 'country', type: 'varchar', pii: 'none' },
];

/** Writes the people as `people.csv` in `dir`; returns its path. */
export function writePeopleCsv(dir: string): string {
  const csv = join(dir, 'people.csv');
  writeFileSync(csv, `id,email,name,phone,ssn,country\n${PEOPLE.map((p) => Object.values(p).join(',')).join('\n')}\n`);
  return csv;
}
