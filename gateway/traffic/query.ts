import { sql, type SelectQueryBuilder } from 'kysely';
import { Problem } from '../errors/problem.ts';
import type { Database } from '../store/schema.ts';
import { newestFirst, pageOf, type Page, type PageRequest } from '../store/seq-paging.ts';
import type { Store } from '../store/store.ts';
import { trafficColumns, type TrafficRow } from './row.ts';

export interface TrafficFilter extends PageRequest {
  consumer?: string; partner?: string; agreement?: string; contract?: string; status?: string; code?: string; requestId?: string;
  /** An operation id (unique within its contract: give the contract too, whose index serves it). */
  operation?: string;
  /** `internal`, `external` or `public`. */
  listener?: string;
  /** The gateway's own exchange id (`Penghubung-Exchange-Id`, the row's `logId`): exactly one exchange. */
  exchangeId?: string;
}

export type TrafficPage = Page<TrafficRow>;

function statusRange(status: string): [number, number] {
  if (/^[1-5]\d\d$/.test(status)) return [Number(status), Number(status)];
  const klass = /^([1-5])xx$/i.exec(status);
  if (klass) return [Number(klass[1]) * 100, Number(klass[1]) * 100 + 99];
  throw new Problem('BAD_REQUEST', 'Query parameter status must be a status code (e.g. 404) or a class (e.g. 5xx).');
}

function exchangeIdOf(value: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw new Problem('BAD_REQUEST', 'Query parameter exchangeId must be a UUID (the Penghubung-Exchange-Id of an answer).');
  return value.toLowerCase();
}

/**
 * A status or class of 4xx and 5xx also names its class as the partial index on
 * `(status / 100, seq desc) where status >= 400` has it (migration 0015), literally: SQLite uses a
 * partial index only for a query that repeats its condition, and an expression index only for the
 * same expression. Successes need none: they are most rows, found at once newest first.
 */
function statusCondition<Q extends SelectQueryBuilder<Database, 'traffic_log', object>>(query: Q, [low, high]: [number, number]): Q {
  const ranged = query.where('status', '>=', low).where('status', '<=', high) as Q;
  if (low < 400) return ranged;
  return ranged.where(sql<boolean>`status / 100 = ${sql.lit(Math.floor(low / 100))} and status >= 400`) as Q;
}

/** A time as `newestFirst` compares it (a bad one is refused there, before anything runs). */
const isoOf = (value: string) => (Number.isNaN(Date.parse(value)) ? value : new Date(value).toISOString());

/**
 * The highest `seq` of a window that ends (`to`): no row of the window has a higher one, so the
 * bound changes nothing in the answer, but it lets the newest-first walk start at the window
 * instead of at the newest row of the log, through every row since (PostgreSQL's planner takes
 * rows spread evenly over `seq` and would walk; its cost is the window's own `at` index entries).
 */
function newestOfWindow(store: Pick<Store, 'db'>, filter: TrafficFilter) {
  // `seq + 0`: for `max(seq)` PostgreSQL would walk `seq` from the newest row down; for this, the
  // window's entries of the `(at, seq)` index are all it reads.
  return store.db.selectFrom('traffic_log').select((eb) => eb.fn.max(sql<number>`seq + 0`).as('seq'))
    .where('at', '<', isoOf(filter.to!))
    .$if(Boolean(filter.from), (q) => q.where('at', '>=', isoOf(filter.from!)));
}

/** The log's rows with the filter's conditions, its time window and paging left to the caller. */
function matching(store: Pick<Store, 'db'>, filter: TrafficFilter) {
  const status = filter.status ? statusRange(filter.status) : undefined;
  return store.db.selectFrom('traffic_log')
    .select(['seq', ...trafficColumns.map(([, column]) => column as 'log_id')])
    .$if(Boolean(filter.consumer), (q) => q.where('consumer', '=', filter.consumer!))
    .$if(Boolean(filter.partner), (q) => q.where('partner', '=', filter.partner!))
    .$if(Boolean(filter.agreement), (q) => q.where('agreement', '=', filter.agreement!))
    .$if(Boolean(filter.contract), (q) => q.where('contract', '=', filter.contract!))
    .$if(Boolean(filter.code), (q) => q.where('error_code', '=', filter.code!))
    .$if(Boolean(filter.requestId), (q) => q.where('request_id', '=', filter.requestId!))
    .$if(Boolean(filter.exchangeId), (q) => q.where('log_id', '=', exchangeIdOf(filter.exchangeId!)))
    .$if(Boolean(filter.operation), (q) => q.where('operation', '=', filter.operation!))
    .$if(Boolean(filter.listener), (q) => q.where('listener', '=', filter.listener!))
    .$if(status !== undefined, (q) => statusCondition(q, status!));
}

const rowOf = (row: Record<string, unknown>) => Object.fromEntries(trafficColumns.map(([field, column]) => [field, row[column] ?? null])) as unknown as TrafficRow;

/**
 * Newest first, cursor-paginated on the log's sequence number (stable under concurrent inserts).
 * Consumer, contract, consumer with contract, partner, error code and error class each have an
 * index in `seq` order (migration 0015), so such a page reads about its own rows. A filter no
 * index serves (`agreement`, `operation` or `listener` alone, a success class) scans the log from
 * its newest row until the page is full: over millions of rows that may take a while, so it runs
 * as `Store.read`.
 */
export async function queryTraffic(store: Pick<Store, 'db' | 'read'>, filter: TrafficFilter): Promise<TrafficPage> {
  const { query, limit } = newestFirst(matching(store, filter).$if(Boolean(filter.to), (q) => q.where('seq', '<=', newestOfWindow(store, filter))), filter);
  const rows = await store.read(query) as unknown as (Record<string, unknown> & { seq: number })[];
  return pageOf(rows, limit, rowOf);
}

/** The newest row's sequence number (0 for an empty log): where a live tail starts. */
export async function newestSeq(store: Pick<Store, 'db'>): Promise<number> {
  const row = await store.db.selectFrom('traffic_log').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/**
 * Rows after sequence number `afterSeq` that match `filter` (its paging fields ignored), oldest
 * first, at most 200: what a live tail shows next. Served by the primary key from `afterSeq` on.
 */
export async function trafficSince(store: Pick<Store, 'db' | 'read'>, filter: TrafficFilter, afterSeq: number): Promise<{ seq: number; row: TrafficRow }[]> {
  const query = matching(store, filter)
    .where('seq', '>', afterSeq)
    .$if(Boolean(filter.from), (q) => q.where('at', '>=', isoOf(filter.from!)))
    .$if(Boolean(filter.to), (q) => q.where('at', '<', isoOf(filter.to!)))
    .orderBy('seq', 'asc')
    .limit(200);
  const rows = await store.read(query) as unknown as (Record<string, unknown> & { seq: number })[];
  return rows.map((row) => ({ seq: Number(row.seq), row: rowOf(row) }));
}
