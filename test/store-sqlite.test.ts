/**
 * The embedded store's SQLite layer on its own: how it reads SQLite's errors, how it waits for
 * another connection's lock without holding the event loop, and its WAL checkpoints off the
 * event loop.
 */
import { statSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openEmbeddedStore } from '../gateway/store/embedded.ts';
import { migrate } from '../gateway/store/migrate.ts';
import { embeddedStoreFile } from '../gateway/store/open.ts';
import type { Store } from '../gateway/store/store.ts';
import { StoreUnavailable } from '../gateway/errors/store-unavailable.ts';
import { trafficBulkColumns, trafficValues, type TrafficRow } from '../gateway/traffic/row.ts';
import { storePerTest } from './support/store-per-test.ts';
import { until } from './support/until.ts';

const stores = storePerTest<Store>();

async function open(options: Partial<Parameters<typeof openEmbeddedStore>[1]> = {}): Promise<{ store: Store; file: string }> {
  const file = embeddedStoreFile(stores.dataDir('sqlite-'));
  const store = stores.keep(await openEmbeddedStore(file, { busyWaitMs: 500, ...options }));
  await migrate(store);
  return { store, file };
}

const partner = { id: 'bank-x', legal_name: 'PT Bank X', type: 'bank' };

/** A second connection (another process would do the same) holding the write lock. */
function holdWriteLock(file: string): () => void {
  const other = new DatabaseSync(file);
  other.exec('begin immediate');
  other.exec("update registry_revision set revision = revision");
  return () => {
    other.exec('commit');
    other.close();
  };
}

describe('SQLite errors as the gateway reads them', () => {
  it('a broken constraint carries PostgreSQL\'s SQLSTATE and is not "unavailable"', async () => {
    const { store } = await open();
    await store.db.insertInto('partners').values(partner).execute();
    const duplicate = await store.db.insertInto('partners').values(partner).execute().catch((error: unknown) => error);
    expect(duplicate).not.toBeInstanceOf(StoreUnavailable);
    expect(duplicate).toMatchObject({ code: '23505' });
    const badType = await store.db.insertInto('partners').values({ ...partner, id: 'bank-y', type: 'kasino' }).execute().catch((error: unknown) => error);
    expect(badType).toMatchObject({ code: '23514' });
    const noPartner = await store.db.insertInto('agreements')
      .values({ number: 'PKS/1', title: 't', partner_id: 'nobody', contracts: '[]', max_classification: 'publik', valid_from: '2026-01-01', valid_until: '2026-12-31' })
      .execute().catch((error: unknown) => error);
    expect(noPartner).toMatchObject({ code: '23503' });
  });

  it('a write that meets another connection\'s lock waits for it on a timer (the event loop stays free) and goes through once it is let go', async () => {
    const { store, file } = await open({ busyWaitMs: 5000 });
    const release = holdWriteLock(file);
    let written = false;
    const write = store.db.insertInto('partners').values(partner).execute().then(() => (written = true));
    // Timers keep firing while the write waits: 10 ticks of 10 ms, none late by much.
    const late: number[] = [];
    for (let i = 0; i < 10; i++) {
      const started = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 10));
      late.push(performance.now() - started - 10);
    }
    expect(written).toBe(false);
    expect(Math.max(...late)).toBeLessThan(50);
    release();
    await write;
    expect(await store.db.selectFrom('partners').select('id').execute()).toEqual([{ id: 'bank-x' }]);
  });

  it('a lock held past the wait fails the write as the store being unavailable (database is locked), and nothing is written', async () => {
    const { store, file } = await open({ busyWaitMs: 300 });
    const release = holdWriteLock(file);
    const started = performance.now();
    const refused = await store.transaction(async (tx) => tx.db.insertInto('partners').values(partner).execute()).catch((error: unknown) => error);
    const waited = performance.now() - started;
    release();
    expect(refused).toBeInstanceOf(StoreUnavailable);
    expect(refused).toMatchObject({ code: 'SQLITE_BUSY', message: expect.stringContaining('database is locked') });
    expect(waited).toBeGreaterThanOrEqual(300);
    expect(waited).toBeLessThan(2000);
    expect(await store.db.selectFrom('partners').select('id').execute()).toEqual([]);
  });

  it('a read goes on while another connection holds the write lock (WAL)', async () => {
    const { store, file } = await open({ busyWaitMs: 0 });
    const release = holdWriteLock(file);
    try {
      const { rows } = await sql<{ revision: number }>`select revision from registry_revision`.execute(store.db);
      expect(rows.map((row) => row.revision)).toEqual([1]);
    } finally {
      release();
    }
  });
});

