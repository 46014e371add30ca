import { join } from 'node:path';
import { setImmediate as yieldToExchanges } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import { instanceId } from '../store/log-chain.ts';
import { PassFailures } from '../store/pass-failures.ts';
import { SpoolDir } from '../store/spool-dir.ts';
import type { Queryable, Store } from '../store/store.ts';
import { laterHead, spooledTrafficHead, storedTrafficHead, TrafficChain } from './chain.ts';
import { trafficBulkColumns as columns, trafficRecord, trafficValues as valuesOf, type TrafficRow } from './row.ts';

const uniqueViolation = '23505';

/** Rows per insert statement: within SQLite's 32,766 and PostgreSQL's 65,535 parameters. */
const rowsPerInsert = 1000;

/**
 * Writes rows, idempotent on log_id: spool replays, and exchanges logged in their own transaction.
 * A row already there keeps what it holds, except that one written unchained (an async
 * delivery's acceptance, in the outbox's transaction) takes its place in the chain from the
 * writer's copy, which holds the same values.
 */
export async function insertTrafficRows(db: Queryable, rows: readonly TrafficRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += rowsPerInsert) {
    await db.db.insertInto('traffic_log').values(rows.slice(i, i + rowsPerInsert).map(trafficRecord))
      .onConflict((conflict) => conflict.column('log_id')
        .doUpdateSet((eb) => ({ chain: eb.ref('excluded.chain'), chain_seq: eb.ref('excluded.chain_seq'), hash: eb.ref('excluded.hash') }))
        .where('traffic_log.chain', 'is', null))
      .execute();
  }
}

