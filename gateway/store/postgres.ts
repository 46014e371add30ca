import pg from 'pg';
import { Kysely, PostgresDialect, sql, type PostgresPool, type PostgresPoolClient, type Transaction } from 'kysely';
import { columnArrays, unnestInsert } from './bulk.ts';
import type { Database } from './schema.ts';
import type { Queryable, Store, StoreSql } from './store.ts';
import { StoreUnavailable, storeFailure } from '../errors/store-unavailable.ts';

/**
 * Values as schema.ts has them, the same as the embedded store gives: 64-bit integers (counts,
 * sequence numbers) as numbers, times as ISO strings, calendar days and JSON as their text.
 */
const parseTimestamp = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (value: string) => Date;
const typeParsers: Record<number, (value: string) => unknown> = {
  [pg.types.builtins.INT8]: Number,
  [pg.types.builtins.TIMESTAMPTZ]: (value) => parseTimestamp(value).toISOString(),
  [pg.types.builtins.DATE]: (value) => value,
  [pg.types.builtins.JSON]: (value) => value,
  [pg.types.builtins.JSONB]: (value) => value,
};
const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => typeParsers[oid] ?? (pg.types.getTypeParser(oid, format) as (value: string) => unknown) };

export const postgresSql: StoreSql = {
  now: (seconds) => (seconds === undefined ? sql<string>`now()` : sql<string>`now() + make_interval(secs => ${seconds})`),
  jsonWithNull: (column, field) => sql<string>`jsonb_set(${sql.ref(column)}, ${`{${field}}`}, 'null'::jsonb)`,
};

/**
 * The pool as Kysely sees it: every error a client meets is read by `storeFailure` (a server out
 * of reach is `StoreUnavailable`, a 503 to a caller), and a client that met one is dropped when it
 * is released rather than reused: a query that timed out leaves its connection busy. Its rollback
 * is not even sent.
 */
function reportingPool(pool: pg.Pool): PostgresPool {
  return {
    options: pool.options,
    async connect(): Promise<PostgresPoolClient> {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw storeFailure(error);
      }
      let failure: StoreUnavailable | undefined;
      const query = async (text: string, values: readonly unknown[]) => {
        if (failure && /^rollback/i.test(text)) return { command: 'ROLLBACK', rowCount: 0, rows: [] };
        try {
          return await client.query(text, values as unknown[]);
        } catch (error) {
          const read = storeFailure(error);
          if (read instanceof StoreUnavailable) failure = read;
          throw read;
        }
      };
      return { query, release: (destroy?: boolean) => client.release(failure ?? destroy) } as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

/** `queryTimeoutMs`: a query unanswered this long fails as the store being unavailable (0: never). */
export async function openPostgresStore(url: string, options: { queryTimeoutMs: number; max?: number }): Promise<Store> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    connectionTimeoutMillis: 3000,
    types,
    ...(options.queryTimeoutMs > 0 ? { query_timeout: options.queryTimeoutMs } : {}),
  });
  // An idle client losing its server (restart, network) must not crash the process.
  pool.on('error', () => undefined);
  const reported = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw storeFailure(error);
    }
  };
  await reported(() => pool.query('select 1'));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: reportingPool(pool) }) });
  const queryable = (on: Kysely<Database>): Queryable => ({
    kind: 'postgres',
    db: on,
    sql: postgresSql,
    exclusive: async (id) => {
      await sql`select pg_advisory_xact_lock(${id})`.execute(on);
    },
  });
  return {
    ...queryable(db),
    transaction(work, transactionOptions) {
      let builder = db.transaction();
      if (transactionOptions?.snapshot) builder = builder.setIsolationLevel('repeatable read');
      if (transactionOptions?.readOnly) builder = builder.setAccessMode('read only');
      return builder.execute((tx: Transaction<Database>) => work(queryable(tx)));
    },
    async read(query) {
      return (await db.executeQuery(query.compile())).rows;
    },
    async appendRows(table, columns, rows) {
      await reported(() => pool.query(unnestInsert(table, columns), columnArrays(columns, rows)));
    },
    async exec(script) {
      await reported(() => pool.query(script));
    },
    close: () => db.destroy(),
  };
}
