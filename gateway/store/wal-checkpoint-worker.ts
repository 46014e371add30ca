/**
 * Checkpoints the embedded store's WAL into its database file, on a connection of its own in this
 * worker thread: a checkpoint writes pages back and waits for the disk (`fsync`), which on the
 * gateway's connection would hold every exchange (docs/architecture.md, "The embedded store").
 * `PASSIVE`: it copies what no reader still needs and never waits for, or holds up, the gateway's
 * writes. A round that fails (the disk full, another process checkpointing) is tried again at the
 * next; the main thread hears of each new failure, and of the first round that works again.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';

const { file, everyMs } = workerData as { file: string; everyMs: number };
const database = new DatabaseSync(file);
database.exec('pragma synchronous = normal; pragma busy_timeout = 0');
const checkpoint = database.prepare('pragma wal_checkpoint(passive)');
let failing: string | undefined;

const timer = setInterval(() => {
  try {
    checkpoint.get();
    if (failing !== undefined) parentPort!.postMessage({ recovered: true });
    failing = undefined;
  } catch (error) {
    const message = (error as Error).message;
    if (message !== failing) parentPort!.postMessage({ failed: message });
    failing = message;
  }
}, everyMs);
parentPort!.once('message', () => {
  clearInterval(timer);
  database.close();
  parentPort!.close();
});
