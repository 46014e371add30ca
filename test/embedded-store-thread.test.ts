import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restartAfter } from '../gateway/store/embedded.ts';
import { openStore } from '../gateway/store/open.ts';
import type { Store } from '../gateway/store/store.ts';
import { StoreUnavailable } from '../gateway/store/unavailable.ts';
import { adminClient, asyncSandboxContracts, postLetter, timed } from './support/async-sandbox.ts';
import { LogCapture, startHarness, type Harness } from './support/harness.ts';
import { storePerTest } from './support/store-per-test.ts';
import { until } from './support/until.ts';

/**
 * The embedded store's PGlite runs in one worker thread. When that thread ends (a result past its
 * heap, a statement past the query timeout, a fault) the store must start another, as a
 * PostgreSQL server comes back after a restart, rather than stay down until ops restart the gateway.
 */

/** A real pino logger for the store, and its lines read back. */
function recordingLog() {
  const capture = new LogCapture();
  const lines = () => capture.lines.map((line) => {
    const { level, msg, ...fields } = JSON.parse(line) as { level: number; msg: string } & Record<string, unknown>;
    return { level: level >= 50 ? 'error' : 'info', message: msg, fields };
  });
  return { lines, log: pino({ level: 'info' }, capture) };
}

const answered = (store: Store) => until(() => store.query<{ one: number }>('select 1 as one').catch((error: Error) => error), (result) => Array.isArray(result), { what: 'a new store thread to answer', timeoutMs: 15_000 });

describe('embedded store thread supervised', () => {
  const each = storePerTest<Store>();

  it('a result past the thread heap ends the thread, not the process; calls fail as StoreUnavailable, and a new thread serves every committed row, not the open transaction', async () => {
    const dataDir = each.dataDir('store-thread-');
    const { lines, log } = recordingLog();
    // workerYield off: this test counts the supervisor's lines, and a process that may not leave
    // SCHED_IDLE (not root, no LimitNICE) would add one about yielding.
    const open = each.keep(await openStore({ dataDir, store: { url: null, workerHeapMb: 32, queryTimeoutSeconds: 0, workerYield: false } }, log));
    await open.exec("create table letters (subject text); insert into letters values ('committed')");

    // Two million rows do not fit 32 MiB of heap: PGlite's thread is ended by V8, inside the
    // transaction that inserted a row first.
    const lost = open.transaction(async (tx) => {
      await tx.query("insert into letters values ('uncommitted')");
      return tx.query("select g, 'row ' || g as label from generate_series(1, 2000000) g");
    });
    await expect(lost).rejects.toBeInstanceOf(StoreUnavailable);
    await expect(lost).rejects.toThrow(/memory limit/);
    // Calls right after fail at once, as with a PostgreSQL server that is down.
    const started = performance.now();
    await expect(open.query('select 1')).rejects.toBeInstanceOf(StoreUnavailable);
    expect(performance.now() - started).toBeLessThan(100);

    await answered(open);
    expect(await open.query('select subject from letters order by subject')).toEqual([{ subject: 'committed' }]);
    await open.query("insert into letters values ('after')");
    expect(await open.query('select count(*)::int as n from letters')).toEqual([{ n: 2 }]);
    expect(lines().map(({ level, message }) => `${level} ${message}`)).toEqual([
      'error embedded store thread ended; exchanges that need the store get 503 until a new one has started',
      'info embedded store thread started again',
    ]);
    expect(lines()[0]!.fields).toMatchObject({ err: expect.stringMatching(/memory limit/), restartInMs: 500 });
  }, 30_000);

  it('a statement past store.queryTimeoutSeconds ends the thread, failing it and the calls behind it; threads that end again soon are started after twice the wait; a stop behind it is bounded too', async () => {
    const dataDir = each.dataDir('store-thread-');
    const { lines, log } = recordingLog();
    const open = each.keep(await openStore({ dataDir, store: { url: null, queryTimeoutSeconds: 1 } }, log));

    for (const round of [1, 2]) {
      const started = performance.now();
      // PGlite runs one statement at a time: the call behind the sleep waits on it.
      const [stuck, behind] = await Promise.allSettled([open.query('select pg_sleep(30)'), open.query('select 2')]);
      const ms = performance.now() - started;
      expect(stuck.status === 'rejected' && stuck.reason).toBeInstanceOf(StoreUnavailable);
      expect(stuck.status === 'rejected' && (stuck.reason as Error).message).toBe('store unavailable: no answer within 1 s (store.queryTimeoutSeconds)');
      expect(behind.status === 'rejected' && behind.reason).toBeInstanceOf(StoreUnavailable);
      expect(ms, `round ${round}`).toBeGreaterThanOrEqual(950);
      expect(ms, `round ${round}`).toBeLessThan(1000 + 1500);
      await answered(open);
    }
    const ended = lines().filter(({ level }) => level === 'error');
    expect(ended.map(({ message, fields }) => [message.split(';')[0], fields.restartInMs ?? null])).toEqual([
      ['embedded store call unanswered past store.queryTimeoutSeconds', null],
      ['embedded store thread ended', 500],
      ['embedded store call unanswered past store.queryTimeoutSeconds', null],
      ['embedded store thread ended', 1000],
    ]);

    // A stop behind a statement that would not end is bounded by the limit too, and loses nothing committed.
    await open.exec("create table letters (subject text); insert into letters values ('committed')");
    open.query('select pg_sleep(30)').catch(() => undefined);
    const closing = performance.now();
    await open.close();
    expect(performance.now() - closing).toBeLessThan(1000 + 1500);
    expect(lines().at(-1)!.message).toBe('embedded store thread ended before it closed cleanly; the next start recovers the data dir as after a crash');
    const reopened = await openStore({ dataDir, store: { url: null } });
    try {
      expect(await reopened.query('select subject from letters')).toEqual([{ subject: 'committed' }]);
    } finally {
      await reopened.close();
    }
  }, 30_000);
});

