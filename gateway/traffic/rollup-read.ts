import { setImmediate as yieldToExchanges } from 'node:timers/promises';
import type { Compilable } from 'kysely';
import type { Store } from '../store/store.ts';
import { bucketStart, trafficRowsAbove, type RolledRow } from './rollup-counts.ts';

export interface RollupRange {
  /** Bucket starts, epoch seconds: [from, to). */
  from: number;
  to: number;
  /** The rollup table's bucket size (60, 3600). */
  bucketSeconds: number;
  /** Buckets read per statement, in seconds: a multiple of `bucketSeconds`. */
  pageSeconds: number;
}

/**
 * Rollup rows of a range of buckets, and the traffic rows they do not hold yet, so that together
 * they count every row once while the rollup job goes on writing.
 *
 * The range is read a page of buckets per statement (`page(from, to)`, each of its rows carrying
 * `rolled_seq` of the same statement): one statement for a month of per-caller hours would be
 * more rows than the embedded store's background thread may hold. Each statement reads one moment
 * of the store, the rollups of its page together with the position they were rolled to; a traffic
 * row is then counted from the log when its `seq` is above the position of its own page, which
 * holds even when the job committed between two pages. Each page's rows go to `onRows` as they
 * come, so that adding them up on the gateway's thread is done a page at a time, between reads.
 * Resolves to the traffic rows not in the pages read.
 */
export async function readRolled<Row extends { bucket: number | null; rolled_seq: number }>(
  store: Pick<Store, 'db' | 'read'>,
  page: (from: number, to: number) => Compilable<Row>,
  range: RollupRange,
  onRows: (rows: Row[]) => void,
): Promise<RolledRow[]> {
  const rolledByPage: number[] = [];
  for (let start = range.from; start < range.to; start += range.pageSeconds) {
    const read = await store.read(page(start, Math.min(start + range.pageSeconds, range.to)));
    rolledByPage.push(Number(read[0]?.rolled_seq ?? 0));
    onRows(read.filter((row) => row.bucket !== null));
  }
  if (rolledByPage.length === 0) return [];
  return (await trafficRowsAbove(store, Math.min(...rolledByPage))).filter((row) => {
    const bucket = bucketStart(row.at, range.bucketSeconds);
    if (bucket < range.from || bucket >= range.to) return false;
    return Number(row.seq) > rolledByPage[Math.floor((bucket - range.from) / range.pageSeconds)]!;
  });
}

/**
 * Runs `work` on each item, letting the event loop run every `size` items: what a report adds up
 * runs on the gateway's thread, where the embedded store's exchanges wait for it.
 */
export async function inSlices<T>(items: Iterable<T>, work: (item: T) => void, size = 2000): Promise<void> {
  let done = 0;
  for (const item of items) {
    work(item);
    if (++done % size === 0) await yieldToExchanges();
  }
}
