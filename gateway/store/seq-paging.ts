import { sql, type SelectQueryBuilder } from 'kysely';
import { Problem } from '../errors/problem.ts';

/**
 * Newest-first pages of a log table (the traffic log, the audit trail) on its sequence number:
 * stable while rows are added, unlike an offset. Both tables have `seq` and `at` (schema.ts).
 */
export interface PageRequest { from?: string; to?: string; limit?: string; cursor?: string }

export interface Page<T> { items: T[]; nextCursor: string | null }

interface PageWindow { from: string | undefined; to: string | undefined; before: number | undefined; limit: number }

function isoTime(value: string, name: string): string {
  if (Number.isNaN(Date.parse(value))) throw new Problem('BAD_REQUEST', `Query parameter ${name} must be an ISO 8601 time, got ${JSON.stringify(value)}.`);
  return new Date(value).toISOString();
}

function cursorSeq(cursor: string): number {
  const decoded = /^[\w-]{1,16}$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString() : '';
  const seq = /^[1-9]\d{0,15}$/.test(decoded) ? Number(decoded) : Number.NaN;
  if (!Number.isSafeInteger(seq)) throw new Problem('BAD_REQUEST', 'Query parameter cursor is not a cursor returned by this API.');
  return seq;
}

/** The time window, cursor and page size asked for, checked: a bad one is a 400 naming the parameter. */
function pageWindow(request: PageRequest): PageWindow {
  const limit = request.limit === undefined ? 100 : Number(request.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Problem('BAD_REQUEST', 'Query parameter limit must be an integer from 1 to 1000.');
  return {
    from: request.from === undefined ? undefined : isoTime(request.from, 'from'),
    to: request.to === undefined ? undefined : isoTime(request.to, 'to'),
    before: request.cursor ? cursorSeq(request.cursor) : undefined,
    limit,
  };
}

/**
 * `query` narrowed to the request's window, newest first, one row more than the page so that
 * `pageOf` knows whether another page follows. Checks the request before anything runs.
 */
export function newestFirst<DB, TB extends keyof DB, O>(query: SelectQueryBuilder<DB, TB, O>, request: PageRequest): { query: SelectQueryBuilder<DB, TB, O>; limit: number } {
  const window = pageWindow(request);
  // The columns are named through `sql.ref`: both tables have them, which Kysely cannot see through `DB`.
  return {
    query: query
      .$if(window.from !== undefined, (q) => q.where(sql.ref('at'), '>=', window.from))
      .$if(window.to !== undefined, (q) => q.where(sql.ref('at'), '<', window.to))
      .$if(window.before !== undefined, (q) => q.where(sql.ref('seq'), '<', window.before))
      .orderBy(sql.ref('seq'), 'desc')
      .limit(window.limit + 1),
    limit: window.limit,
  };
}

/** The page of rows `newestFirst` fetched, each made an item, and the cursor of the next page. */
export function pageOf<R extends { seq: number }, T>(rows: readonly R[], limit: number, item: (row: R) => T): Page<T> {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(item),
    nextCursor: rows.length > limit && last ? Buffer.from(String(last.seq)).toString('base64url') : null,
  };
}
