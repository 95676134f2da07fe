/**
 * The postgres engine's failure messages for what is not the product's SQL, on the errors
 * PostgreSQL and the driver give (their real texts, as test/pipelines/sharded-engine.test.ts
 * meets them on a live coordinator): which foreign server, and when none can be told.
 */
import { describe, expect, it } from 'vitest';
import { postgresFailure, type ForeignServer } from '../../src/engine/postgres-failures.js';

const servers: ForeignServer[] = [
  { name: 'shard_0', address: '10.0.0.5:5432', remoteTables: ['public.sales_0'], localTables: ['public.sales_p0'] },
  { name: 'shard_1', address: '10.0.0.6:5432', remoteTables: ['Sales.part 1'], localTables: ['public.sales_p1'] },
];
const client = { host: 'coordinator', port: 5433 };
const BROKE = {
  code: '08006',
  message:
    'FATAL:  terminating connection due to administrator command\nserver closed the connection unexpectedly\n\tThis probably means the server terminated abnormally',
};

describe('postgres engine failures that are not the SQL', () => {
  it('names a foreign server that cannot be reached, with its address and the tables it holds', () => {
    const error = postgresFailure(
      {
        code: '08001',
        message: 'could not connect to server "shard_0"',
        detail:
          'connection to server at "10.0.0.5", port 5432 failed: Connection refused\n\tIs the server running on that host and accepting TCP/IP connections?',
      },
      servers,
      client,
    );
    expect(error?.kind).toBe('unavailable');
    expect(error?.message).toBe(
      'the postgres engine: foreign server "shard_0" at 10.0.0.5:5432 cannot be reached: could not connect to server "shard_0"; Connection refused',
    );
    expect(error?.details).toMatchObject({ server: 'shard_0', hint: 'is the server up, which holds public.sales_p0?' });
  });

  it('tells the server of a connection broken mid-query by the remote table in the remote SQL, quoted names too', () => {
    const error = postgresFailure(
      { ...BROKE, where: 'remote SQL command: SELECT id, count(*) FROM "Sales"."part 1" GROUP BY 1' },
      servers,
      client,
    );
    expect(error?.message).toBe(
      'the postgres engine: foreign server "shard_1" at 10.0.0.6:5432 broke off mid-query: terminating connection due to administrator command; server closed the connection unexpectedly',
    );
  });

  it('leaves the error as PostgreSQL gave it when the remote table is on several servers, or the error is the SQL', () => {
    const same = servers.map((s) => ({ ...s, remoteTables: ['public.sales'] }));
    expect(
      postgresFailure({ ...BROKE, where: 'remote SQL command: SELECT * FROM public.sales' }, same, client),
    ).toBeUndefined();
    expect(
      postgresFailure(
        {
          code: '42703',
          message: 'column "x" does not exist',
          where: 'remote SQL command: SELECT x FROM public.sales_0',
        },
        servers,
        client,
      ),
    ).toBeUndefined();
    expect(postgresFailure({ code: '22012', message: 'division by zero' }, servers, client)).toBeUndefined();
  });

  it("says the engine's own connection was lost, with the database's address, with or without foreign servers", () => {
    for (const known of [servers, []]) {
      const error = postgresFailure(new Error('Connection terminated unexpectedly'), known, client);
      expect(error?.message).toBe(
        'the postgres engine: the connection to PostgreSQL at coordinator:5433 was lost mid-run: Connection terminated unexpectedly',
      );
    }
  });
});
