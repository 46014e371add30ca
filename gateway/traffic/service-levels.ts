import type { Store } from '../store/store.ts';
import { percentilesOfParts } from './latency-histogram.ts';
import { hourSeconds, minuteSeconds } from './rollup.ts';
import { bucketStart, codeCounts, emptyTally, Keyed, mergeTally, tallyRow, tallyStored, type StoredCounts, type Tally } from './rollup-counts.ts';
import { readRolled } from './rollup-read.ts';

export type ServiceWindow = 'hour' | 'day' | 'week' | 'month';

/**
 * A contract's declared service level (`serviceLevel` in its file, `ServiceLevelSpec` in
 * gateway/registry/contract.ts, which this layer does not import): availability in percent, p95 in ms.
 */
export interface ServiceTarget { availability?: number; latencyP95Ms?: number }

/** What `servicesOf` reads of a contract: a routing table's `routes[].contract` is one. */
interface ServiceContract { id: string; state: string; upstream?: { name: string }; serviceLevel?: ServiceTarget }

export interface LatencyPercentiles { p50: number | null; p95: number | null; p99: number | null }

export interface ServiceLevel {
  /** The contract id, or the upstream's name. */
  key: string;
  /** For a contract: its upstream (null for one that has none); for an upstream: null. */
  upstream: string | null;
  volume: number;
  errors4xx: number;
  errors5xx: number;
  /**
   * Exchanges answered 5xx over all exchanges (0 without traffic): the service failed the caller,
   * whether the upstream failed (502, 504) or the gateway could not serve (503: breaker open,
   * upstream busy, store down). 4xx are the caller's (a bad request, a refusal, a rate limit) and
   * do not count.
   */
  errorRate: number;
  /** 1 - errorRate: the share of exchanges the service answered; null without traffic. */
  availability: number | null;
  /**
   * Of the gateway's total time per exchange (every exchange, refusals included), estimated from
   * the rollups' histograms: within a factor 1.2 of the exact value (latency-histogram.ts).
   */
  latency: LatencyPercentiles;
  /** Refused by the limiter: the caller's rate (RATE_LIMITED), a partner's daily quota (QUOTA_EXCEEDED). */
  refusals: { rateLimited: number; quotaExceeded: number };
  target: ServiceTarget | null;
  /** Against the target: null where the target says nothing or there was no traffic. */
  compliant: { availability: boolean | null; latency: boolean | null };
  /** One point per bucket, oldest first: its start (epoch seconds), exchanges, 5xx answers, p95 (ms). */
  series: { at: number[]; volume: number[]; errors: number[]; p95: (number | null)[] };
}

export interface ServiceLevels {
  /** The window [from, to), ISO times; `to` ends the bucket now is in. */
  from: string;
  to: string;
  bucketSeconds: number;
  contracts: ServiceLevel[];
  upstreams: ServiceLevel[];
}

export interface ServiceLevelOptions {
  window: ServiceWindow;
  now?: Date;
  upstreamOf: (contract: string) => string | null;
  targetOf: (contract: string) => ServiceTarget | null;
  /** Contracts listed even without traffic in the window (those the registry routes). */
  contracts?: readonly string[];
}

/** Series buckets of each window, and where they are read from. */
const windows: Record<ServiceWindow, { bucketSeconds: number; buckets: number; table: 'traffic_minutes' | 'traffic_hours' }> = {
  hour: { bucketSeconds: minuteSeconds, buckets: 60, table: 'traffic_minutes' },
  day: { bucketSeconds: 5 * minuteSeconds, buckets: 288, table: 'traffic_minutes' },
  week: { bucketSeconds: hourSeconds, buckets: 168, table: 'traffic_hours' },
  month: { bucketSeconds: hourSeconds, buckets: 720, table: 'traffic_hours' },
};

/** Each rollup table's bucket size, and the span one statement reads of it (rollup-read.ts). */
const tables = {
  traffic_minutes: { bucketSeconds: minuteSeconds, pageSeconds: 3 * hourSeconds },
  traffic_hours: { bucketSeconds: hourSeconds, pageSeconds: 72 * hourSeconds },
} as const;

export const rateLimitedCode = 'RATE_LIMITED';
export const quotaExceededCode = 'QUOTA_EXCEEDED';

/**
 * Volume, errors, availability, latency and limiter refusals per contract and per upstream over
 * the last hour, day, week or month, each with its series for a chart. Read from the rollups
 * (rollup.ts) plus the rows not yet rolled, read directly, so the view is current; every row is
 * counted once while the job runs (rollup-read.ts).
 */
