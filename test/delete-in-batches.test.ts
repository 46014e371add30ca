import { sql, type SqlBool } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteInBatches } from '../gateway/store/delete-in-batches.ts';
import { openStore } from '../gateway/store/open.ts';
import type { Store } from '../gateway/store/store.ts';
import { tempDir } from './support/harness.ts';
import { storeOnPostgres } from './support/postgres-store.ts';
import { rows } from './support/store-rows.ts';

/** The store's time type (schema.ts): `timestamptz` in PostgreSQL, ISO 8601 text in SQLite. */
const timeType = (store: Store) => (store.kind === 'postgres' ? 'timestamptz' : 'text');

/** Ten rows a to j, the even ones past their date. */
async function tenRows(store: Store): Promise<void> {
  await store.exec(`drop table if exists purge_probe; create table purge_probe (owner text, key text, expires_at ${timeType(store)}, primary key (owner, key))`);
  const hour = 3_600_000;
  const values = Array.from({ length: 10 }, (_, i) => {
    const g = i + 1;
    const expiresAt = new Date(Date.now() + (g % 2 === 0 ? -hour : hour)).toISOString();
    return sql`(${'app'}, ${String.fromCharCode(96 + g)}, ${expiresAt})`;
  });
  await sql`insert into purge_probe (owner, key, expires_at) values ${sql.join(values)}`.execute(store.db);
}

async function deletesWhatItSelects(store: Store): Promise<void> {
  await tenRows(store);
  // Five expired rows, two per statement: three statements, the last one short.
  expect(await deleteInBatches(store, 'purge_probe', sql<SqlBool>`expires_at < ${store.sql.now()} and owner = ${'app'}`, 2)).toBe(5);
  expect((await rows(store, sql<{ key: string }>`select key from purge_probe order by key`)).map(({ key }) => key)).toEqual(['a', 'c', 'e', 'g', 'i']);
  expect(await deleteInBatches(store, 'purge_probe', sql<SqlBool>`expires_at < ${store.sql.now()}`, 2)).toBe(0);
  // An exact multiple of the batch ends with an empty statement, not a miss.
  expect(await deleteInBatches(store, 'purge_probe', sql<SqlBool>`key in ('a', 'c', 'e', 'g')`, 2)).toBe(4);
  expect(await rows(store, sql`select key from purge_probe`)).toEqual([{ key: 'i' }]);
}

describe('deleteInBatches, embedded store', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: tempDir('purge-'), store: { url: null } });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('deletes exactly the rows its condition selects, batch by batch, and counts them', async () => {
    await deletesWhatItSelects(store);
  });

  it('lets an exchange\'s callback in between its statements (the event loop free between batches), where one delete would hold it to the end', async () => {
    await store.exec('drop table if exists purge_probe; create table purge_probe (id integer primary key, expires_at text); create index purge_probe_expires_at on purge_probe (expires_at)');
    await sql`with recursive g(n) as (select 1 union all select n + 1 from g where n < 60000)
      insert into purge_probe (id, expires_at) select n, ${store.sql.now(-3600)} from g`.execute(store.db);
    const finished: string[] = [];
    const purge = deleteInBatches(store, 'purge_probe', sql<SqlBool>`expires_at < ${store.sql.now()}`, 5000).then((n) => finished.push(`purge ${n}`));
    // An exchange's callback, due while the purge runs (an I/O callback comes in the same way):
    // SQLite runs each statement on this thread, so it gets in only where the purge lets it.
    const exchange = new Promise<number>((resolve) => setImmediate(() => {
      void rows(store, sql<{ n: number }>`select count(*) as n from purge_probe`).then(([row]) => {
        finished.push('exchange');
        resolve(Number(row!.n));
      });
    }));
    const [, seen] = await Promise.all([purge, exchange]);
    expect(finished).toEqual(['exchange', 'purge 60000']);
    // It ran between two of the purge's statements: after the first, well before the last.
    expect(seen).toBeLessThan(60000);
    expect(seen).toBeGreaterThan(0);
  });
});

describe('deleteInBatches, PostgreSQL', () => {
  const running = storeOnPostgres();

  it('deletes exactly the rows its condition selects, batch by batch, and counts them', async () => {
    await deletesWhatItSelects(running.store);
  });
});
