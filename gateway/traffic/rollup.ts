import { setImmediate as yieldToExchanges } from 'node:timers/promises';
import type { Logger } from 'pino';
import { PassFailures } from '../store/pass-failures.ts';
import type { TrafficCallerHoursTable, TrafficRollupTable } from '../store/schema.ts';
import type { Queryable, Store } from '../store/store.ts';
import { addRow, addStored, bucketStart, emptyCounts, Keyed, rolledColumns, storedCounts, type RolledRow, type RollupCounts } from './rollup-counts.ts';

/** Held while rolling on PostgreSQL: two instances never roll the same rows twice. */
const rollupLock = 7405003;
export const minuteSeconds = 60;
export const hourSeconds = 3600;
/** Minute buckets are kept this long: the services view's day window needs the last 24 hours. */
export const minuteRetentionSeconds = 48 * hourSeconds;
/** Rows per statement of the upserts: within both stores' parameter limits. */
const rowsPerUpsert = 250;

export interface TrafficRollupOptions {
  /** Seconds between two rounds. */
  intervalSeconds?: number;
  /**
   * Traffic rows per transaction. A chunk is added up on the gateway's thread, between exchanges:
   * a thousand rows keep each step to a few milliseconds of event-loop delay while a long backlog
   * is rolled.
   */
  chunkRows?: number;
  /** Rows one round rolls at most, so that a backlog (the first start on a long log) is rolled a bit each round. */
  maxRowsPerRun?: number;
  /**
   * PostgreSQL only: rows are rolled once the highest `seq` seen is this old. A sequence number is
   * taken when a row is inserted, not when it is committed, so right after a commit a lower one
   * may still be on its way (another instance's batch, an outbox transaction); the statement
   * timeout (`store.queryTimeoutSeconds`, 30 s by default) bounds how long. In SQLite, writers
   * take turns, so numbers are committed in order and nothing waits.
   */
  settleSeconds?: number;
  /** The clock (tests). */
  now?: () => Date;
}

export interface TrafficRollupStats { rolledSeq: number; rows: number; rounds: number; failedRounds: number }

type Parts = readonly [number, string];
type CallerParts = readonly [number, 'consumer' | 'partner', string, string];

/** The rows of one chunk, added up per minute, per hour, and per hour and caller. */
interface Chunk { minutes: Keyed<Parts, RollupCounts>; hours: Keyed<Parts, RollupCounts>; callerHours: Keyed<CallerParts, RollupCounts> }

/**
 * Rolls the traffic log up into per-minute and per-hour buckets (traffic_minutes, traffic_hours,
 * traffic_caller_hours) in the background, by `seq`: every row is rolled once, whatever its `at`,
 * so rows replayed late from the spool land in their own (older) buckets. Each chunk is read off
 * the gateway's thread (`Store.read`), added up here, and written with the state row that says how
 * far the log is rolled, in one short transaction; should that state have moved meanwhile (another
 * instance on the same PostgreSQL), the chunk is dropped and read again from there.
 */
