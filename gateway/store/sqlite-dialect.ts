import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CompiledQuery, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler,
  type DatabaseConnection, type Dialect, type Driver, type QueryResult, type TransactionSettings,
} from 'kysely';
import { StoreUnavailable } from '../errors/store-unavailable.ts';

/**
 * A Kysely dialect over Node's built-in `node:sqlite` (Kysely's own SQLite dialect is written for
 * better-sqlite3, a native addon). What it adds to a plain driver:
 * - Another process writing the same file (the CLI's `apply` while the gateway serves) makes a
 *   write meet SQLITE_BUSY. SQLite's own busy handler would sleep on the event loop, holding every
 *   exchange; here the statement (which did nothing) is tried again after an asynchronous pause,
 *   until `busyWaitMs`, then fails as the store being unavailable.
 * - Transactions begin `immediate`: they take the write lock first, where a wait is safe, rather
 *   than meet a lock half way through; read-only ones (`setAccessMode('read only')`) take none.
 * - Errors say what they mean to the gateway: a full disk, a read-only file, a lock held too long,
 *   an I/O error are `StoreUnavailable`; a broken constraint carries PostgreSQL's SQLSTATE
 *   (23505 unique, 23503 foreign key, 23514 check, 23502 not null), so callers test one code.
 * - Prepared statements are kept by their text: a query built again compiles once.
 */
export interface NodeSqliteDialectOptions {
  database: DatabaseSync;
  /** How long a statement may wait for another process's lock before the store counts as unavailable. */
  busyWaitMs: number;
}

export class NodeSqliteDialect implements Dialect {
  private readonly options: NodeSqliteDialectOptions;

  constructor(options: NodeSqliteDialectOptions) {
    this.options = options;
  }

  createAdapter() {
    return new SqliteAdapter();
  }

  createDriver(): Driver {
    return new NodeSqliteDriver(this.options);
  }

  createQueryCompiler() {
    return new SqliteQueryCompiler();
  }

  createIntrospector(db: Parameters<Dialect['createIntrospector']>[0]) {
    return new SqliteIntrospector(db);
  }
}

// Primary result codes (https://sqlite.org/rescode.html) that mean the database cannot serve now.
const unavailableCodes: Record<number, string> = {
  5: 'SQLITE_BUSY', 6: 'SQLITE_LOCKED', 7: 'SQLITE_NOMEM', 8: 'SQLITE_READONLY', 10: 'SQLITE_IOERR',
  11: 'SQLITE_CORRUPT', 13: 'SQLITE_FULL', 14: 'SQLITE_CANTOPEN', 15: 'SQLITE_PROTOCOL', 26: 'SQLITE_NOTADB',
};
// Extended SQLITE_CONSTRAINT codes and the SQLSTATE PostgreSQL gives the same fault.
const constraintStates: Record<number, string> = { 275: '23514', 787: '23503', 1299: '23502', 1555: '23505', 2067: '23505' };
const busy = 5;

/** A statement SQLite refused, with the SQLSTATE of its PostgreSQL twin where there is one. */
export class SqliteStatementError extends Error {
  readonly code: string | undefined;
  readonly errcode: number;
  constructor(message: string, errcode: number) {
    super(message);
    this.name = 'SqliteStatementError';
    this.errcode = errcode;
    this.code = constraintStates[errcode];
  }
}

/** An error of node:sqlite as the gateway reads it (see the dialect's comment). */
export function sqliteFailure(error: unknown): Error {
  const errcode = (error as { errcode?: unknown }).errcode;
  if (!(error instanceof Error) || typeof errcode !== 'number' || error instanceof SqliteStatementError) return error as Error;
  const unavailable = unavailableCodes[errcode & 0xff];
  if (unavailable) return new StoreUnavailable(Object.assign(new Error(error.message), { code: unavailable }));
  return new SqliteStatementError(error.message, errcode);
}

const errcodeOf = (error: unknown) => (error as { errcode?: number }).errcode;

