import pg from 'pg';
import { columnArrays, unnestInsert } from './bulk.ts';
import type { Queryable, Store } from './store.ts';
import { StoreUnavailable, storeFailure } from './unavailable.ts';

// int8 columns (counts, sequence numbers) fit in a double for this data; parse them as numbers
// so PGlite and pg hand callers the same types.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** `queryTimeoutMs`: a query unanswered this long fails as the store being unavailable (0: never). */
export async function openPostgresStore(url: string, options: { queryTimeoutMs: number; max?: number }): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 3000,
    // A query that timed out leaves its connection busy: the pool drops it rather than reuse it.
    ...(options.queryTimeoutMs > 0 ? { query_timeout: options.queryTimeoutMs } : {}),
  });
  // An idle client losing its server (restart, network) must not crash the process.
  pool.on('error', () => undefined);
  // A server out of reach surfaces as StoreUnavailable (503 to a caller), whatever the call.
  const reported = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw storeFailure(error);
    }
  };
  const wrap = (target: pg.Pool | pg.PoolClient): Queryable => ({
    async query<Row>(sql: string, params: unknown[] = []) {
      return (await reported(() => target.query(sql, params))).rows as Row[];
    },
  });
  await pool.query('select 1');
  return {
    kind: 'postgres',
    ...wrap(pool),
    async transaction(work) {
      const client = await reported(() => pool.connect());
      let failure: unknown;
      try {
        await client.query('begin');
        const result = await work(wrap(client));
        await client.query('commit');
        return result;
      } catch (error) {
        failure = storeFailure(error);
        if (!(failure instanceof StoreUnavailable)) await client.query('rollback').catch(() => undefined);
        throw failure;
      } finally {
        // Out of reach (a query timed out, the connection lost): the connection is dropped, not reused.
        client.release(failure instanceof StoreUnavailable ? failure : undefined);
      }
    },
    async appendRows(table, columns, rows) {
      await reported(() => pool.query(unnestInsert(table, columns), columnArrays(columns, rows)));
    },
    async exec(script) {
      await reported(() => pool.query(script));
    },
    close: () => pool.end(),
  };
}
