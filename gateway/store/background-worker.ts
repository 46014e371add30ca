/**
 * The embedded store's background thread, on a connection of its own to the same SQLite file, for
 * the work that would otherwise hold the gateway's event loop (and every exchange) while it runs:
 * - WAL checkpoints: pages written back into the database file, then an `fsync` (15-20 ms per
 *   thousand pages on the bench machine; docs/architecture.md, "The embedded store"). `PASSIVE`:
 *   it copies what no reader still needs and never waits for, or holds up, the gateway's writes. A
 *   round that fails (the disk full, another process checkpointing) is tried again at the next;
 *   the main thread hears of each new failure, and of the first round that works again.
 * - Long reads (`Store.read`: a traffic search that scans the log): WAL lets them run beside the
 *   gateway's writes, and see the last commit.
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

export type BackgroundRequest = { id: number; sql: string; parameters: SQLInputValue[] } | { stop: true };
export type BackgroundNews =
  | { id: number; rows: unknown[] }
  | { id: number; error: { message: string; errcode: number | undefined } }
  | { failed: string }
  | { recovered: true };

const { file, checkpointEveryMs } = workerData as { file: string; checkpointEveryMs: number };
const port = parentPort!;
const database = new DatabaseSync(file);
database.exec('pragma synchronous = normal; pragma busy_timeout = 0; pragma query_only = true');
const checkpoint = database.prepare('pragma wal_checkpoint(passive)');
let failing: string | undefined;

const timer = setInterval(() => {
  try {
    checkpoint.get();
    if (failing !== undefined) port.postMessage({ recovered: true } satisfies BackgroundNews);
    failing = undefined;
  } catch (error) {
    const message = (error as Error).message;
    if (message !== failing) port.postMessage({ failed: message } satisfies BackgroundNews);
    failing = message;
  }
}, checkpointEveryMs);

port.on('message', (request: BackgroundRequest) => {
  if ('stop' in request) {
    clearInterval(timer);
    database.close();
    port.close();
    return;
  }
  try {
    port.postMessage({ id: request.id, rows: database.prepare(request.sql).all(...request.parameters) } satisfies BackgroundNews);
  } catch (error) {
    port.postMessage({ id: request.id, error: { message: (error as Error).message, errcode: (error as { errcode?: number }).errcode } } satisfies BackgroundNews);
  }
});
