import { join } from 'node:path';
import { setImmediate as yieldToExchanges } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import { PassFailures } from '../store/pass-failures.ts';
import { SpoolDir } from '../store/spool-dir.ts';
import type { Queryable, Store } from '../store/store.ts';
import { trafficBulkColumns as columns, trafficRecord, trafficValues as valuesOf, type TrafficRow } from './row.ts';

const uniqueViolation = '23505';

/** Rows per insert statement: within SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const rowsPerInsert = 1000;

/**
 * Writes rows, idempotent on log_id (a row already there is left as it is): spool replays, and
 * exchanges logged in their own transaction.
 */
export async function insertTrafficRows(db: Queryable, rows: readonly TrafficRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += rowsPerInsert) {
    await db.db.insertInto('traffic_log').values(rows.slice(i, i + rowsPerInsert).map(trafficRecord)).onConflict((conflict) => conflict.column('log_id').doNothing()).execute();
  }
}

export interface TrafficLogStats { queued: number; written: number; spooled: number; replayed: number; spoolFiles: number; spoolFailures: number; refused: number }

/** How often a spool that failed (a full disk, a broken directory) is tried again. */
const spoolRetryMs = 1000;

/**
 * The traffic log writer. Exchanges enqueue a row and move on; batches are written off the hot
 * path. A batch the store refuses goes to a spool file under the data dir (written whole, then
 * renamed, so a crash leaves no half file) and is replayed until the store takes it. Replays are
 * idempotent on `log_id`, so a batch written twice is still one row per exchange.
 *
 * Should the spool fail too (a full disk with the store down), rows stay queued in memory, and
 * once the queue is at `maxQueue` the gateway takes no new exchanges (`accepting`): every exchange
 * it served is recorded, and memory stays bounded by the exchanges in flight.
 */
export class TrafficLog {
  private queue: TrafficRow[] = [];
  /** Rows of the batch being written: out of the queue, not yet in the store. */
  private writing = 0;
  private flushing: Promise<void> | undefined;
  private replaying: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private replayTimer: NodeJS.Timeout | undefined;
  private readonly spoolDir: SpoolDir;
  private readonly options: GatewayConfig['trafficLog'];
  private readonly store: Store;
  private readonly log: Logger;
  readonly stats: TrafficLogStats = { queued: 0, written: 0, spooled: 0, replayed: 0, spoolFiles: 0, spoolFailures: 0, refused: 0 };
  /** Why the spool last failed, while it does; undefined once a spool file is written again. */
  private spoolError: { message: string; since: number; triedAt: number } | undefined;
  /** Batches the store refuses while it is down, logged once per outage rather than each. */
  private readonly storeWrites: PassFailures;

  constructor(store: Store, options: GatewayConfig['trafficLog'], dataDir: string, log: Logger) {
    this.store = store;
    this.options = options;
    this.log = log;
    this.storeWrites = new PassFailures(log, 'traffic log writing', 'batches are spooled to disk meanwhile');
    this.spoolDir = new SpoolDir(join(dataDir, 'spool', 'traffic'), '.ndjson');
  }

  start(): void {
    this.flushTimer = setInterval(() => void this.flush(), this.options.flushMs);
    this.flushTimer.unref();
    this.replayTimer = setInterval(() => void this.replay(), this.options.replaySeconds * 1000);
    this.replayTimer.unref();
    void this.replay();
  }

  enqueue(row: TrafficRow): void {
    this.queue.push(row);
    this.countQueued();
    if (this.queue.length >= this.options.maxQueue) {
      // The store cannot keep up: park the backlog on disk rather than grow without bound.
      if (this.mayTrySpool()) this.spool(this.queue.splice(0));
    } else if (this.queue.length >= this.options.batchSize) {
      void this.flush();
    }
  }

  /**
   * False while neither the store nor the spool takes rows and the queue is full: an exchange
   * served now could not be recorded, so the listeners refuse new ones (TRAFFIC_LOG_UNAVAILABLE).
   */
  get accepting(): boolean {
    return this.spoolError === undefined || this.queue.length + this.writing < this.options.maxQueue;
  }

  /** An exchange refused because it could not have been recorded (not itself a row: it never started). */
  countRefused(): void {
    this.stats.refused += 1;
  }

  /** For `/readyz`: what is queued and spooled, and why the spool fails while it does. */
  describe(): string {
    const state = `${this.stats.queued} queued, ${this.stats.spoolFiles} spool files`;
    if (!this.spoolError) return state;
    return `${state}; spool unwritable since ${new Date(this.spoolError.since).toISOString()} (${this.spoolError.message}); ${this.stats.refused} exchanges refused`;
  }

  private mayTrySpool(): boolean {
    return this.spoolError === undefined || Date.now() - this.spoolError.triedAt >= spoolRetryMs;
  }