export class TrafficRollup {
  readonly stats: TrafficRollupStats = { rolledSeq: 0, rows: 0, rounds: 0, failedRounds: 0 };
  private readonly store: Store;
  private readonly log: Logger;
  private readonly failures: PassFailures;
  private readonly intervalMs: number;
  private readonly chunkRows: number;
  private readonly maxRowsPerRun: number;
  private readonly settleMs: number;
  private readonly now: () => Date;
  /** PostgreSQL: the highest seq seen at each round, until it is settled. */
  private seen: { seq: number; at: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  private purgedAt = 0;

  constructor(store: Store, log: Logger, options: TrafficRollupOptions = {}) {
    this.store = store;
    this.log = log;
    this.failures = new PassFailures(log, 'traffic rollup', 'the services view reads the rows not yet rolled');
    this.intervalMs = (options.intervalSeconds ?? 15) * 1000;
    this.chunkRows = options.chunkRows ?? 1000;
    this.maxRowsPerRun = options.maxRowsPerRun ?? 200_000;
    this.settleMs = store.kind === 'postgres' ? (options.settleSeconds ?? 30) * 1000 : 0;
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    this.timer = setInterval(() => void this.round(), this.intervalMs);
    this.timer.unref();
    void this.round();
  }

  /** Stops the rounds; the one running, if any, finishes its chunk. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One round now (one at a time): rolls what is due, up to `maxRowsPerRun` rows; resolves to the rows rolled. */
  runOnce(): Promise<number> {
    this.running ??= this.roll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async round(): Promise<void> {
    try {
      await this.runOnce();
      this.failures.succeeded();
    } catch (error) {
      this.stats.failedRounds += 1;
      this.failures.failed(error as Error);
    }
  }

  private async roll(): Promise<number> {
    this.stats.rounds += 1;
    const horizon = await this.horizon();
    let rolled = 0;
    while (rolled < this.maxRowsPerRun) {
      const [state] = await this.store.read(this.store.db.selectFrom('traffic_rollup_state').select('rolled_seq'));
      const from = Number(state?.rolled_seq ?? 0);
      this.stats.rolledSeq = from;
      if (horizon !== null && from >= horizon) break;
      const rows = await this.store.read(this.store.db.selectFrom('traffic_log').select([...rolledColumns])
        .where('seq', '>', from)
        .$if(horizon !== null, (q) => q.where('seq', '<=', horizon!))
        .orderBy('seq').limit(this.chunkRows)) as RolledRow[];
      if (rows.length === 0) break;
      const to = Number(rows.at(-1)!.seq);
      const written = await this.write(this.chunkOf(rows), from, to);
      if (!written) break;
      this.stats.rolledSeq = to;
      rolled += rows.length;
      this.stats.rows += rows.length;
      await yieldToExchanges();
    }
    await this.purgeMinutes();
    if (rolled > 0) this.log.debug({ rows: rolled, rolledSeq: this.stats.rolledSeq }, 'traffic rolled up');
    return rolled;
  }

  /** The highest seq that may be rolled: none on SQLite; on PostgreSQL the highest seen `settleMs` ago. */
  private async horizon(): Promise<number | null> {
    if (this.store.kind !== 'postgres') return null;
    const [row] = await this.store.read(this.store.db.selectFrom('traffic_log').select((eb) => eb.fn.max('seq').as('seq')));
    const now = this.now().getTime();
    this.seen.push({ seq: Number(row?.seq ?? 0), at: now });
    const settled = this.seen.filter(({ at }) => at <= now - this.settleMs);
    if (settled.length === 0) return 0;
    this.seen = [settled.at(-1)!, ...this.seen.filter(({ at }) => at > now - this.settleMs)];
    return settled.at(-1)!.seq;
  }

  private chunkOf(rows: readonly RolledRow[]): Chunk {
    const chunk: Chunk = { minutes: new Keyed(emptyCounts), hours: new Keyed(emptyCounts), callerHours: new Keyed(emptyCounts) };
    const oldestMinute = bucketStart(this.now().getTime(), minuteSeconds) - minuteRetentionSeconds;
    for (const row of rows) {
      const at = Date.parse(row.at);
      const contract = row.contract ?? '';
      const minute = bucketStart(at, minuteSeconds);
      const hour = bucketStart(at, hourSeconds);
      if (minute >= oldestMinute) addRow(chunk.minutes.at([minute, contract]), row);
      addRow(chunk.hours.at([hour, contract]), row);
      if (row.consumer) addRow(chunk.callerHours.at([hour, 'consumer', row.consumer, contract]), row);
      if (row.partner) addRow(chunk.callerHours.at([hour, 'partner', row.partner, contract]), row);
    }
    return chunk;
  }

  /**
   * Adds the chunk to the stored buckets and moves the state from `from` to `to`, unless the state
   * is no longer `from`. The stored buckets are read first, off the gateway's thread, so the
   * transaction itself only writes.
   */
  private async write(chunk: Chunk, from: number, to: number): Promise<boolean> {
    await this.addStored('traffic_minutes', chunk.minutes);
    await this.addStored('traffic_hours', chunk.hours);
    await this.addStoredCallers(chunk.callerHours);
    return this.store.transaction(async (tx) => {
      await tx.exclusive(rollupLock);
      const state = await tx.db.selectFrom('traffic_rollup_state').select('rolled_seq').executeTakeFirst();
      if (Number(state?.rolled_seq ?? 0) !== from) return false;
      await upsert(tx, 'traffic_minutes', ['bucket', 'contract'], [...chunk.minutes].map(({ parts: [bucket, contract], value }) => ({ bucket, contract, ...storedCounts(value) })));
      await upsert(tx, 'traffic_hours', ['bucket', 'contract'], [...chunk.hours].map(({ parts: [bucket, contract], value }) => ({ bucket, contract, ...storedCounts(value) })));
      await upsert(tx, 'traffic_caller_hours', ['bucket', 'caller_kind', 'caller', 'contract'], [...chunk.callerHours].map(({ parts: [bucket, kind, caller, contract], value }) => ({ bucket, caller_kind: kind, caller, contract, ...storedCounts(value) })));
      await tx.db.updateTable('traffic_rollup_state').set({ rolled_seq: to, rolled_at: tx.sql.now() }).execute();
      return true;
    });
  }

  /** Merges into `chunk` what the table already holds under the chunk's buckets. */
  private async addStored(table: 'traffic_minutes' | 'traffic_hours', chunk: Keyed<Parts, RollupCounts>): Promise<void> {
    for (const buckets of batches([...new Set([...chunk].map(({ parts }) => parts[0]))])) {
      const stored = await this.store.read(this.store.db.selectFrom(table).selectAll().where('bucket', 'in', buckets));
      for (const row of stored) {
        const counts = chunk.get([Number(row.bucket), row.contract]);
        if (counts) addStored(counts, row);
      }
    }
  }

  private async addStoredCallers(chunk: Keyed<CallerParts, RollupCounts>): Promise<void> {
    for (const buckets of batches([...new Set([...chunk].map(({ parts }) => parts[0]))])) {
      const stored = await this.store.read(this.store.db.selectFrom('traffic_caller_hours').selectAll().where('bucket', 'in', buckets));
      for (const row of stored) {
        const counts = chunk.get([Number(row.bucket), row.caller_kind, row.caller, row.contract]);
        if (counts) addStored(counts, row);
      }
    }
  }

  /** Minute buckets past the services view's day, every ten minutes or so. */
  private async purgeMinutes(): Promise<void> {
    const now = this.now().getTime();
    if (now - this.purgedAt < 600_000) return;
    this.purgedAt = now;
    const oldest = bucketStart(now, minuteSeconds) - minuteRetentionSeconds;
    await this.store.db.deleteFrom('traffic_minutes').where('bucket', '<', oldest).execute();
  }
}

function* batches<T>(items: readonly T[], size = 500): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

type RollupTable = 'traffic_minutes' | 'traffic_hours' | 'traffic_caller_hours';
type RollupRow = TrafficRollupTable | TrafficCallerHoursTable;

/** Inserts the merged buckets, or replaces those already there with them. */
async function upsert(tx: Queryable, table: RollupTable, key: string[], rows: RollupRow[]): Promise<void> {
  for (const batch of batches(rows, rowsPerUpsert)) {
    await tx.db.insertInto(table).values(batch)
      .onConflict((conflict) => conflict.columns(key as 'bucket'[]).doUpdateSet((eb) => ({
        volume: eb.ref('excluded.volume'),
        client_errors: eb.ref('excluded.client_errors'),
        server_errors: eb.ref('excluded.server_errors'),
        total_ms: eb.ref('excluded.total_ms'),
        latency: eb.ref('excluded.latency'),
        error_codes: eb.ref('excluded.error_codes'),
      })))
      .execute();
  }
}