/** The place and hash of a chained row, as a checkpoint signs it. */
export interface TrafficHead { chain: string; seq: number; hash: string }

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
 *
 * Rows join this instance's hash chain (chain.ts) as they leave the queue, in queue order, before
 * they go to the store or the spool: a spooled batch keeps its places and hashes, and a row the
 * gateway never got to write (a crash) has none, so the next start goes on from the last row the
 * store or the spool holds, without a gap. The head is read once, before the first batch.
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
  readonly chainId: string;
  private chain: TrafficChain | undefined;
  private chainLoading: Promise<TrafficChain> | undefined;
  /** Rows an exchange wrote itself, unchained, in its own transaction: the writer only chains them. */
  private readonly stored = new WeakSet<TrafficRow>();
  private durableHead: TrafficHead | undefined;
  private readonly durableListeners: ((head: TrafficHead) => void)[] = [];

  /** `chainId`: this instance's id (gateway/store/log-chain.ts `instanceId`), by default the data dir's. */
  constructor(store: Store, options: GatewayConfig['trafficLog'], dataDir: string, log: Logger, chainId = instanceId(dataDir)) {
    this.store = store;
    this.options = options;
    this.log = log;
    this.chainId = chainId;
    this.storeWrites = new PassFailures(log, 'traffic log writing', 'batches are spooled to disk meanwhile');
    this.spoolDir = new SpoolDir(join(dataDir, 'spool', 'traffic'), '.ndjson');
  }

  /** Reads the chain's head, then writes every `flushMs` and replays the spool every `replaySeconds`. */
  async start(): Promise<void> {
    this.flushTimer = setInterval(() => void this.flush(), this.options.flushMs);
    this.flushTimer.unref();
    this.replayTimer = setInterval(() => void this.replay(), this.options.replaySeconds * 1000);
    this.replayTimer.unref();
    try {
      await this.loadChain();
    } catch (error) {
      // The store went away since it was opened: the first flush that reaches it reads the head.
      this.storeWrites.failed(error as Error);
    }
    void this.replay();
  }

  enqueue(row: TrafficRow): void {
    this.queue.push(row);
    this.countQueued();
    if (this.queue.length >= this.options.maxQueue) {
      // The store cannot keep up: park the backlog on disk rather than grow without bound (once
      // the chain's head is known: a spooled row has its place).
      if (this.chain && this.mayTrySpool()) this.spool(this.queue.splice(0));
    } else if (this.queue.length >= this.options.batchSize) {
      void this.flush();
    }
  }

  /**
   * A row an exchange already wrote in its own transaction, unchained (an async delivery's
   * acceptance): it takes its place in the chain with the rows around it, and the writer sets
   * its chain columns in the store. `row` must hold exactly what was written.
   */
  chainStored(row: TrafficRow): void {
    this.stored.add(row);
    this.enqueue(row);
  }

  /**
   * The last chained row known to be in the store or a spool file (rows below it may still be in
   * a spool file): what a checkpoint may sign without ever naming a row a crash could lose.
   */
  get durable(): TrafficHead | undefined {
    return this.durableHead;
  }

  /** Called after each batch that reached the store or the spool, with the new durable head. */
  onDurable(listener: (head: TrafficHead) => void): void {
    this.durableListeners.push(listener);
  }

  /**
   * False while neither the store nor the spool takes rows and the queue is full: an exchange
   * served now could not be recorded, so the listeners refuse new ones (TRAFFIC_LOG_UNAVAILABLE).
   * Likewise while the chain's head is still unknown (the store gone since the gateway opened it).
   */
  get accepting(): boolean {
    const held = this.queue.length + this.writing;
    if (!this.chain && held >= this.options.maxQueue) return false;
    return this.spoolError === undefined || held < this.options.maxQueue;
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
    if (this.queue.length === 0) return;
    let chain: TrafficChain;
    try {
      chain = await this.loadChain();
    } catch (error) {
      this.storeWrites.failed(error as Error);
      return;
    }
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.batchSize);
      for (const row of batch) chain.seal(row);
      this.writing = batch.length;
      try {
        await this.append(batch);
        this.writing = 0;
        this.stats.written += batch.length;
        this.storeWrites.succeeded();
        this.madeDurable(batch);
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
    const fresh = rows.filter((row) => !this.stored.has(row));
    try {
      if (fresh.length > 0) await this.store.appendRows('traffic_log', columns, fresh.map(valuesOf));
    } catch (error) {
      if ((error as { code?: unknown }).code !== uniqueViolation) throw error;
      await insertTrafficRows(this.store, fresh);
    }
    // Written already, unchained: the idempotent insert sets their chain columns.
    if (fresh.length < rows.length) await insertTrafficRows(this.store, rows.filter((row) => this.stored.has(row)));
  }

  /**
   * The chain's head, read once: the later of the last row the spool files hold and the last
   * the store holds. The spool is read first: a replay moves a file's rows into the store before
   * it removes the file, so every row is in one of the two whenever each is read.
   */
  private loadChain(): Promise<TrafficChain> {
    if (this.chain) return Promise.resolve(this.chain);
    this.chainLoading ??= (async () => {
      const spooled = spooledTrafficHead(this.spoolDir.path, this.chainId);
      const head = laterHead(spooled, await storedTrafficHead(this.store, this.chainId));
      this.chain = new TrafficChain(this.chainId, head);
      if (head.seq > 0) this.durableHead = { chain: this.chainId, ...this.chain.last };
      return this.chain;
    })().finally(() => {
      this.chainLoading = undefined;
    });
    return this.chainLoading;
  }

  /** Rows now in the store or a spool file: the durable head moves on to the highest of them. */
  private madeDurable(rows: readonly TrafficRow[]): void {
    let top = this.durableHead;
    for (const row of rows) {
      if (row.chain !== this.chainId || !row.chainSeq || !row.hash) continue;
      if (!top || row.chainSeq > top.seq) top = { chain: this.chainId, seq: row.chainSeq, hash: row.hash };
    }
    if (top === this.durableHead || !top) return;
    this.durableHead = top;
    for (const listener of this.durableListeners) listener(top);
  }

  /**
   * Writes rows to a new spool file; when that fails, they go back to the head of the queue. They
   * are chained first, unless the chain's head could never be read (the store gone from the
   * moment the gateway started until it stops): those are replayed unchained.
   */
  private spool(rows: TrafficRow[]): boolean {
    if (rows.length === 0) return true;
    if (this.chain) for (const row of rows) this.chain.seal(row);
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
    this.madeDurable(rows);
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