export async function serviceLevels(store: Pick<Store, 'db' | 'read'>, options: ServiceLevelOptions): Promise<ServiceLevels> {
  const { bucketSeconds, buckets, table } = windows[options.window];
  const now = (options.now ?? new Date()).getTime();
  const from = bucketStart(now, bucketSeconds) - (buckets - 1) * bucketSeconds;
  const to = from + buckets * bucketSeconds;
  // Per series bucket and contract.
  const points = new Keyed<readonly [number, string], Tally>(emptyTally);
  const unrolled = await readRolled(store, (pageFrom, pageTo) => store.db.selectFrom('traffic_rollup_state as s')
    .leftJoin(`${table} as r`, (join) => join.on('r.bucket', '>=', pageFrom).on('r.bucket', '<', pageTo))
    .select(['s.rolled_seq', 'r.bucket', 'r.contract', 'r.volume', 'r.client_errors', 'r.server_errors', 'r.total_ms', 'r.latency', 'r.error_codes']),
  { from, to, ...tables[table] }, (rows) => {
    for (const row of rows) {
      if (row.contract === null || row.contract === '') continue;
      tallyStored(points.at([bucketStart(Number(row.bucket) * 1000, bucketSeconds), row.contract]), row as StoredCounts);
    }
  });
  for (const row of unrolled) {
    if (row.contract) tallyRow(points.at([bucketStart(row.at, bucketSeconds), row.contract]), row);
  }

  const starts = Array.from({ length: buckets }, (_, i) => from + i * bucketSeconds);
  const byContract = new Map<string, Map<number, Tally>>((options.contracts ?? []).map((id) => [id, new Map()]));
  const byUpstream = new Map<string, Map<number, Tally>>();
  for (const { parts: [start, contract], value } of points) {
    if (!byContract.has(contract)) byContract.set(contract, new Map());
    byContract.get(contract)!.set(start, value);
  }
  for (const [contract, series] of byContract) {
    const upstream = options.upstreamOf(contract);
    if (upstream === null) continue;
    if (!byUpstream.has(upstream)) byUpstream.set(upstream, new Map());
    const sum = byUpstream.get(upstream)!;
    for (const [start, tally] of series) {
      if (!sum.has(start)) sum.set(start, emptyTally());
      mergeTally(sum.get(start)!, tally);
    }
  }
  const level = (key: string, series: Map<number, Tally>, upstream: string | null, target: ServiceTarget | null) =>
    serviceLevelOf(key, upstream, target, starts, series);
  return {
    from: new Date(from * 1000).toISOString(),
    to: new Date(to * 1000).toISOString(),
    bucketSeconds,
    contracts: [...byContract].map(([contract, series]) => level(contract, series, options.upstreamOf(contract), options.targetOf(contract))).sort(byKey),
    upstreams: [...byUpstream].map(([upstream, series]) => level(upstream, series, null, null)).sort(byKey),
  };
}

const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);

function serviceLevelOf(key: string, upstream: string | null, target: ServiceTarget | null, starts: number[], series: Map<number, Tally>): ServiceLevel {
  const total = emptyTally();
  for (const tally of series.values()) mergeTally(total, tally);
  const measured = measure(total, target);
  return {
    key,
    upstream,
    ...measured,
    series: {
      at: starts,
      volume: starts.map((start) => series.get(start)?.volume ?? 0),
      errors: starts.map((start) => series.get(start)?.serverErrors ?? 0),
      p95: starts.map((start) => {
        const tally = series.get(start);
        return tally ? percentilesOfParts(tally.latency, [0.95])[0]! : null;
      }),
    },
  };
}

/** The figures of a set of exchanges, and whether they meet the target. */
export function measure(counts: Tally, target: ServiceTarget | null): Omit<ServiceLevel, 'key' | 'upstream' | 'series'> {
  const [p50, p95, p99] = percentilesOfParts(counts.latency, [0.5, 0.95, 0.99]);
  const codes = codeCounts(counts);
  const errorRate = counts.volume === 0 ? 0 : counts.serverErrors / counts.volume;
  const availability = counts.volume === 0 ? null : 1 - errorRate;
  return {
    volume: counts.volume,
    errors4xx: counts.clientErrors,
    errors5xx: counts.serverErrors,
    errorRate,
    availability,
    latency: { p50: p50!, p95: p95!, p99: p99! },
    refusals: { rateLimited: codes.get(rateLimitedCode) ?? 0, quotaExceeded: codes.get(quotaExceededCode) ?? 0 },
    target,
    compliant: compliance(availability, p95!, target),
  };
}

/** Availability at or above the target's percent; p95 at or below its ms. Null: nothing to compare. */
export function compliance(availability: number | null, p95: number | null, target: ServiceTarget | null): ServiceLevel['compliant'] {
  return {
    availability: target?.availability === undefined || availability === null ? null : availability * 100 >= target.availability,
    latency: target?.latencyP95Ms === undefined || p95 === null ? null : p95 <= target.latencyP95Ms,
  };
}

/**
 * The upstream and declared service level of each contract the registry routes (the active
 * version's where several versions route), for `serviceLevels` and `summarisePeriod`.
 */
export function servicesOf(routes: readonly { contract: ServiceContract }[]): Pick<ServiceLevelOptions, 'upstreamOf' | 'targetOf'> & { contracts: string[] } {
  const contracts = new Map<string, ServiceContract>();
  for (const { contract } of routes) {
    const known = contracts.get(contract.id);
    if (!known || (known.state !== 'active' && contract.state === 'active')) contracts.set(contract.id, contract);
  }
  return {
    contracts: [...contracts.keys()].sort(),
    upstreamOf: (id) => contracts.get(id)?.upstream?.name ?? null,
    targetOf: (id) => contracts.get(id)?.serviceLevel ?? null,
  };
}
