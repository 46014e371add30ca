import { Problem } from '../errors/problem.ts';
import { newestFirst, pageOf, type Page, type PageRequest } from '../store/seq-paging.ts';
import type { Store } from '../store/store.ts';
import { trafficColumns, type TrafficRow } from './row.ts';

export interface TrafficFilter extends PageRequest {
  consumer?: string; partner?: string; agreement?: string; contract?: string; status?: string; code?: string; requestId?: string;
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
 * Newest first, cursor-paginated on the log's sequence number (stable under concurrent inserts).
 * A filter no index serves (`code`, `status`, `agreement`) scans the log from its newest row
 * until the page is full: over millions of rows that takes a while, so it runs as `Store.read`.
 */
export async function queryTraffic(store: Pick<Store, 'db' | 'read'>, filter: TrafficFilter): Promise<TrafficPage> {
  const status = filter.status ? statusRange(filter.status) : undefined;
  const { query, limit } = newestFirst(store.db.selectFrom('traffic_log')
    .select(['seq', ...trafficColumns.map(([, column]) => column as 'log_id')])
    .$if(Boolean(filter.consumer), (q) => q.where('consumer', '=', filter.consumer!))
    .$if(Boolean(filter.partner), (q) => q.where('partner', '=', filter.partner!))
    .$if(Boolean(filter.agreement), (q) => q.where('agreement', '=', filter.agreement!))
    .$if(Boolean(filter.contract), (q) => q.where('contract', '=', filter.contract!))
    .$if(Boolean(filter.code), (q) => q.where('error_code', '=', filter.code!))
    .$if(Boolean(filter.requestId), (q) => q.where('request_id', '=', filter.requestId!))
    .$if(Boolean(filter.exchangeId), (q) => q.where('log_id', '=', exchangeIdOf(filter.exchangeId!)))
    .$if(status !== undefined, (q) => q.where('status', '>=', status![0]).where('status', '<=', status![1])), filter);
  const rows = await store.read(query) as unknown as (Record<string, unknown> & { seq: number })[];
  return pageOf(rows, limit, (row) => Object.fromEntries(trafficColumns.map(([field, column]) => [field, row[column] ?? null])) as unknown as TrafficRow);
}
