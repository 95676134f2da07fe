import {
  CompiledQuery,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDialectConfig,
} from 'kysely';

/**
 * SQLite with every transaction started as BEGIN IMMEDIATE. A deferred transaction that reads
 * and then writes fails at once (SQLITE_BUSY) when another process committed in between, and
 * the busy timeout cannot help it; taking the write lock up front makes concurrent writers in
 * other processes (publishers, migrators) queue on the busy timeout instead.
 * SQLite also has transactional DDL, which Kysely's adapter does not claim; claiming it makes
 * the migrator run inside such a transaction, so two processes opening a fresh registry at
 * once cannot both create the tables.
 */
export class SqliteImmediateDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new SqliteImmediateDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new SqliteTransactionalDdlAdapter();
  }
}

class SqliteTransactionalDdlAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class SqliteImmediateDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
