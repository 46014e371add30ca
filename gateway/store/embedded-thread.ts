import { Worker } from 'node:worker_threads';
import { StoreUnavailable, storeFailure } from './unavailable.ts';

export type StoreRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[]; tx?: number }
  | { id: number; op: 'exec'; script: string }
  | { id: number; op: 'append'; table: string; columns: string[]; rows: readonly (readonly unknown[])[] }
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'close' };

export type StoreResponse =
  | { id: number; ok: true; rows: unknown[]; tx?: number; tid?: number }
  | { id: number; ok: false; error: { message: string; code?: string | undefined } };

export type StoreAnswer = StoreResponse & { ok: true };

/** A request without its id (distributes over the union, unlike a plain Omit). */
export type Unsent<T> = T extends unknown ? Omit<T, 'id'> : never;

class StoreError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}

interface Waiter {
  resolve: (answer: StoreAnswer) => void;
  reject: (error: Error) => void;
  /** When the thread was asked (ms, monotonic); unset while the answer waits on the main thread's own work. */
  askedAt: number | undefined;
}

export const workerFile = new URL('./embedded-worker.ts', import.meta.url);

/**
 * One PGlite worker thread (embedded-worker.ts) and the calls waiting on it. A thread that ends,
 * for whatever reason, fails every call waiting on it and every later one with
 * `StoreUnavailable`; the store (embedded.ts) then starts another.
 */
export class StoreThread {
  /** Resolves once PGlite has opened the data dir; rejects if the thread ends before. */
  readonly ready: Promise<void>;
  /** Resolves once the thread has stopped running: only then may another open the data dir. */
  readonly exited: Promise<void>;
  readonly startedAt = performance.now();
  /** The thread's Linux id, once it has opened (for its scheduling: thread-priority.ts). */
  tid: number | undefined;
  private isReady = false;
  /** The longest wait of a call answered since `takeAnsweredWait` last looked (ms). */
  private answeredWait = 0;
  /** Why the thread ended; set once. */
  private endedBy: StoreUnavailable | undefined;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Waiter>();
  private nextId = 1;
  private readonly onEnd: (thread: StoreThread, cause: StoreUnavailable) => void;

  constructor(directory: string, options: { nice: number; heapMb: number }, onEnd: (thread: StoreThread, cause: StoreUnavailable) => void) {
    this.onEnd = onEnd;
    // A result too large for the thread's heap ends the thread, which is started again, rather
    // than grow the process until the server runs out of memory.
    this.worker = new Worker(workerFile, {
      workerData: { dataDir: directory, nice: options.nice },
      resourceLimits: { maxOldGenerationSizeMb: options.heapMb },
    });
    this.ready = new Promise<StoreAnswer>((resolve, reject) => this.wait(0, { resolve, reject, askedAt: undefined })).then((hello) => {
      this.isReady = true;
      this.tid = hello.tid;
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (response: StoreResponse) => this.answer(response));
    this.worker.on('error', (error) => this.end(error));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.on('exit', (code) => this.end(new Error(`embedded store thread exited (${code})`)));
  }

  /** Open and not ended: takes calls. */
  get serving(): boolean {
    return this.isReady && !this.endedBy;
  }

  /** Sends a request and waits for its answer. */
  call(request: Unsent<StoreRequest>): Promise<StoreAnswer> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.wait(id, { resolve, reject, askedAt: performance.now() });
      this.worker.postMessage({ ...request, id });
    });
  }

  /** Waits for an answer the thread sends under `id` once a later request asks for it (a transaction's end). */
  expect(id: number): Promise<StoreAnswer> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    return new Promise((resolve, reject) => this.wait(id, { resolve, reject, askedAt: undefined }));
  }

  /** Sends a request answered under the id of an earlier `expect`, whose clock starts now. */
  send(request: Unsent<StoreRequest>, answeredAs: number): void {
    const waiter = this.pending.get(answeredAs);
    if (waiter) waiter.askedAt = performance.now();
    this.worker.postMessage({ ...request, id: this.nextId++ });
  }

  /** How long the oldest unanswered request has waited (ms); 0 when none. */
  longestWait(now = performance.now()): number {
    let longest = 0;
    for (const { askedAt } of this.pending.values()) if (askedAt !== undefined) longest = Math.max(longest, now - askedAt);
    return longest;
  }

  /** The longest wait of a call answered since the last look (ms); the next look starts from 0. */
  takeAnsweredWait(): number {
    const longest = this.answeredWait;
    this.answeredWait = 0;
    return longest;
  }

  /** Ends the thread at once, whatever it is doing; calls waiting fail with `cause`. */
  async stop(cause: Error): Promise<void> {
    this.end(cause);
    await this.worker.terminate();
  }

  private refusal(): StoreUnavailable | undefined {
    return this.endedBy ?? (this.isReady ? undefined : new StoreUnavailable(new Error('embedded store thread starting')));
  }

  // The thread keeps the process alive while an answer is awaited, and only then: an idle store
  // must not hold a finished CLI command or test open, nor may a query be dropped by an exit.
  private wait(id: number, waiter: Waiter): void {
    this.pending.set(id, waiter);
    if (this.pending.size === 1) this.worker.ref();
  }

  private answer(response: StoreResponse): void {
    const waiter = this.pending.get(response.id);
    if (!waiter) return;
    this.pending.delete(response.id);
    if (this.pending.size === 0) this.worker.unref();
    if (waiter.askedAt !== undefined) this.answeredWait = Math.max(this.answeredWait, performance.now() - waiter.askedAt);
    if (response.ok) waiter.resolve(response);
    else waiter.reject(storeFailure(new StoreError(response.error.message, response.error.code)));
  }

  private end(cause: Error): void {
    if (this.endedBy) return;
    this.endedBy = new StoreUnavailable(cause);
    for (const waiter of this.pending.values()) waiter.reject(this.endedBy);
    this.pending.clear();
    this.onEnd(this, this.endedBy);
  }
}
