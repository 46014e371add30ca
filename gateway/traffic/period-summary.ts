import { sql } from 'kysely';
import type { Store } from '../store/store.ts';
import { hourSeconds } from './rollup.ts';
import { addPairs, percentiles, percentilesOfParts } from './latency-histogram.ts';
import { bucketStart, codeCounts, emptyCounts, emptyTally, Keyed, tallyRow, tallyStored, trafficRowsIn, type RollupCounts, type StoredCounts, type Tally } from './rollup-counts.ts';
import { inSlices, readRolled } from './rollup-read.ts';
import { compliance, type LatencyPercentiles, type ServiceTarget } from './service-levels.ts';

export interface PeriodRow {
  /** The contract id, the consumer's client id or the partner's id. */
  key: string;
  volume: number;
  /** The share of exchanges not answered 5xx (as in the services view); null without traffic. */
  availability: number | null;
  /** Estimated within a factor 1.2 (latency-histogram.ts). */
  latency: LatencyPercentiles;
  /**
   * Hours of the period (clock hours, UTC-aligned: whole hours in the region's time zones) in
   * which the declared target was missed: availability below the contract's target, or p95
   * above it. For a contract, measured on all its exchanges of the hour; for a consumer or a
   * partner, on its own exchanges with each contract against that contract's target: an hour
   * counts once however many contracts missed. A contract without a target never breaches.
   */
  breaches: number;
  /** The five error codes answered most often, most first. */
  topErrors: { code: string; count: number }[];
}

export interface PeriodSummary {
  from: string;
  to: string;
  byContract: PeriodRow[];
  /** PD applications (internal listener), by SSO client id. */
  byConsumer: PeriodRow[];
  /** Partners (external listener, under a PKS). */
  byPartner: PeriodRow[];
}

export interface PeriodOptions { from: Date; to: Date; targetOf: (contract: string) => ServiceTarget | null }

type ContractHour = readonly [number, string];
type CallerHour = readonly [number, 'consumer' | 'partner', string, string];

/**
 * The periodic report over [from, to): per contract, per consumer and per partner. Whole hours
 * come from the hourly rollups; the rows of a part hour at either end and those not yet rolled
 * are read from the traffic log, every row counted once while the job runs (rollup-read.ts).
 */
export async function summarisePeriod(store: Pick<Store, 'db' | 'read'>, options: PeriodOptions): Promise<PeriodSummary> {
  const from = options.from.getTime();
  const to = options.to.getTime();
  if (!(to > from)) throw new RangeError('summarisePeriod: `to` must be after `from`');
  const firstHour = Math.ceil(from / 1000 / hourSeconds) * hourSeconds;
  const endHour = Math.floor(to / 1000 / hourSeconds) * hourSeconds;
  const contractHours = new Keyed<ContractHour, Tally>(emptyTally);
  const callerHours = new Keyed<CallerHour, Tally>(emptyTally);

  const whole = firstHour < endHour;
  const unrolled = whole
    ? await readRolled(store, (pageFrom, pageTo) => hoursOf(store, pageFrom, pageTo), { from: firstHour, to: endHour, bucketSeconds: hourSeconds, pageSeconds: 12 * hourSeconds }, (stored) => {
      for (const row of stored) {
        const bucket = Number(row.bucket);
        const tally = row.caller_kind === 'consumer' || row.caller_kind === 'partner'
          ? callerHours.at([bucket, row.caller_kind, row.caller!, row.contract!])
          : contractHours.at([bucket, row.contract!]);
        tallyStored(tally, row as StoredCounts);
      }
    })
    : [];
  // Part hours at either end come from the log, all of their rows.
  const rows = whole
    ? [...unrolled, ...await trafficRowsIn(store, options.from, new Date(firstHour * 1000)), ...await trafficRowsIn(store, new Date(endHour * 1000), options.to)]
    : await trafficRowsIn(store, options.from, options.to);
  for (const row of rows) {
    const hour = bucketStart(row.at, hourSeconds);
    const contract = row.contract ?? '';
    tallyRow(contractHours.at([hour, contract]), row);
    if (row.consumer) tallyRow(callerHours.at([hour, 'consumer', row.consumer, contract]), row);
    if (row.partner) tallyRow(callerHours.at([hour, 'partner', row.partner, contract]), row);
  }

  const byContract = new Grouped();
  await inSlices(contractHours, ({ parts: [hour, contract], value }) => {
    if (contract !== '') byContract.add(contract, hour, contract, value, options.targetOf);
  });
  const byCaller = { consumer: new Grouped(), partner: new Grouped() };
  await inSlices(callerHours, ({ parts: [hour, kind, caller, contract], value }) => byCaller[kind].add(caller, hour, contract, value, options.targetOf));
  return {
    from: options.from.toISOString(),
    to: options.to.toISOString(),
    byContract: byContract.rows(),
    byConsumer: byCaller.consumer.rows(),
    byPartner: byCaller.partner.rows(),
  };
}

