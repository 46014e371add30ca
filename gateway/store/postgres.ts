import pg from 'pg';
import { columnArrays, unnestInsert } from './bulk.ts';
import type { Queryable, Store } from './store.ts';
import { storeFailure } from './unavailable.ts';

// int8 columns (counts, sequence numbers) fit in a double for this data; parse them as numbers
// so PGlite and pg hand callers the same types.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export async function openPostgresStore(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 3000 });
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
      try {
        await client.query('begin');
        const result = await work(wrap(client));
        await client.query('commit');
        return result;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw storeFailure(error);
      } finally {
        client.release();
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
