import { Problem } from '../errors/problem.ts';
import type { Queryable } from '../store/store.ts';
import { trafficColumns, type TrafficRow } from './row.ts';

export interface TrafficFilter {
  from?: string; to?: string; consumer?: string; partner?: string; agreement?: string; contract?: string; status?: string; code?: string; requestId?: string;
  limit?: string; cursor?: string;
}

export interface TrafficPage { items: TrafficRow[]; nextCursor: string | null }

const selectList = trafficColumns.map(([field, column]) => {
  if (column === 'at') return `to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "${field}"`;
  if (column === 'log_id') return `log_id::text as "${field}"`;
  if (column === 'bytes_in' || column === 'bytes_out') return `${column}::float8 as "${field}"`;
  return `${column} as "${field}"`;
}).join(', ');

function isoTime(value: string, name: string): string {
  if (Number.isNaN(Date.parse(value))) throw new Problem('BAD_REQUEST', `Query parameter ${name} must be an ISO 8601 time, got ${JSON.stringify(value)}.`);
  return new Date(value).toISOString();
}

/** Newest first, cursor-paginated on the log's sequence number (stable under concurrent inserts). */
export async function queryTraffic(db: Queryable, filter: TrafficFilter): Promise<TrafficPage> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (filter.from) add('at >= ?', isoTime(filter.from, 'from'));
  if (filter.to) add('at < ?', isoTime(filter.to, 'to'));
  if (filter.consumer) add('consumer = ?', filter.consumer);
  if (filter.partner) add('partner = ?', filter.partner);
  if (filter.agreement) add('agreement = ?', filter.agreement);
  if (filter.contract) add('contract = ?', filter.contract);
  if (filter.code) add('error_code = ?', filter.code);
  if (filter.requestId) add('request_id = ?', filter.requestId);
  if (filter.status) {
    const exact = /^[1-5]\d\d$/.exec(filter.status);
    const klass = /^([1-5])xx$/i.exec(filter.status);
    if (exact) add('status = ?', Number(filter.status));
    else if (klass) add('status / 100 = ?', Number(klass[1]));
    else throw new Problem('BAD_REQUEST', 'Query parameter status must be a status code (e.g. 404) or a class (e.g. 5xx).');
  }
  const limit = filter.limit === undefined ? 100 : Number(filter.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Problem('BAD_REQUEST', 'Query parameter limit must be an integer from 1 to 1000.');
  if (filter.cursor) {
    const decoded = /^[\w-]{1,16}$/.test(filter.cursor) ? Buffer.from(filter.cursor, 'base64url').toString() : '';
    const seq = /^[1-9]\d{0,15}$/.test(decoded) ? Number(decoded) : Number.NaN;
    if (!Number.isSafeInteger(seq)) throw new Problem('BAD_REQUEST', 'Query parameter cursor is not a cursor returned by this API.');
    add('seq < ?', seq);
  }
  params.push(limit + 1);
  const rows = await db.query<TrafficRow & { seq: number }>(
    `select seq::float8 as seq, ${selectList} from traffic_log ${where.length ? `where ${where.join(' and ')}` : ''} order by seq desc limit $${params.length}`,
    params,
  );
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(({ seq: _seq, ...row }) => row),
    nextCursor: more && last ? Buffer.from(String(last.seq)).toString('base64url') : null,
  };
}