/** traffic_hours and traffic_caller_hours of [from, to), in one statement, each row with the rolled position. */
function hoursOf(store: Pick<Store, 'db'>, from: number, to: number) {
  const { db } = store;
  const contracts = db.selectFrom('traffic_rollup_state as s')
    .leftJoin('traffic_hours as r', (join) => join.on('r.bucket', '>=', from).on('r.bucket', '<', to))
    .select(['s.rolled_seq', 'r.bucket', sql<string | null>`null`.as('caller_kind'), sql<string | null>`null`.as('caller'), 'r.contract', 'r.volume', 'r.client_errors', 'r.server_errors', 'r.total_ms', 'r.latency', 'r.error_codes']);
  const callers = db.selectFrom('traffic_rollup_state as s')
    .innerJoin('traffic_caller_hours as r', (join) => join.on('r.bucket', '>=', from).on('r.bucket', '<', to))
    .select(['s.rolled_seq', 'r.bucket', 'r.caller_kind', 'r.caller', 'r.contract', 'r.volume', 'r.client_errors', 'r.server_errors', 'r.total_ms', 'r.latency', 'r.error_codes']);
  return contracts.unionAll(callers);
}

/**
 * One report row per key: its counts, summed as the cells come (the cells are added in slices,
 * between which exchanges run), and the hours in which one of its contracts missed the target.
 */
class Grouped {
  private readonly totals = new Map<string, RollupCounts>();
  private readonly missed = new Map<string, Set<number>>();

  add(key: string, hour: number, contract: string, tally: Tally, targetOf: PeriodOptions['targetOf']): void {
    let total = this.totals.get(key);
    if (!total) this.totals.set(key, (total = emptyCounts()));
    total.volume += tally.volume;
    total.serverErrors += tally.serverErrors;
    for (const pairs of tally.latency) addPairs(total.latency, pairs);
    for (const [code, count] of codeCounts(tally)) total.errorCodes.set(code, (total.errorCodes.get(code) ?? 0) + count);
    const target = contract === '' ? null : targetOf(contract);
    if (!target || tally.volume === 0) return;
    // Only what the target names is worked out: most cells of a month have no target at all.
    const p95 = target.latencyP95Ms === undefined ? null : percentilesOfParts(tally.latency, [0.95])[0]!;
    const compliant = compliance(1 - tally.serverErrors / tally.volume, p95, target);
    if (compliant.availability === false || compliant.latency === false) {
      if (!this.missed.has(key)) this.missed.set(key, new Set());
      this.missed.get(key)!.add(hour);
    }
  }

  rows(): PeriodRow[] {
    return [...this.totals].map(([key, total]) => {
      const [p50, p95, p99] = percentiles(total.latency, [0.5, 0.95, 0.99]);
      const topErrors = [...total.errorCodes].map(([code, count]) => ({ code, count }))
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)).slice(0, 5);
      return {
        key,
        volume: total.volume,
        availability: total.volume === 0 ? null : 1 - total.serverErrors / total.volume,
        latency: { p50: p50!, p95: p95!, p99: p99! },
        breaches: this.missed.get(key)?.size ?? 0,
        topErrors,
      };
    }).sort((a, b) => b.volume - a.volume || a.key.localeCompare(b.key));
  }
}
