import { Problem } from '../errors/problem.ts';
import type { Store } from '../store/store.ts';
import { trafficColumns, type TrafficRow } from './row.ts';

export interface TrafficFilter {
  from?: string; to?: string; consumer?: string; partner?: string; agreement?: string; contract?: string; status?: string; code?: string; requestId?: string;
  /** The gateway's own exchange id (`Penghubung-Exchange-Id`, the row's `logId`): exactly one exchange. */
  exchangeId?: string;
  limit?: string; cursor?: string;
}

export interface TrafficPage { items: TrafficRow[]; nextCursor: string | null }

function isoTime(value: string, name: string): string {
  if (Number.isNaN(Date.parse(value))) throw new Problem('BAD_REQUEST', `Query parameter ${name} must be an ISO 8601 time, got ${JSON.stringify(value)}.`);
  return new Date(value).toISOString();
}

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

function cursorSeq(cursor: string): number {
  const decoded = /^[\w-]{1,16}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  const seq = /^[1-9]\d{0,15}$/.test(decoded) ? Number(decoded) : Number.NaN;
  if (!Number.isSafeInteger(seq)) throw new Problem('BAD_REQUEST', 'Query parameter cursor is not a cursor returned by this API.');
  return seq;
}

/**
 * Newest first, cursor-paginated on the log's sequence number (stable under concurrent inserts).
 * A filter no index serves (`code`, `status`, `agreement`) scans the log from its newest row
 * until the page is full: over millions of rows that takes a while, so it runs as `Store.read`.
 */
export async function queryTraffic(store: Pick<Store, 'db' | 'read'>, filter: TrafficFilter): Promise<TrafficPage> {
  const limit = filter.limit === undefined ? 100 : Number(filter.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Problem('BAD_REQUEST', 'Query parameter limit must be an integer from 1 to 1000.');
  const status = filter.status ? statusRange(filter.status) : undefined;
  const rows = await store.read(store.db.selectFrom('traffic_log')
    .select(['seq', ...trafficColumns.map(([, column]) => column as 'log_id')])
    .$if(filter.from !== undefined, (q) => q.where('at', '>=', isoTime(filter.from!, 'from')))
    .$if(filter.to !== undefined, (q) => q.where('at', '<', isoTime(filter.to!, 'to')))
    .$if(Boolean(filter.consumer), (q) => q.where('consumer', '=', filter.consumer!))
    .$if(Boolean(filter.partner), (q) => q.where('partner', '=', filter.partner!))
    .$if(Boolean(filter.agreement), (q) => q.where('agreement', '=', filter.agreement!))
    .$if(Boolean(filter.contract), (q) => q.where('contract', '=', filter.contract!))
    .$if(Boolean(filter.code), (q) => q.where('error_code', '=', filter.code!))
    .$if(Boolean(filter.requestId), (q) => q.where('request_id', '=', filter.requestId!))
    .$if(Boolean(filter.exchangeId), (q) => q.where('log_id', '=', exchangeIdOf(filter.exchangeId!)))
    .$if(status !== undefined, (q) => q.where('status', '>=', status![0]).where('status', '<=', status![1]))
    .$if(Boolean(filter.cursor), (q) => q.where('seq', '<', cursorSeq(filter.cursor!)))
    .orderBy('seq', 'desc')
    .limit(limit + 1));
  const more = rows.length > limit;
  const page = rows.slice(0, limit) as unknown as (Record<string, unknown> & { seq: number })[];
  const last = page.at(-1);
  return {
    items: page.map((row) => Object.fromEntries(trafficColumns.map(([field, column]) => [field, row[column] ?? null])) as unknown as TrafficRow),
    nextCursor: more && last ? Buffer.from(String(last.seq)).toString('base64url') : null,
  };
}
