/** ODCS contracts for tests and benchmarks. */
import type { OdcsContract } from '../../src/standards/odcs/export-odcs.js';

/** A valid ODCS v3.1.0 contract of `columns` properties (each ~17 lines of YAML, with a quality rule). */
export function bigContract(columns: number): OdcsContract {
  return {
    apiVersion: 'v3.1.0',
    kind: 'DataContract',
    id: 'big-contract',
    name: 'big-table',
    version: '1.0.0',
    status: 'active',
    domain: 'bench',
    team: { name: 'bench', members: [{ username: 'bench-team@company.com', role: 'owner' }] },
    schema: [
      {
        name: 'big_table',
        physicalType: 'table',
        properties: Array.from({ length: columns }, (_, i) => ({
          name: `column_${i}`,
          logicalType: i % 3 === 0 ? 'integer' : 'string',
          physicalType: i % 3 === 0 ? 'bigint' : 'varchar(255)',
          required: i % 2 === 0,
          description: `column number ${i}`,
          classification: i % 5 === 0 ? 'confidential' : 'public',
          tags: ['generated', `group-${i % 10}`],
          quality: [{ type: 'library', metric: 'nullValues', mustBe: 0, severity: 'error' }],
        })),
        quality: [{ type: 'library', metric: 'rowCount', mustBeGreaterThan: 0 }],
      },
    ],
  };
}
