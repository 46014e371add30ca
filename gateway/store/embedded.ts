import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setImmediate as yieldToExchanges } from 'node:timers/promises';
import { Kysely, sql, type CompiledQuery, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import { BackgroundThread } from './background.ts';
import type { Database } from './schema.ts';
import { NodeSqliteDialect, rollbackQuietly, sqliteFailure, sqliteValue, whenNotBusy } from './sqlite-dialect.ts';
import type { Queryable, Store, StoreSql } from './store.ts';

export interface EmbeddedStoreOptions {
  /** How long a statement waits for another process's write (the CLI's) before failing as unavailable. */
  busyWaitMs: number;
  /**
   * Checkpoints (every so often, ms) and long reads on a background thread (background.ts); 0:
   * none, the store's connection does both (SQLite's default checkpoints).
   */
  checkpointEveryMs?: number;
  /** The background thread's module (tests give one that fails). */
  backgroundWorker?: URL;
  log?: Pick<Logger, 'info' | 'warn'>;
}

const isoNow = "'%Y-%m-%dT%H:%M:%fZ', 'now'";

export const sqliteSql: StoreSql = {
  now: (seconds) => (seconds === undefined ? sql<string>`strftime(${sql.raw(isoNow)})` : sql<string>`strftime(${sql.raw(isoNow)}, ${seconds} || ' seconds')`),
  jsonWithNull: (column, field) => sql<string>`json_set(${sql.ref(column)}, ${`$.${field}`}, null)`,
};

/**
 * Rows appended per step: SQLite is synchronous, so a step holds the event loop (every exchange)
 * while it runs; between steps exchanges go on, the write transaction staying open.
 */
const appendStep = 50;

/**
 * SQLite through Node's built-in `node:sqlite`: one file under the data dir, in WAL mode so that
 * readers never wait for the writer and other processes (the CLI) may open it while the gateway
 * runs; they take turns for writes (see sqlite-dialect.ts). `synchronous = NORMAL`: a commit is
 * durable once the WAL is checkpointed, and a power cut loses at most the last commits, never the
 * file's consistency (https://sqlite.org/wal.html); the traffic log is batched anyway.
 */
export async function openEmbeddedStore(file: string, options: EmbeddedStoreOptions): Promise<Store> {
  mkdirSync(dirname(file), { recursive: true });
  let database: DatabaseSync;
  try {
    database = new DatabaseSync(file);
  } catch (error) {
    throw sqliteFailure(error);
  }
  try {
    // The journal mode is the file's own, so another process may be setting it too: wait for it.
    await whenNotBusy(() => database.exec('pragma journal_mode = wal'), options.busyWaitMs);
    database.exec('pragma synchronous = normal; pragma foreign_keys = on; pragma busy_timeout = 0');
  } catch (error) {
    database.close();
    throw error;
  }
  const db = new Kysely<Database>({ dialect: new NodeSqliteDialect({ database, busyWaitMs: options.busyWaitMs }) });
  const readHere = async <R>(query: CompiledQuery<R>) => (await db.executeQuery(query)).rows;
  const background = options.checkpointEveryMs
    ? new BackgroundThread(file, database, {
      checkpointEveryMs: options.checkpointEveryMs,
      readHere,
      ...(options.backgroundWorker ? { worker: options.backgroundWorker } : {}),
      ...(options.log ? { log: options.log } : {}),
    })
    : undefined;
  const queryable = (on: Kysely<Database>): Queryable => ({ kind: 'embedded', db: on, sql: sqliteSql, exclusive: () => Promise.resolve() });
  // Runs synchronous work on the database while no Kysely call or transaction holds it.
  const holding = <T>(work: () => Promise<T>) => db.connection().execute(() => work());

  return {
    ...queryable(db),
    transaction(work, transactionOptions) {
      // A snapshot needs nothing more: an SQLite transaction reads one moment of the file.
      const builder = transactionOptions?.readOnly ? db.transaction().setAccessMode('read only') : db.transaction();
      return builder.execute((tx: Transaction<Database>) => work(queryable(tx)));
    },
    appendRows(table, columns, rows) {
      const insert = `insert into ${table} (${columns.map(({ name }) => name).join(', ')}) values (${columns.map(() => '?').join(', ')})`;
      return holding(async () => {
        await whenNotBusy(() => database.exec('begin immediate'), options.busyWaitMs);
        try {
          const statement = database.prepare(insert);
          for (let i = 0; i < rows.length; i += appendStep) {
            if (i > 0) await yieldToExchanges();
            for (const row of rows.slice(i, i + appendStep)) statement.run(...row.map(sqliteValue));
          }
          await whenNotBusy(() => database.exec('commit'), options.busyWaitMs);
        } catch (error) {
          rollbackQuietly(database);
          throw sqliteFailure(error);
        }
      });
    },
    exec(script) {
      return holding(() => whenNotBusy(() => database.exec(script), options.busyWaitMs));
    },
    read(query) {
      return background ? background.read(query.compile()) : readHere(query.compile());
    },
    async close() {
      await background?.stop();
      // The last connection to close checkpoints what is left and removes the WAL.
      await db.destroy();
    },
  };
}
