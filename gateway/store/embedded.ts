import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { once } from 'node:events';
import { setTimeout as sleep, setImmediate as yieldToExchanges } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { Kysely, sql, type Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from './schema.ts';
import { NodeSqliteDialect, sqliteFailure, sqliteValue, whenNotBusy } from './sqlite-dialect.ts';
import type { Queryable, Store, StoreSql } from './store.ts';

export interface EmbeddedStoreOptions {
  /** How long a statement waits for another process's write (the CLI's) before failing as unavailable. */
  busyWaitMs: number;
  /** Checkpoints in a worker thread every so often (ms) instead of on the store's connection; 0: none. */
  checkpointEveryMs?: number;
  /** The checkpoint worker's module (tests give one that fails). */
  checkpointWorker?: URL;
  log?: Pick<Logger, 'info' | 'warn'>;
}

type CheckpointNews = { failed: string } | { recovered: true };

/**
 * Takes the WAL checkpoints off the event loop (wal-checkpoint-worker.ts). Should the worker end
 * (it never does on its own), the store's connection checkpoints again as SQLite does by default
 * (every 1000 pages), so the WAL never grows without bound; the exchanges then wait for the
 * checkpoints, as they would without the worker.
 */
function checkpointInBackground(file: string, database: DatabaseSync, options: EmbeddedStoreOptions): () => Promise<void> {
  const { log } = options;
  database.exec('pragma wal_autocheckpoint = 0');
  // It allocates next to nothing: a small heap keeps its isolate's share of memory small.
  const worker = new Worker(options.checkpointWorker ?? new URL('./wal-checkpoint-worker.ts', import.meta.url), {
    workerData: { file, everyMs: options.checkpointEveryMs },
    resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 16 },
  });
  worker.unref();
  let stopping = false;
  let onOwnConnection = false;
  const fallBack = (why: string) => {
    if (stopping || onOwnConnection || !database.isOpen) return;
    onOwnConnection = true;
    log?.warn({ err: why }, 'embedded store: the WAL checkpoint thread ended; the store checkpoints on its own connection from now on');
    database.exec('pragma wal_autocheckpoint = 1000');
  };
  worker.on('message', (news: CheckpointNews) => {
    if ('failed' in news) log?.warn({ err: news.failed }, 'embedded store: WAL checkpoint failed; tried again every round');
    else log?.info('embedded store: WAL checkpoints work again');
  });
  worker.on('error', (error) => fallBack(error.message));
  worker.on('exit', (code) => fallBack(`exited (${code})`));
  return async () => {
    stopping = true;
    const exited = once(worker, 'exit');
    // It closes its connection and ends; a worker in the middle of a long checkpoint is ended.
    worker.postMessage('stop');
    await Promise.race([exited, sleep(1000)]);
    await worker.terminate();
  };
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
  const stopCheckpoints = options.checkpointEveryMs ? checkpointInBackground(file, database, options) : async () => undefined;
  const db = new Kysely<Database>({ dialect: new NodeSqliteDialect({ database, busyWaitMs: options.busyWaitMs }) });
  const queryable = (on: Kysely<Database>): Queryable => ({ kind: 'embedded', db: on, sql: sqliteSql, exclusive: async () => undefined });
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
          try {
            database.exec('rollback');
          } catch {
            // Rolled back already by the failure (a full disk, an I/O error).
          }
          throw sqliteFailure(error);
        }
      });
    },
    exec(script) {
      return holding(() => whenNotBusy(() => database.exec(script), options.busyWaitMs));
    },
    async close() {
      await stopCheckpoints();
      // The last connection to close checkpoints what is left and removes the WAL.
      await db.destroy();
    },
  };
}
