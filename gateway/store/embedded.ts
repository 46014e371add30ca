import { existsSync, mkdirSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Queryable, Store } from './store.ts';
import { StoreUnavailable, storeFailure } from './unavailable.ts';

export type StoreRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[]; tx?: number }
  | { id: number; op: 'exec'; script: string }
  | { id: number; op: 'append'; table: string; columns: string[]; rows: readonly (readonly unknown[])[] }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

export type StoreResponse =
  | { id: number; ok: true; rows: unknown[]; tx?: number }
  | { id: number; ok: false; error: { message: string; code?: string | undefined } };

/** A request without its id (distributes over the union, unlike a plain Omit). */
type Unsent<T> = T extends unknown ? Omit<T, 'id'> : never;

class StoreError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}

const workerFile = new URL('./embedded-worker.ts', import.meta.url);

/**
 * Creates a new data dir in a short-lived process: the first open also compiles initdb, over
 * 100 MiB of machine code that a thread of this process would leave behind in its memory.
 */
function initialise(directory: string): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv.filter((flag) => !flag.startsWith('--inspect')), fileURLToPath(workerFile), directory], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`creating the embedded store in ${directory} failed (${code}): ${errors.trim()}`))));
  });
}

/**
 * PGlite persisted under the data dir, running in a worker thread (embedded-worker.ts) so its
 * synchronous WebAssembly work never blocks exchanges. One process owns the directory at a time.
 */
export async function openEmbeddedStore(directory: string, options: { workerNice: number }): Promise<Store> {
  mkdirSync(directory, { recursive: true });
  if (!existsSync(join(directory, 'PG_VERSION'))) await initialise(directory);
  // libuv's thread pool serves the whole process (file writes, DNS lookups, crypto) and its
  // threads take the priority of the thread that first uses it. Started here, before the store
  // thread lowers its own, it keeps the exchanges' priority.
  await access(directory);
  const worker = new Worker(workerFile, { workerData: { dataDir: directory, nice: options.workerNice } });
  type Waiter = { resolve: (response: StoreResponse & { ok: true }) => void; reject: (error: Error) => void };
  const pending = new Map<number, Waiter>();
  let nextId = 1;
  let exited: Error | undefined;
  // The worker keeps the process alive while an answer is awaited, and only then: an idle store
  // must not hold a finished CLI command or test open, nor may a query be dropped by an exit.
  const wait = (id: number, waiter: Waiter) => {
    pending.set(id, waiter);
    if (pending.size === 1) worker.ref();
  };
  const settled = (id: number) => {
    pending.delete(id);
    if (pending.size === 0) worker.unref();
  };

  const ready = new Promise<void>((resolve, reject) => wait(0, { resolve: () => resolve(), reject }));
  worker.on('message', (response: StoreResponse) => {
    const waiter = pending.get(response.id);
    if (!waiter) return;
    settled(response.id);
    if (response.ok) waiter.resolve(response);
    else waiter.reject(storeFailure(new StoreError(response.error.message, response.error.code)));
  });
  const failAll = (error: Error) => {
    exited = error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on('error', (error) => failAll(new StoreUnavailable(error)));
  worker.on('exit', (code) => failAll(new StoreUnavailable(new Error(`embedded store worker exited (${code})`))));
  await ready;

  const call = (request: Unsent<StoreRequest>, id = nextId++): Promise<StoreResponse & { ok: true }> => {
    if (exited) return Promise.reject(exited);
    return new Promise((resolve, reject) => {
      wait(id, { resolve, reject });
      worker.postMessage({ ...request, id });
    });
  };
  const queryable = (tx?: number): Queryable => ({
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await call({ op: 'query', sql, params, ...(tx === undefined ? {} : { tx }) })).rows as Row[];
    },
  });

  return {
    kind: 'embedded',
    ...queryable(),
    async transaction(work) {
      const { tx } = await call({ op: 'begin' });
      const finished = new Promise<StoreResponse & { ok: true }>((resolve, reject) => wait(-tx!, { resolve, reject }));
      let result;
      try {
        result = await work(queryable(tx));
      } catch (error) {
        worker.postMessage({ id: nextId++, op: 'end', tx: tx!, commit: false } satisfies StoreRequest);
        await finished.catch(() => undefined);
        throw error;
      }
      worker.postMessage({ id: nextId++, op: 'end', tx: tx!, commit: true } satisfies StoreRequest);
      await finished;
      return result;
    },
    async appendRows(table, columns, rows) {
      // The CSV is built in the worker: the thread that answers exchanges only hands the rows over.
      await call({ op: 'append', table, columns: columns.map(({ name }) => name), rows });
    },
    async exec(script) {
      await call({ op: 'exec', script });
    },
    async close() {
      if (exited) return;
      await call({ op: 'close' });
      await worker.terminate();
    },
  };
}
