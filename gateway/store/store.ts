import type { Compilable, Expression, Kysely, RawBuilder } from 'kysely';
import type { BulkColumn } from './bulk.ts';
import type { Database } from './schema.ts';

/** `embedded`: SQLite (node:sqlite) under the data dir, one instance. `postgres`: shared by any number. */
export type StoreKind = 'embedded' | 'postgres';

/**
 * The few SQL forms the two stores spell differently, so that every query is still written once
 * (with Kysely) and reads the same on both.
 */
export interface StoreSql {
  /** The store's clock, `seconds` from now (negative: ago), as a time value (schema.ts). */
  now(seconds?: number | Expression<number>): RawBuilder<string>;
  /** The JSON object in `column` with its `field` set to null. */
  jsonWithNull(column: string, field: string): RawBuilder<string>;
}

/** A store, or one transaction of it: the typed query builder and the store's own SQL forms. */
export interface Queryable {
  readonly kind: StoreKind;
  readonly db: Kysely<Database>;
  readonly sql: StoreSql;
  /**
   * Holds lock `id` until the transaction ends, so that two instances (two processes on one
   * PostgreSQL) doing the same change take turns: a PostgreSQL advisory lock. SQLite runs one
   * write transaction at a time already (`begin immediate`): nothing to do.
   */
  exclusive(id: number): Promise<void>;
}

export interface TransactionOptions {
  /** All reads of the transaction see one moment (PostgreSQL `repeatable read`; SQLite always does). */
  snapshot?: boolean;
  /**
   * The transaction only reads: in SQLite it then takes no write lock (a deferred `begin`, which
   * in WAL mode never waits for a writer), so a registry refresh never queues behind the CLI.
   */
  readOnly?: boolean;
}

export interface Store extends Queryable {
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * Appends new rows, all or none, by the store's fastest path: one prepared insert run for each
   * row in one transaction in SQLite, one unnest insert in PostgreSQL. No conflict handling: a key
   * already present fails the whole call (code 23505).
   */
  appendRows(table: string, columns: readonly BulkColumn[], rows: readonly (readonly unknown[])[]): Promise<void>;
  /**
   * Runs a read that may take long (a search that scans the traffic log) where it holds up no
   * exchange: on the embedded store's background thread (SQLite is synchronous, and on the
   * gateway's thread it would stop every exchange while it runs); on PostgreSQL as any query.
   */
  read<O>(query: Compilable<O>): Promise<O[]>;
  /** Runs a script of several statements (migrations). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}
