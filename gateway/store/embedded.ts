import { mkdirSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Queryable, Store } from './store.ts';

export type StoreRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[]; tx?: number }
  | { id: number; op: 'exec'; script: string }
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

/**
 * PGlite persisted under the data dir, running in a worker thread (embedded-worker.ts) so its
 * synchronous WebAssembly work never blocks exchanges. One process owns the directory at a time.
 */
export async function openEmbeddedStore(directory: string): Promise<Store> {
  mkdirSync(directory, { recursive: true });
  const worker = new Worker(new URL('./embedded-worker.ts', import.meta.url), { workerData: { dataDir: directory } });
  const pending = new Map<number, { resolve: (response: StoreResponse & { ok: true }) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let exited: Error | undefined;

  const ready = new Promise<void>((resolve, reject) => {
    pending.set(0, { resolve: () => resolve(), reject });
  });
  worker.on('message', (response: StoreResponse) => {
    const waiter = pending.get(response.id);
    if (!waiter) return;
    pending.delete(response.id);
    if (response.ok) waiter.resolve(response);
    else waiter.reject(new StoreError(response.error.message, response.error.code));
  });
  const failAll = (error: Error) => {
    exited = error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
  };
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`embedded store worker exited (${code})`)));
  await ready;
  // Idle, the worker must not keep the process alive (tests, CLI commands).
  worker.unref();

  const call = (request: Unsent<StoreRequest>, id = nextId++): Promise<StoreResponse & { ok: true }> => {
    if (exited) return Promise.reject(exited);
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
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
      const finished = new Promise<StoreResponse & { ok: true }>((resolve, reject) => pending.set(-tx!, { resolve, reject }));
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