describe('the background thread: WAL checkpoints and long reads off the event loop', () => {
  let n = 0;
  const row = (): TrafficRow => ({
    logId: `00000000-0000-7000-8000-${String(n).padStart(12, '0')}`, requestId: `r-${n}`, at: new Date().toISOString(), listener: 'internal',
    consumer: 'app', contract: 'c', operation: 'op', method: 'GET', path: `/x/${n++}`, status: 200, errorCode: null, totalMs: 1, upstreamMs: 1,
    bytesIn: 0, bytesOut: 10, requestSha256: null, responseSha256: null, clientAddress: null, traceId: null,
  });

  it('the store\'s connection does not checkpoint; a worker thread moves the WAL into the database file', async () => {
    const { store, file } = await open({ checkpointEveryMs: 100 });
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
    expect(rows[0]?.wal_autocheckpoint).toBe(0);
    const before = statSync(file).size;
    for (let i = 0; i < 10; i++) await store.appendRows('traffic_log', trafficBulkColumns, Array.from({ length: 500 }, row).map(trafficValues));
    // 5,000 rows are more than a megabyte of pages: in the database file only once checkpointed.
    const grown = await until(() => statSync(file).size, (size) => size > before + 1_000_000, { what: 'the database file to take the WAL', timeoutMs: 5000 });
    expect(grown).toBeGreaterThan(before + 1_000_000);
  });

  it('a long read runs on the background thread: the event loop stays free while it scans', async () => {
    const { store } = await open({ checkpointEveryMs: 100 });
    // A read that takes a while on its own: counting five million rows of a recursive CTE.
    const scan = store.db.selectNoFrom(sql<number>`(with recursive g(n) as (select 1 union all select n + 1 from g where n < 5000000) select count(*) from g)`.as('n'));
    const started = performance.now();
    let ticks = 0;
    const ticking = setInterval(() => ticks++, 10);
    const [row] = await store.read(scan);
    clearInterval(ticking);
    const took = performance.now() - started;
    expect(row).toEqual({ n: 5_000_000 });
    // Ticks every 10 ms all along: most of them fired while the scan ran.
    expect(took).toBeGreaterThan(100);
    expect(ticks).toBeGreaterThan((took / 10) * 0.5);
  });

  it('should the background thread end, its read fails as unavailable, later reads and the checkpoints run on the store\'s own connection, and it says so', async () => {
    const warnings: string[] = [];
    const { store } = await open({
      checkpointEveryMs: 100,
      backgroundWorker: new URL('data:text/javascript,setTimeout(() => { throw new Error("background thread broken") }, 300)'),
      log: { info: () => undefined, warn: (_fields: object, message: string) => void warnings.push(message) } as never,
    });
    const first = store.read(store.db.selectFrom('registry_revision').select('revision')).catch((error: unknown) => error);
    expect(await first).toBeInstanceOf(StoreUnavailable);
    expect(warnings).toEqual(['embedded store: its background thread ended; checkpoints and long reads run on the store\'s own connection from now on']);
    expect(await store.read(store.db.selectFrom('registry_revision').select('revision'))).toEqual([{ revision: 1 }]);
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
    expect(rows[0]?.wal_autocheckpoint).toBe(1000);
  });
});
