/**
 * Hosts PGlite in a worker thread. PGlite is PostgreSQL compiled to WebAssembly and runs
 * synchronously in its thread: a batch of traffic-log rows takes tens of milliseconds, which on
 * the main thread would hold every exchange waiting behind it. Here it waits on its own.
 */
import { setPriority } from 'node:os';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { csvRecords } from './bulk.ts';
import type { StoreRequest, StoreResponse } from './embedded-thread.ts';
import { currentThreadId } from './thread-priority.ts';

// Run as a program (`node embedded-worker.ts <dir>`), it only creates the data dir: see embedded.ts.
const initOnly = isMainThread;
const { dataDir, nice } = initOnly ? { dataDir: process.argv[2]!, nice: 0 } : (workerData as { dataDir: string; nice: number });
// Traffic-log batches are background work: at a lower priority they run when a core is free
// rather than delay the exchanges for tens of milliseconds (bench/RESULTS.md: added p99). On
// Linux the nice of pid 0 is this thread's alone; elsewhere it would be the whole process's.
if (nice > 0 && process.platform === 'linux') {
  try {
    setPriority(nice);
  } catch {
    // A sandbox that forbids it leaves the thread at the process's priority: slower tails, same data.
  }
}
// PostgreSQL's default 128 MB of shared buffers would be most of a small server's memory for the
// gateway's append-mostly tables; 16 MB keeps the hot index pages cached (bench/RESULTS.md: RSS).
const db = await PGlite.create({ dataDir, postgresqlconf: ['shared_buffers = 16MB'] });
if (initOnly) {
  await db.close();
  process.exit(0);
}
const port = parentPort!;
const transactions = new Map<number, { tx: Transaction; finish: (commit: boolean) => void }>();
let nextTx = 1;

function reply(message: StoreResponse): void {
  port.postMessage(message);
}

function failure(id: number, error: unknown): StoreResponse {
  const e = error as { message?: string; code?: string };
  return { id, ok: false, error: { message: e.message ?? String(error), code: e.code } };
}

async function handle(request: StoreRequest): Promise<void> {
  switch (request.op) {
    case 'query': {
      const target = request.tx === undefined ? db : transactions.get(request.tx)?.tx;
      if (!target) throw new Error(`transaction ${request.tx} is not open`);
      reply({ id: request.id, ok: true, rows: (await target.query(request.sql, request.params)).rows });
      return;
    }
    case 'append':
      // PGlite reads COPY data from its /dev/blob device.
      await db.query(`copy ${request.table} (${request.columns.join(', ')}) from '/dev/blob' with (format csv)`, [], { blob: new Blob([csvRecords(request.rows)]) });
      reply({ id: request.id, ok: true, rows: [] });
      return;
    case 'exec':
      await db.exec(request.script);
      reply({ id: request.id, ok: true, rows: [] });
      return;
    case 'begin': {
      const txId = nextTx++;
      // The transaction stays open until the main thread says commit or rollback.
      db.transaction((tx) => new Promise<void>((resolve, reject) => {
        transactions.set(txId, { tx, finish: (commit) => (commit ? resolve() : reject(new Error('rollback'))) });
        reply({ id: request.id, ok: true, rows: [], tx: txId });
      })).then(
        () => reply({ id: -txId, ok: true, rows: [] }),
        (error: unknown) => reply((error as Error).message === 'rollback' ? { id: -txId, ok: true, rows: [] } : failure(-txId, error)),
      ).finally(() => transactions.delete(txId));
      return;
    }
    case 'end': {
      const open = transactions.get(request.tx);
      if (!open) throw new Error(`transaction ${request.tx} is not open`);
      open.finish(request.commit);
      return; // answered under -txId once PGlite has committed or rolled back
    }
    case 'close':
      await db.close();
      reply({ id: request.id, ok: true, rows: [] });
      port.close();
      return;
  }
}

port.on('message', (request: StoreRequest) => {
  handle(request).catch((error: unknown) => reply(failure(request.id, error)));
});
const tid = currentThreadId();
port.postMessage({ id: 0, ok: true, rows: [], ...(tid === undefined ? {} : { tid }) } satisfies StoreResponse);