/** A parameter as node:sqlite takes it: times as ISO text (schema.ts), booleans as 0 and 1. */
export function sqliteValue(value: unknown): SQLInputValue {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value as SQLInputValue;
}

/**
 * Runs `work` (synchronous SQLite calls), and again after a pause while it meets another
 * process's lock (SQLITE_BUSY: the statement did nothing), for `busyWaitMs` at most. Errors come
 * out as `sqliteFailure` reads them.
 */
export async function whenNotBusy<T>(work: () => T, busyWaitMs: number): Promise<T> {
  let waited = 0;
  for (let pause = 2; ; pause = Math.min(pause * 2, 100)) {
    try {
      return work();
    } catch (error) {
      if (((errcodeOf(error) ?? 0) & 0xff) !== busy || waited >= busyWaitMs) throw sqliteFailure(error);
    }
    await sleep(pause);
    waited += pause;
  }
}

/** Ends the open transaction; a failed statement (a full disk, an I/O error) may have ended it already. */
export function rollbackQuietly(database: DatabaseSync): void {
  try {
    database.exec('rollback');
  } catch {
    // No transaction left to roll back.
  }
}

/** One connection shared by every call, one holder at a time (a transaction spans awaits). */
class NodeSqliteDriver implements Driver {
  private readonly options: NodeSqliteDialectOptions;
  private readonly connection: NodeSqliteConnection;
  private holder: Promise<void> = Promise.resolve();
  private releaseHolder: (() => void) | undefined;

  constructor(options: NodeSqliteDialectOptions) {
    this.options = options;
    this.connection = new NodeSqliteConnection(options.database, options.busyWaitMs);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.holder;
    let release!: () => void;
    this.holder = new Promise((resolve) => (release = resolve));
    await previous;
    this.releaseHolder = release;
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(settings.accessMode === 'read only' ? 'begin' : 'begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  rollbackTransaction(): Promise<void> {
    rollbackQuietly(this.options.database);
    return Promise.resolve();
  }

  releaseConnection(): Promise<void> {
    const release = this.releaseHolder;
    this.releaseHolder = undefined;
    release?.();
    return Promise.resolve();
  }

  destroy(): Promise<void> {
    if (this.options.database.isOpen) this.options.database.close();
    return Promise.resolve();
  }
}

const cacheSize = 256;

class NodeSqliteConnection implements DatabaseConnection {
  private readonly database: DatabaseSync;
  private readonly busyWaitMs: number;
  private readonly statements = new Map<string, { statement: StatementSync; reader: boolean }>();

  constructor(database: DatabaseSync, busyWaitMs: number) {
    this.database = database;
    this.busyWaitMs = busyWaitMs;
  }

  executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const parameters = compiled.parameters.map(sqliteValue);
    return whenNotBusy(() => this.run<R>(compiled.sql, parameters), this.busyWaitMs);
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported by the embedded store');
  }

  private run<R>(sql: string, parameters: SQLInputValue[]): QueryResult<R> {
    const { statement, reader } = this.prepare(sql);
    if (reader) return { rows: statement.all(...parameters) as R[] };
    const { changes } = statement.run(...parameters);
    return { numAffectedRows: BigInt(changes), rows: [] };
  }

  private prepare(sql: string): { statement: StatementSync; reader: boolean } {
    let prepared = this.statements.get(sql);
    if (prepared) {
      // Most recently used last: the first key is the one to drop when the cache is full.
      this.statements.delete(sql);
    } else {
      const statement = this.database.prepare(sql);
      // `columns()` is Node 22.16+; before, the statement's text tells whether it returns rows.
      const reader = typeof statement.columns === 'function' ? statement.columns().length > 0 : /^\s*(select|with|pragma|values)\b|\breturning\b/i.test(sql);
      prepared = { statement, reader };
      if (this.statements.size >= cacheSize) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(sql, prepared);
    return prepared;
  }
}
