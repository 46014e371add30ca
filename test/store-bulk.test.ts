import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BulkColumn } from '../gateway/store/bulk.ts';
import { openStore } from '../gateway/store/open.ts';
import type { Store } from '../gateway/store/store.ts';
import type { TrafficRow } from '../gateway/traffic/row.ts';
import { insertTrafficRows, TrafficLog } from '../gateway/traffic/traffic-log.ts';
import { tempDir } from './support/harness.ts';
import { storeOnPostgres } from './support/postgres-store.ts';
import { rows as rowsOf } from './support/store-rows.ts';

const columns: BulkColumn[] = [
  { name: 'id', type: 'int4' },
  { name: 'label', type: 'text' },
  { name: 'note', type: 'text' },
  { name: 'at', type: 'timestamptz' },
  { name: 'ms', type: 'float8' },
];
// What a CSV body must carry through: its own delimiters, quotes, line breaks, empty vs null.
const rows = [
  [1, 'Dinas Kependudukan, Bangka Selatan', null, '2026-11-25T01:02:03.456Z', 1.5],
  [2, 'surat "penting"', '', '2026-11-25T01:02:04.000Z', 0.001],
  [3, 'baris satu\nbaris dua\r\n', 'Pengaduan 🙏 warga', '2026-11-25T01:02:05.000Z', null],
  [4, '\\N', ',', '2026-11-25T01:02:06.000Z', 12345.678],
] as const;

async function appendAndReadBack(store: Store) {
  // Times as the store keeps them (schema.ts): timestamptz in PostgreSQL, ISO 8601 text in SQLite; both read back as ISO strings.
  await store.exec(`create table bulk_test (id int4 primary key, label text, note text, at ${store.kind === 'postgres' ? 'timestamptz' : 'text'}, ms float8)`);
  await store.appendRows('bulk_test', columns, rows);
  const back = await rowsOf(store, sql<{ id: number; label: string; note: string | null; at: string; ms: number | null }>`select id, label, note, at, ms from bulk_test order by id`);
  expect(back.map((r) => [r.id, r.label, r.note, r.at, r.ms])).toEqual(rows);

  // All or none: a key already there refuses the whole batch, with the code callers test for.
  const refused = store.appendRows('bulk_test', columns, [[5, 'baru', null, '2026-11-25T02:00:00Z', 1], [2, 'lagi', null, '2026-11-25T02:00:00Z', 1]]);
  await expect(refused).rejects.toMatchObject({ code: '23505' });
  expect(await rowsOf(store, sql`select id from bulk_test where id = 5`)).toEqual([]);
}

function trafficRow(requestId: string): TrafficRow {
  return {
    logId: randomUUID(), requestId, at: new Date().toISOString(), listener: 'internal', consumer: 'app-reader', contract: 'sandbox-direktori',
    operation: 'getUnit', method: 'GET', path: '/sandbox/v1/perangkat-daerah/2.16', status: 200, errorCode: null, totalMs: 1.25, upstreamMs: 0.5,
    bytesIn: 0, bytesOut: 120, requestSha256: null, responseSha256: 'ab'.repeat(32), clientAddress: '127.0.0.1', traceId: null,
  };
}

async function batchWithAnEarlyRow(store: Store, dataDir: string) {
  const early = trafficRow('logged-early');
  await insertTrafficRows(store, [early]);
  const traffic = new TrafficLog(store, { batchSize: 100, flushMs: 60_000, maxQueue: 1000, replaySeconds: 60 }, dataDir, pino({ level: 'silent' }));
  const others = ['batch-1', 'batch-2', 'batch-3'].map(trafficRow);
  for (const row of [others[0]!, { ...early, status: 500 }, ...others.slice(1)]) traffic.enqueue(row);
  await traffic.flush();
  const logged = await store.db.selectFrom('traffic_log').select(['request_id', 'status'])
    .where('request_id', 'in', ['logged-early', 'batch-1', 'batch-2', 'batch-3']).orderBy('request_id').execute();
  // The batch is written (through the idempotent insert), not spooled; the first row of an exchange stays.
  expect(logged).toEqual([
    { request_id: 'batch-1', status: 200 }, { request_id: 'batch-2', status: 200 }, { request_id: 'batch-3', status: 200 }, { request_id: 'logged-early', status: 200 },
  ]);
  expect(traffic.stats).toMatchObject({ written: 4, spooled: 0 });
}

describe('bulk append, embedded store (SQLite, prepared insert in one transaction)', () => {
  let store: Store;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = tempDir('bulk-');
    store = await openStore({ dataDir, store: { url: null } });
  });
  afterAll(async () => {
    await store?.close();
  });

  it('writes every value as given, and refuses a batch with a key already there as a whole', async () => {
    await appendAndReadBack(store);
  });

  it('traffic log: a batch holding a row its exchange already logged is still written, once per row', async () => {
    await batchWithAnEarlyRow(store, dataDir);
  });
});

describe('bulk append, PostgreSQL (unnest insert)', () => {
  const running = storeOnPostgres();

  it('writes every value as given, and refuses a batch with a key already there as a whole', async () => {
    await appendAndReadBack(running.store);
  });

  it('traffic log: a batch holding a row its exchange already logged is still written, once per row', async () => {
    await batchWithAnEarlyRow(running.store, tempDir('bulk-pg-spool-'));
  });
});