describe('restartAfter', () => {
  it('doubles the wait from 0.5 s up to 30 s while threads end within a minute, and starts over after one that served longer', () => {
    let ends = 0;
    const waits = [];
    for (let i = 0; i < 9; i++) {
      const next = restartAfter(ends, 2_000);
      ends = next.endsInARow;
      waits.push(next.delayMs);
    }
    expect(waits).toEqual([500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
    expect(restartAfter(ends, 60_000)).toEqual({ endsInARow: 1, delayMs: 500 });
    expect(restartAfter(0, 3_600_000)).toEqual({ endsInARow: 1, delayMs: 500 });
  });
});

describe('a gateway on the embedded store whose thread is stuck', () => {
  let h: Harness;
  let writer: string;
  beforeAll(async () => {
    h = await startHarness({
      contractDirs: [asyncSandboxContracts('maxAttempts: 3')],
      clients: [adminClient],
      config: { store: { queryTimeoutSeconds: 1 } },
    });
    writer = await h.token('app-writer');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const post = (id: string, headers: Record<string, string>, subject = id) => postLetter(h.url, writer, id, headers, { subject });

  it('exchanges that need the store get 503 within the timeout, a GET is served, and once a new thread has started every exchange is in the log and the key is free', async () => {
    const hitsBefore = h.upstream.hits;
    // A statement that holds PGlite's only thread (a heavy search, a bug): without the query
    // timeout every exchange needing the store would wait behind it for its whole minute.
    const stuck = h.gateway.store.query('select pg_sleep(60)');
    stuck.catch(() => undefined);
    const [keyed, unkeyed, plain] = await Promise.all([
      timed(() => post('stuck-keyed', { 'idempotency-key': 'stuck-1' })),
      timed(() => post('stuck-async', {})),
      timed(() => fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: { authorization: `Bearer ${writer}`, 'x-request-id': 'stuck-get' } })),
    ]);
    expect(keyed).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
    expect(unkeyed).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
    for (const { ms } of [keyed, unkeyed]) expect(ms).toBeLessThan(1000 + 1500);
    expect(plain.status).toBe(200);
    await expect(stuck).rejects.toBeInstanceOf(StoreUnavailable);

    const ready = await until(
      async () => (await fetch(`${h.url}/readyz`)).json() as Promise<{ checks: { store: { ok: boolean } } }>,
      (body) => body.checks.store.ok,
      { what: '/readyz to find the store again', timeoutMs: 15_000 },
    );
    expect(ready.checks.store.ok).toBe(true);
    const rows = await until(
      () => h.gateway.store.query<{ request_id: string; status: number }>("select request_id, status from traffic_log where request_id like 'stuck-%' order by request_id"),
      (found) => found.length >= 3,
      { what: 'the three rows', timeoutMs: 15_000 },
    );
    expect(rows).toEqual([
      { request_id: 'stuck-async', status: 503 },
      { request_id: 'stuck-get', status: 200 },
      { request_id: 'stuck-keyed', status: 503 },
    ]);
    expect(h.upstream.hits).toBe(hitsBefore + 1);
    expect(h.logs.text).toContain('embedded store thread started again');
    expect(h.logs.text).not.toContain('pipeline fault');
    // The key the stuck thread never confirmed is free: the retry is executed.
    expect((await post('stuck-keyed-retry', { 'idempotency-key': 'stuck-1' }, 'stuck-keyed')).status).toBe(202);
  }, 60_000);
});
