import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteInBatches } from '../gateway/store/delete-in-batches.ts';
import { openStore } from '../gateway/store/open.ts';
import type { Store } from '../gateway/store/store.ts';
import { tempDir } from './support/harness.ts';
import { storeOnPostgres } from './support/postgres-store.ts';

/** Ten rows a to j, the even ones past their date. */
async function tenRows(store: Store): Promise<void> {
  await store.exec('drop table if exists purge_probe; create table purge_probe (owner text, key text, expires_at timestamptz, primary key (owner, key))');
  await store.query(
    `insert into purge_probe select 'app', chr(96 + g), now() + make_interval(hours => case when g % 2 = 0 then -1 else 1 end) from generate_series(1, 10) g`,
  );
}

async function deletesWhatItSelects(store: Store): Promise<void> {
  await tenRows(store);
  // Five expired rows, two per statement: three statements, the last one short.
  expect(await deleteInBatches(store, 'purge_probe', 'expires_at < now() and owner = $1', ['app'], 2)).toBe(5);
  expect((await store.query<{ key: string }>('select key from purge_probe order by key')).map(({ key }) => key)).toEqual(['a', 'c', 'e', 'g', 'i']);
  expect(await deleteInBatches(store, 'purge_probe', 'expires_at < now()', [], 2)).toBe(0);
  // An exact multiple of the batch ends with an empty statement, not a miss.
  expect(await deleteInBatches(store, 'purge_probe', "key in ('a', 'c', 'e', 'g')", [], 2)).toBe(4);
  expect(await store.query('select key from purge_probe')).toEqual([{ key: 'i' }]);
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

  it('lets a call queued meanwhile in between its statements, where one delete would hold the store thread to the end', async () => {
    await store.exec('drop table if exists purge_probe; create table purge_probe (id int primary key, expires_at timestamptz); create index on purge_probe (expires_at)');
    await store.query("insert into purge_probe select g, now() - interval '1 hour' from generate_series(1, 60000) g");
    const finished: string[] = [];
    const purge = deleteInBatches(store, 'purge_probe', 'expires_at < now()', [], 5000).then((n) => finished.push(`purge ${n}`));
    // Sent once the purge's first statement is under way, as an exchange's claim would be.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const exchange = store.query('select 1').then(() => finished.push('exchange'));
    await Promise.all([purge, exchange]);
    expect(finished).toEqual(['exchange', 'purge 60000']);
  });
});

describe('deleteInBatches, PostgreSQL', () => {
  const running = storeOnPostgres();

  it('deletes exactly the rows its condition selects, batch by batch, and counts them', async () => {
    await deletesWhatItSelects(running.store);
  });
});