  /** Writes queued rows in batches; one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.writeQueued().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async writeQueued(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.batchSize);
      this.writing = batch.length;
      try {
        await this.append(batch);
        this.writing = 0;
        this.stats.written += batch.length;
        this.storeWrites.succeeded();
      } catch (error) {
        this.writing = 0;
        this.storeWrites.failed(error as Error);
        if (this.mayTrySpool()) this.spool(batch);
        else this.requeue(batch);
        break;
      } finally {
        this.countQueued();
      }
    }
  }

  /** Rows held in memory: queued, and the batch on its way to the store (it may come back). */
  private countQueued(): void {
    this.stats.queued = this.queue.length + this.writing;
  }

  /**
   * Queued rows are new, so they take the store's fast path. Should one be there already (an
   * exchange that also logged itself early), the idempotent insert writes the batch instead.
   */
  private async append(rows: TrafficRow[]): Promise<void> {
    try {
      await this.store.appendRows('traffic_log', columns, rows.map(valuesOf));
    } catch (error) {
      if ((error as { code?: unknown }).code !== uniqueViolation) throw error;
      await insertTrafficRows(this.store, rows);
    }
  }

  /** Writes rows to a new spool file; when that fails, they go back to the head of the queue. */
  private spool(rows: TrafficRow[]): boolean {
    if (rows.length === 0) return true;
    this.countQueued();
    try {
      this.spoolDir.write(rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    } catch (error) {
      this.stats.spoolFailures += 1;
      this.requeue(rows);
      this.spoolFailed(error as Error);
      return false;
    }
    this.spoolWritable();
    this.stats.spooled += rows.length;
    this.stats.spoolFiles = this.spoolDir.files().length;
    return true;
  }

  /**
   * While the spool is failing, a small file written and removed tells whether the disk took it
   * again, so the state shown stays true even when the store comes back first and nothing spools.
   */
  private probeSpool(): void {
    if (!this.spoolError || !this.mayTrySpool()) return;
    const error = this.spoolDir.probe();
    if (error) {
      this.spoolFailed(error);
      return;
    }
    this.spoolWritable();
  }

  private spoolFailed(error: Error): void {
    if (!this.spoolError) this.log.error({ err: error.message, queued: this.queue.length }, 'traffic log spool unwritable; rows kept in memory, new exchanges refused once the queue is full');
    const now = Date.now();
    this.spoolError = { message: error.message, since: this.spoolError?.since ?? now, triedAt: now };
  }

  private spoolWritable(): void {
    if (this.spoolError) this.log.info({ since: new Date(this.spoolError.since).toISOString() }, 'traffic log spool writable again');
    this.spoolError = undefined;
  }

  /** Rows taken from the head of the queue go back there, in order. */
  private requeue(rows: TrafficRow[]): void {
    this.queue = rows.concat(this.queue);
    this.countQueued();
  }

  /** Moves spooled batches into the store, oldest first; stops at the first failure. */
  replay(): Promise<void> {
    this.probeSpool();
    this.replaying ??= this.replaySpool().catch((error: unknown) => {
      // A spool directory gone bad: the files stay where they are for the next round, or for ops.
      this.log.error({ err: (error as Error).message }, 'traffic log spool replay failed');
    }).finally(() => {
      this.stats.spoolFiles = this.spoolDir.files().length;
      this.replaying = undefined;
    });
    return this.replaying;
  }

  private async replaySpool(): Promise<void> {
    const replayed = { rows: 0, files: 0 };
    try {
      await this.replayFiles(replayed);
    } finally {
      if (replayed.files > 0) this.log.info(replayed, 'spooled traffic log rows replayed');
    }
  }

  private async replayFiles(replayed: { rows: number; files: number }): Promise<void> {
    for (const file of this.spoolDir.files()) {
      let rows: TrafficRow[];
      try {
        rows = this.spoolDir.read(file).split('\n').filter(Boolean).map((line) => JSON.parse(line) as TrafficRow);
      } catch (error) {
        // Written whole and renamed, a spool file is only unreadable after a disk fault or a hand edit.
        this.log.error({ err: (error as Error).message, file: this.spoolDir.setAside(file, 'unreadable') }, 'spooled traffic log file unreadable; set aside');
        continue;
      }
      try {
        for (let i = 0; i < rows.length; i += this.options.batchSize) {
          // The embedded store writes on this thread: exchanges get in between batches.
          if (i > 0) await yieldToExchanges();
          await insertTrafficRows(this.store, rows.slice(i, i + this.options.batchSize));
        }
      } catch {
        return;
      }
      this.spoolDir.remove(file);
      this.stats.replayed += rows.length;
      replayed.rows += rows.length;
      replayed.files += 1;
      await yieldToExchanges();
    }
  }

  /** Final flush on shutdown: everything queued reaches the store or the spool. */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.replayTimer);
    await this.flushing;
    await this.flush();
    if (this.queue.length > 0 && !this.spool(this.queue.splice(0))) {
      // Neither the store nor the disk takes them: the process log is the last place they can go.
      for (const row of this.queue.splice(0)) this.log.error({ trafficRow: row }, 'traffic log row not saved (store and spool unavailable)');
      this.stats.queued = 0;
    }
    await this.replay();
  }
}
