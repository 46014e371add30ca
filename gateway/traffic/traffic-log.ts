import { mkdirSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import { columnArrays, unnestInsert } from '../store/bulk.ts';
import type { Queryable, Store } from '../store/store.ts';
import { trafficBulkColumns as columns, trafficValues as valuesOf, type TrafficRow } from './row.ts';

const insertSql = unnestInsert('traffic_log', columns, 'on conflict (log_id) do nothing');
const uniqueViolation = '23505';

/** Writes rows at once, idempotent on log_id: spool replays, and exchanges logged in their own transaction. */
export async function insertTrafficRows(db: Queryable, rows: readonly TrafficRow[]): Promise<void> {
  await db.query(insertSql, columnArrays(columns, rows.map(valuesOf)));
}

export interface TrafficLogStats { queued: number; written: number; spooled: number; replayed: number; spoolFiles: number }

/**
 * The traffic log writer. Exchanges enqueue a row and move on; batches are written off the hot
 * path. A batch the store refuses goes to a spool file under the data dir (written whole, then
 * renamed, so a crash leaves no half file) and is replayed until the store takes it. Replays are
 * idempotent on `log_id`, so a batch written twice is still one row per exchange.
 */
export class TrafficLog {
  private queue: TrafficRow[] = [];
  private flushing: Promise<void> | undefined;
  private replaying: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private replayTimer: NodeJS.Timeout | undefined;
  private spoolSeq = 0;
  private readonly spoolDir: string;
  private readonly options: GatewayConfig['trafficLog'];
  private readonly store: Store;
  private readonly log: Logger;
  readonly stats: TrafficLogStats = { queued: 0, written: 0, spooled: 0, replayed: 0, spoolFiles: 0 };

  constructor(store: Store, options: GatewayConfig['trafficLog'], dataDir: string, log: Logger) {
    this.store = store;
    this.options = options;
    this.log = log;
    this.spoolDir = join(dataDir, 'spool', 'traffic');
    mkdirSync(this.spoolDir, { recursive: true });
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
    this.stats.queued = this.queue.length;
    if (this.queue.length >= this.options.maxQueue) {
      // The store cannot keep up: park the backlog on disk rather than grow without bound.
      this.spool(this.queue.splice(0));
    } else if (this.queue.length >= this.options.batchSize) {
      void this.flush();
    }
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
      this.stats.queued = this.queue.length;
      try {
        await this.append(batch);
        this.stats.written += batch.length;
      } catch (error) {
        this.log.warn({ err: (error as Error).message, rows: batch.length }, 'traffic log store unavailable; batch spooled to disk');
        this.spool(batch);
        break;
      }
    }
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

  private spool(rows: TrafficRow[]): void {
    if (rows.length === 0) return;
    this.stats.queued = this.queue.length;
    const name = `${Date.now().toString().padStart(15, '0')}-${process.pid}-${(this.spoolSeq++).toString().padStart(6, '0')}.ndjson`;
    const temporary = join(this.spoolDir, `.${name}.tmp`);
    writeFileSync(temporary, rows.map((row) => JSON.stringify(row)).join('\n') + '\n', { flush: true });
    renameSync(temporary, join(this.spoolDir, name));
    this.stats.spooled += rows.length;
    this.stats.spoolFiles = this.spoolFiles().length;
  }

  private spoolFiles(): string[] {
    return readdirSync(this.spoolDir).filter((file) => file.endsWith('.ndjson')).sort();
  }

  /** Moves spooled batches into the store, oldest first; stops at the first failure. */
  replay(): Promise<void> {
    this.replaying ??= this.replaySpool().finally(() => {
      this.stats.spoolFiles = this.spoolFiles().length;
      this.replaying = undefined;
    });
    return this.replaying;
  }

  private async replaySpool(): Promise<void> {
    for (const file of this.spoolFiles()) {
      const path = join(this.spoolDir, file);
      let rows: TrafficRow[];
      try {
        rows = readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as TrafficRow);
      } catch (error) {
        // Written whole and renamed, a spool file is only unreadable after a disk fault or a hand
        // edit. Set aside (kept for ops, not retried), it no longer blocks the files behind it.
        renameSync(path, `${path}.unreadable`);
        this.log.error({ err: (error as Error).message, file: `${file}.unreadable` }, 'spooled traffic log file unreadable; set aside');
        continue;
      }
      try {
        for (let i = 0; i < rows.length; i += this.options.batchSize) await insertTrafficRows(this.store, rows.slice(i, i + this.options.batchSize));
      } catch {
        return;
      }
      unlinkSync(path);
      this.stats.replayed += rows.length;
      this.log.info({ rows: rows.length, file }, 'spooled traffic log rows replayed');
    }
  }

  /** Final flush on shutdown: everything queued reaches the store or the spool. */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.replayTimer);
    await this.flushing;
    await this.flush();
    if (this.queue.length > 0) this.spool(this.queue.splice(0));
    await this.replay();
  }
}
