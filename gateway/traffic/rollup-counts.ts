import type { Selectable } from 'kysely';
import type { TrafficRollupTable } from '../store/schema.ts';
import type { Store } from '../store/store.ts';
import { addPairs, bucketOf, emptyHistogram, histogramJson, type Histogram, type Pairs } from './latency-histogram.ts';

/**
 * What the rollups keep of a set of exchanges, as the job adds rows to a bucket (rollup.ts): enough
 * to add buckets up and to derive volume, error rates, availability, latency percentiles and
 * refusals from the sum.
 */
export interface RollupCounts {
  volume: number;
  /** 4xx answers: the caller's mistake or a refusal (rate limit, quota, authorization). */
  clientErrors: number;
  /** 5xx answers: the service (the upstream or the gateway) failed the caller. */
  serverErrors: number;
  totalMs: number;
  latency: Histogram;
  errorCodes: Map<string, number>;
}

/** The traffic-log columns the rollups read. */
export const rolledColumns = ['seq', 'at', 'contract', 'consumer', 'partner', 'status', 'error_code', 'total_ms'] as const;
export interface RolledRow {
  seq: number;
  at: string;
  contract: string | null;
  consumer: string | null;
  partner: string | null;
  status: number;
  error_code: string | null;
  total_ms: number;
}

export type StoredCounts = Pick<Selectable<TrafficRollupTable>, 'volume' | 'client_errors' | 'server_errors' | 'total_ms' | 'latency' | 'error_codes'>;

export const emptyCounts = (): RollupCounts => ({ volume: 0, clientErrors: 0, serverErrors: 0, totalMs: 0, latency: emptyHistogram(), errorCodes: new Map() });

export function addRow(counts: RollupCounts, row: Pick<RolledRow, 'status' | 'error_code' | 'total_ms'>): void {
  counts.volume += 1;
  if (row.status >= 500) counts.serverErrors += 1;
  else if (row.status >= 400) counts.clientErrors += 1;
  counts.totalMs += row.total_ms;
  counts.latency[bucketOf(row.total_ms)]! += 1;
  if (row.error_code) counts.errorCodes.set(row.error_code, (counts.errorCodes.get(row.error_code) ?? 0) + 1);
}

/** Adds a stored bucket to counts (numbers read as numbers: a driver may hand a bigint over as text). */
export function addStored(counts: RollupCounts, row: StoredCounts): void {
  counts.volume += Number(row.volume);
  counts.clientErrors += Number(row.client_errors);
  counts.serverErrors += Number(row.server_errors);
  counts.totalMs += Number(row.total_ms);
  addPairs(counts.latency, JSON.parse(row.latency) as Pairs);
  for (const [code, count] of Object.entries(JSON.parse(row.error_codes) as Record<string, number>)) counts.errorCodes.set(code, (counts.errorCodes.get(code) ?? 0) + count);
}

export function storedCounts(counts: RollupCounts): StoredCounts {
  return {
    volume: counts.volume,
    client_errors: counts.clientErrors,
    server_errors: counts.serverErrors,
    total_ms: counts.totalMs,
    latency: histogramJson(counts.latency),
    error_codes: JSON.stringify(Object.fromEntries([...counts.errorCodes].sort(([a], [b]) => a.localeCompare(b)))),
  };
}

/**
 * The same as the reads (the services view, the report) add it up: many cells, most read once,
 * so the stored histograms and error counts are kept as parsed and summed only where a figure
 * needs the sum (latency-histogram.ts `percentilesOfParts`, `codeCounts`).
 */
export interface Tally {
  volume: number;
  clientErrors: number;
  serverErrors: number;
  latency: Pairs[];
  errorCodes: Record<string, number>[];
}

export const emptyTally = (): Tally => ({ volume: 0, clientErrors: 0, serverErrors: 0, latency: [], errorCodes: [] });

export function tallyStored(tally: Tally, row: StoredCounts): void {
  tally.volume += Number(row.volume);
  tally.clientErrors += Number(row.client_errors);
  tally.serverErrors += Number(row.server_errors);
  tally.latency.push(JSON.parse(row.latency) as Pairs);
  if (row.error_codes.length > 2) tally.errorCodes.push(JSON.parse(row.error_codes) as Record<string, number>);
}

export function tallyRow(tally: Tally, row: Pick<RolledRow, 'status' | 'error_code' | 'total_ms'>): void {
  tally.volume += 1;
  if (row.status >= 500) tally.serverErrors += 1;
  else if (row.status >= 400) tally.clientErrors += 1;
  tally.latency.push([bucketOf(row.total_ms), 1]);
  if (row.error_code) tally.errorCodes.push({ [row.error_code]: 1 });
}

export function mergeTally(target: Tally, source: Tally): void {
  target.volume += source.volume;
  target.clientErrors += source.clientErrors;
  target.serverErrors += source.serverErrors;
  for (const pairs of source.latency) target.latency.push(pairs);
  for (const codes of source.errorCodes) target.errorCodes.push(codes);
}

export function codeCounts(tally: Tally): Map<string, number> {
  const counts = new Map<string, number>();
  for (const codes of tally.errorCodes) for (const code in codes) counts.set(code, (counts.get(code) ?? 0) + codes[code]!);
  return counts;
}

/** Values by a key of several parts (bucket, contract, caller...), each kept with its parts. */
export class Keyed<Parts extends readonly (string | number)[], Value> {
  readonly entries = new Map<string, { parts: Parts; value: Value }>();
  private readonly make: () => Value;

  constructor(make: () => Value) {
    this.make = make;
  }

  /** The value under `parts`, made the first time. */
  at(parts: Parts): Value {
    const key = parts.join('\u0000');
    let entry = this.entries.get(key);
    if (!entry) this.entries.set(key, (entry = { parts, value: this.make() }));
    return entry.value;
  }

  get(parts: Parts): Value | undefined {
    return this.entries.get(parts.join('\u0000'))?.value;
  }

  *[Symbol.iterator](): IterableIterator<{ parts: Parts; value: Value }> {
    yield* this.entries.values();
  }
}

/** Epoch seconds of the start of the `size`-second bucket holding the time `at` (ISO text or epoch ms). */
export function bucketStart(at: string | number, size: number): number {
  const ms = typeof at === 'number' ? at : Date.parse(at);
  return Math.floor(ms / 1000 / size) * size;
}

const rolledSelect = (store: Pick<Store, 'db'>) => store.db.selectFrom('traffic_log').select([...rolledColumns]);

/** Traffic rows with `at` in [from, to), with the columns the rollups read. */
export async function trafficRowsIn(store: Pick<Store, 'db' | 'read'>, from: Date, to: Date): Promise<RolledRow[]> {
  return await store.read(rolledSelect(store).where('at', '>=', from.toISOString()).where('at', '<', to.toISOString()));
}

/**
 * Traffic rows with `seq` above `seq`: those not yet rolled, a few seconds' worth. Their times are
 * checked by the caller: given a window of `at` as well, SQLite would walk the window's rows by
 * the `at` index instead, a month of them for the month.
 */
export async function trafficRowsAbove(store: Pick<Store, 'db' | 'read'>, seq: number): Promise<RolledRow[]> {
  return await store.read(rolledSelect(store).where('seq', '>', seq));
}
