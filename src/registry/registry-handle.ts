/**
 * The registry handle's types, apart from the code that opens it: migrations and the
 * operations they call (the search index) need them, and registry.ts runs the migrations,
 * so the types live below both.
 */
import type { Kysely, Transaction } from 'kysely';
import type { RegistryDialect } from './registry-dialect.js';
import type { RegistryTables } from './registry-schema.js';

export type { RegistryDialect } from './registry-dialect.js';
export type RegistryDb = Kysely<RegistryTables>;
export type RegistryTx = Transaction<RegistryTables> | Kysely<RegistryTables>;

export interface Registry {
  readonly dialect: RegistryDialect;
  readonly db: RegistryDb;
  /** Where it lives, without credentials: safe to print. */
  readonly description: string;
  close(): Promise<void>;
}
