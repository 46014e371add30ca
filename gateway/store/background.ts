import { once } from 'node:events';
import type { DatabaseSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { CompiledQuery } from 'kysely';
import type { Logger } from 'pino';
import type { BackgroundNews, BackgroundRequest } from './background-worker.ts';
import { sqliteFailure, sqliteValue } from './sqlite-dialect.ts';
import { StoreUnavailable } from '../errors/store-unavailable.ts';

export interface BackgroundOptions {
  /** How often the WAL is checkpointed (ms). */
  checkpointEveryMs: number;
  /** The worker's module (tests give one that fails). */
  worker?: URL;
  log?: Pick<Logger, 'info' | 'warn'>;
  /** Runs a read on the store's own connection: once the thread has ended. */
  readHere: <R>(query: CompiledQuery<R>) => Promise<R[]>;
}

/**
 * The embedded store's background thread (background-worker.ts): WAL checkpoints and long reads
 * off the event loop. Should it end (it never does on its own), its reads fail as the store being
 * unavailable, later reads run on the store's own connection, and that connection checkpoints
 * again as SQLite does by default (every 1000 pages): the WAL never grows without bound, and the
 * exchanges wait for that work as they would without the thread.
 */
export class BackgroundThread {
  private readonly worker: Worker;
  private readonly database: DatabaseSync;
  private readonly options: BackgroundOptions;
  private readonly pending = new Map<number, { resolve: (rows: unknown[]) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private ended = false;
  private stopping = false;

  constructor(file: string, database: DatabaseSync, options: BackgroundOptions) {
    this.database = database;
    this.options = options;
    database.exec('pragma wal_autocheckpoint = 0');
    // It allocates little (rows of a read page): a small heap keeps its isolate's share of memory small.
    this.worker = new Worker(options.worker ?? new URL('./background-worker.ts', import.meta.url), {
      workerData: { file, checkpointEveryMs: options.checkpointEveryMs },
      resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 32 },
    });
    this.worker.unref();
    this.worker.on('message', (news: BackgroundNews) => this.hear(news));
    this.worker.on('error', (error: Error) => this.end(error.message));
    this.worker.on('exit', (code) => this.end(`exited (${code})`));
  }

  /** Runs a read on the thread, or on the store's connection once the thread has ended. */
  read<R>(query: CompiledQuery<R>): Promise<R[]> {
    if (this.ended) return this.options.readHere(query);
    const id = this.nextId++;
    return new Promise<R[]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (rows: unknown[]) => void, reject });
      // While a read waits on it, the thread keeps the process alive (a CLI command awaiting it).
      if (this.pending.size === 1) this.worker.ref();
      this.worker.postMessage({ id, sql: query.sql, parameters: query.parameters.map(sqliteValue) } satisfies BackgroundRequest);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const exited = once(this.worker, 'exit');
    // It closes its connection and ends; one in the middle of a long read or checkpoint is ended.
    this.worker.postMessage({ stop: true } satisfies BackgroundRequest);
    await Promise.race([exited, sleep(1000)]);
    await this.worker.terminate();
  }

  private hear(news: BackgroundNews): void {
    if ('id' in news) {
      const waiter = this.pending.get(news.id);
      if (!waiter) return;
      this.pending.delete(news.id);
      if (this.pending.size === 0) this.worker.unref();
      if ('rows' in news) waiter.resolve(news.rows);
      else waiter.reject(sqliteFailure(Object.assign(new Error(news.error.message), { errcode: news.error.errcode })));
    } else if ('failed' in news) {
      this.options.log?.warn({ err: news.failed }, 'embedded store: WAL checkpoint failed; tried again every round');
    } else {
      this.options.log?.info('embedded store: WAL checkpoints work again');
    }
  }

  private end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    const cause = new StoreUnavailable(new Error(`the embedded store's background thread ended: ${why}`));
    for (const waiter of this.pending.values()) waiter.reject(cause);
    this.pending.clear();
    if (this.stopping || !this.database.isOpen) return;
    this.options.log?.warn({ err: why }, 'embedded store: its background thread ended; checkpoints and long reads run on the store\'s own connection from now on');
    this.database.exec('pragma wal_autocheckpoint = 1000');
  }
}
