import { existsSync, mkdirSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { StoreThread, workerFile, type StoreAnswer, type StoreRequest, type Unsent } from './embedded-thread.ts';
import type { Queryable, Store } from './store.ts';
import { StoreUnavailable } from './unavailable.ts';
import { defaultThresholds, PriorityGovernor, processMayLeaveIdle, setThreadMode, type PriorityThresholds, type ThreadMode } from './thread-priority.ts';

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

export interface EmbeddedStoreOptions {
  /** Linux priority of the store's thread (`store.workerNice`). */
  workerNice: number;
  /** Ceiling of the store thread's JavaScript heap, MiB (`store.workerHeapMb`). */
  workerHeapMb?: number;
  /** On Linux, SCHED_IDLE while no call waits on the thread (`store.workerYield`, default true). */
  workerYield?: boolean;
  /** When the thread leaves SCHED_IDLE and goes back (tests shorten them). */
  yieldThresholds?: PriorityThresholds;
  log?: Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
}

export interface EmbeddedStore extends Store {
  /**
   * From now on, a call unanswered after `ms` (0: never) ends the store's thread: PGlite runs one
   * statement at a time and cannot cancel it, so one stuck statement would hold every other call.
   * Not set while migrations run, which may rewrite large tables.
   */
  limitCallTime(ms: number): void;
  /** The serving thread's Linux id and whether it yields now ('idle') or holds its nice level. */
  threadMode(): { tid: number | undefined; mode: ThreadMode };
}

const firstRestartMs = 500;
const lastRestartMs = 30_000;
const settledMs = 60_000;

/**
 * When to start a new thread after one ended: 0.5 s, then 1, 2, 4 ... up to 30 s while each new
 * one ends within a minute (a data dir that fails at every start must not spin a core); the end
 * of a thread that served longer counts as the first again.
 */
export function restartAfter(endsBefore: number, livedMs: number): { endsInARow: number; delayMs: number } {
  const endsInARow = livedMs >= settledMs ? 1 : endsBefore + 1;
  return { endsInARow, delayMs: Math.min(lastRestartMs, firstRestartMs * 2 ** (endsInARow - 1)) };
}

const silent: NonNullable<EmbeddedStoreOptions['log']> = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * PGlite persisted under the data dir, running in a worker thread (embedded-worker.ts) so its
 * synchronous WebAssembly work never blocks exchanges. One process owns the directory at a time.
 * The thread is supervised: when it ends (a fault, a result past its heap, a call past the time
 * limit) calls fail as `StoreUnavailable`, as with a PostgreSQL outage, until a new thread has
 * opened the data dir, which PostgreSQL's recovery brings back to its last commit.
 */
export async function openEmbeddedStore(directory: string, options: EmbeddedStoreOptions): Promise<EmbeddedStore> {
  mkdirSync(directory, { recursive: true });
  if (!existsSync(join(directory, 'PG_VERSION'))) await initialise(directory);
  // libuv's thread pool serves the whole process (file writes, DNS lookups, crypto) and its
  // threads take the priority of the thread that first uses it. Started here, before the store
  // thread lowers its own, it keeps the exchanges' priority.
  await access(directory);
  const log = options.log ?? silent;
  const threadOptions = { nice: options.workerNice, heapMb: options.workerHeapMb ?? 512 };
  let closing = false;
  let endsInARow = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let watchTimer: NodeJS.Timeout | undefined;
  let callLimitMs = 0;
  let opened = false;
  const thresholds = options.yieldThresholds ?? defaultThresholds;
  let yielding = options.workerYield !== false && processMayLeaveIdle(options.workerNice);
  if (options.workerYield !== false && !yielding && process.platform === 'linux') {
    // Not a fault: the thread works as before, only exchanges' tails are longer on a busy machine.
    log.info({ nice: options.workerNice }, 'embedded store thread stays at store.workerNice: without CAP_SYS_NICE or LimitNICE=+<workerNice> it could not leave SCHED_IDLE again once idle');
  }
  let governor: PriorityGovernor | undefined;
  let switching = false;

  const switchMode = async (which: StoreThread, mode: ThreadMode, waitedMs: number) => {
    switching = true;
    try {
      await setThreadMode(which.tid!, mode, options.workerNice);
      log.debug({ mode, waitedMs: Math.round(waitedMs) }, mode === 'idle' ? 'embedded store thread yields its core (SCHED_IDLE)' : 'embedded store thread given its share: calls waited on it');
    } catch (error) {
      if (which !== thread || !which.serving || closing) return; // the thread ended meanwhile: its successor starts afresh
      yielding = false;
      governor = undefined;
      if (mode === 'idle') {
        log.warn({ err: (error as Error).message }, 'embedded store thread could not be set to SCHED_IDLE; it stays at store.workerNice');
      } else {
        // Left idle, the thread would starve on a busy machine: a new one starts at its nice level.
        log.error({ err: (error as Error).message }, 'embedded store thread could not leave SCHED_IDLE; ending it');
        void which.stop(new Error('could not leave SCHED_IDLE'));
      }
    } finally {
      switching = false;
    }
  };
  // Each new thread starts at its nice level and is then made to yield.
  const yieldCore = async (which: StoreThread) => {
    governor = undefined;
    if (!yielding || which.tid === undefined) return;
    await switchMode(which, 'idle', 0);
    if (yielding) governor = new PriorityGovernor(thresholds);
  };

  const ended = (which: StoreThread, cause: StoreUnavailable) => {
    if (!opened || which !== thread || closing) return;
    const next = restartAfter(endsInARow, performance.now() - which.startedAt);
    endsInARow = next.endsInARow;
    const { delayMs } = next;
    log.error({ err: cause.message, restartInMs: delayMs }, 'embedded store thread ended; exchanges that need the store get 503 until a new one has started');
    // Two PGlite instances on one data dir would corrupt it: the old thread must have stopped.
    void which.exited.then(() => {
      if (closing) return;
      restartTimer = setTimeout(() => {
        thread = new StoreThread(directory, threadOptions, ended);
        const started = thread;
        started.ready.then(() => {
          log.info('embedded store thread started again');
          return yieldCore(started);
        }, () => undefined);
      }, delayMs);
      restartTimer.unref();
    });
  };
  let thread = new StoreThread(directory, threadOptions, ended);
  await thread.ready;
  opened = true;
  await yieldCore(thread);

  const watch = () => {
    const now = performance.now();
    const unanswered = thread.longestWait(now);
    const waited = Math.max(unanswered, thread.takeAnsweredWait());
    if (callLimitMs > 0 && unanswered >= callLimitMs) {
      log.error({ waitedMs: Math.round(unanswered) }, 'embedded store call unanswered past store.queryTimeoutSeconds; ending its thread');
      void thread.stop(new Error(`no answer within ${callLimitMs / 1000} s (store.queryTimeoutSeconds)`));
      return;
    }
    if (!governor || switching || !thread.serving) return;
    const mode = governor.observe(waited, now);
    if (mode) void switchMode(thread, mode, waited);
  };
  const rewatch = () => {
    clearInterval(watchTimer);
    const every = Math.min(yielding ? thresholds.raiseAfterMs / 2 : Infinity, callLimitMs > 0 ? Math.min(1000, callLimitMs / 4) : Infinity);
    if (!Number.isFinite(every)) return;
    watchTimer = setInterval(watch, every);
    watchTimer.unref();
  };
  rewatch();
  const call = (request: Unsent<StoreRequest>): Promise<StoreAnswer> => thread.call(request);
  // A transaction lives and dies with the thread that began it: its calls never reach a successor.
  const queryable = (on: { call: typeof call }, tx?: number): Queryable => ({
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await on.call({ op: 'query', sql, params, ...(tx === undefined ? {} : { tx }) })).rows as Row[];
    },
  });

  return {
    kind: 'embedded',
    ...queryable({ call }),
    async transaction(work) {
      const own = thread;
      const { tx } = await own.call({ op: 'begin' });
      const finished = own.expect(-tx!);
      finished.catch(() => undefined);
      let result;
      try {
        result = await work(queryable(own, tx));
      } catch (error) {
        own.send({ op: 'end', tx: tx!, commit: false }, -tx!);
        await finished.catch(() => undefined);
        throw error;
      }
      own.send({ op: 'end', tx: tx!, commit: true }, -tx!);
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
    limitCallTime(ms) {
      callLimitMs = ms;
      rewatch();
    },
    threadMode() {
      return { tid: thread.tid, mode: governor?.mode ?? 'nice' };
    },
    async close() {
      if (closing) return;
      closing = true;
      clearTimeout(restartTimer);
      try {
        if (thread.serving) await call({ op: 'close' });
      } catch (error) {
        // Ended by the time limit behind a statement that would not end: closed all the same.
        if (!(error instanceof StoreUnavailable)) throw error;
        log.error({ err: error.message }, 'embedded store thread ended before it closed cleanly; the next start recovers the data dir as after a crash');
      } finally {
        clearInterval(watchTimer);
        await thread.stop(new Error('embedded store closed'));
      }
    },
  };
}
