import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, asyncSandboxContracts, postLetter, timed } from './support/async-sandbox.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { startPostgres, type PostgresServer } from './support/postgres.ts';
import { startTcpPartition, type TcpPartition } from './support/tcp-partition.ts';
import { rows as queryRows } from './support/store-rows.ts';
import { until } from './support/until.ts';

/**
 * The network between the gateway and PostgreSQL cut without a word (a firewall dropping packets,
 * a dead switch): the connections stay open and queries on them wait, unlike a stopped server
 * (store-outage.test.ts), which refuses at once.
 */
/** A real PostgreSQL behind a relay that can cut the path, and a gateway on it, for one describe block. */
function gatewayBehindCut(queryTimeoutSeconds: number) {
  const running = {} as { pg: PostgresServer; cut: TcpPartition; h: Harness; writer: string };
  beforeAll(async () => {
    running.pg = await startPostgres();
    running.cut = await startTcpPartition({ host: '127.0.0.1', port: running.pg.port });
    // The letter is delivered asynchronously: its acceptance writes the outbox (1 s contract timeout).
    running.h = await startHarness({
      contractDirs: [asyncSandboxContracts('maxAttempts: 3')],
      clients: [adminClient],
      config: { store: { url: `postgres://penghubung@127.0.0.1:${running.cut.port}/postgres`, queryTimeoutSeconds } },
    });
    running.writer = await running.h.token('app-writer');
  }, 60_000);
  afterAll(async () => {
    running.cut?.heal();
    await running.h?.close();
    await running.cut?.close();
    await running.pg?.destroy();
  });
  const post = (id: string, headers: Record<string, string>, signal?: AbortSignal, subject = id) =>
    postLetter(running.h.url, running.writer, id, headers, { ...(signal ? { signal } : {}), subject });
  const get = () => fetch(`${running.h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: { authorization: `Bearer ${running.writer}` } });
  const rowsOf = (prefix: string, count: number) => until(
    () => running.h.gateway.store.db.selectFrom('traffic_log').select(['request_id', 'status', 'error_code']).where('request_id', 'like', `${prefix}%`).orderBy('request_id').execute(),
    (found) => found.length >= count,
    { what: `the rows of ${prefix}*`, timeoutMs: 15_000 },
  );
  return { running, post, get, rowsOf };
}

describe('the path to PostgreSQL cut, no query timeout (queryTimeoutSeconds 0): store calls wait until the path is back', () => {
  const { running, post, get, rowsOf } = gatewayBehindCut(0);

  it('a caller who gives up while its exchange waits for the store: nothing accepted or sent for it, its key given back, one row (499) each; the gateway stays up', async () => {
    const { cut, h } = running;
    const hitsBefore = h.upstream.hits;
    cut.partition();
    // One waits on its idempotency claim, the other on the outbox's transaction.
    const gaveUp = await Promise.allSettled([
      post('gone-keyed', { 'idempotency-key': 'gone-1' }, AbortSignal.timeout(800)),
      post('gone-async', {}, AbortSignal.timeout(800)),
    ]);
    expect(gaveUp.map((settled) => settled.status)).toEqual(['rejected', 'rejected']);
    // What needs no store is served meanwhile.
    expect((await get()).status).toBe(200);

    cut.heal(); // the waiting queries go through now, for callers long gone
    const rows = await rowsOf('gone-', 2);
    expect(rows).toEqual([
      { request_id: 'gone-async', status: 499, error_code: 'CLIENT_CLOSED' },
      { request_id: 'gone-keyed', status: 499, error_code: 'CLIENT_CLOSED' },
    ]);
    // Their stages stopped where they waited: no delivery accepted for a caller who never learnt
    // its id (its retry would file the letter twice), nothing sent upstream, the key given back.
    await until(() => h.gateway.store.db.selectFrom('idempotency_keys').select('state').where('key', '=', 'gone-1').execute(), (keys) => keys[0]?.state === 'released', { what: 'the key to be given back' });
    expect(await queryRows(h.gateway.store, sql`select id from deliveries where request->>'requestId' like 'gone-%'`)).toEqual([]);
    expect(h.upstream.hits).toBe(hitsBefore + 1);
    expect(h.logs.text).not.toContain('pipeline fault');

    // The caller's retry with the same key is executed, not answered 409 or "outcome unknown".
    const retried = await post('gone-keyed-retry', { 'idempotency-key': 'gone-1' }, undefined, 'gone-keyed');
    expect(retried.status).toBe(202);
    expect(await queryRows(h.gateway.store, sql`select id from deliveries where request->>'requestId' = 'gone-keyed-retry'`)).toHaveLength(1);
  });
});

describe('the path to PostgreSQL cut, with the query timeout: every exchange answered in time', () => {
  const { running, post, get, rowsOf } = gatewayBehindCut(2);

  it('a keyed request gets 503 at its contract timeout (1 s), an async one at store.queryTimeoutSeconds (2 s), a GET is served, the traffic log spools; all work again once the path is back', async () => {
    const { cut, h } = running;
    const hitsBefore = h.upstream.hits;
    cut.partition();
    const [keyed, unkeyed, plain] = await Promise.all([
      timed(() => post('cut-keyed', { 'idempotency-key': 'cut-1' })),
      timed(() => post('cut-async', {})),
      timed(get),
    ]);
    expect(keyed).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
    expect(keyed.ms).toBeGreaterThanOrEqual(950);
    expect(keyed.ms).toBeLessThan(1000 + 1500);
    expect(unkeyed).toMatchObject({ status: 503, code: 'STORE_UNAVAILABLE' });
    expect(unkeyed.ms).toBeGreaterThanOrEqual(1950);
    expect(unkeyed.ms).toBeLessThan(2000 + 1500);
    expect(plain.status).toBe(200);
    // The traffic log's batch timed out as well: spooled, not stuck behind a query that never ends.
    await until(() => h.gateway.traffic.stats.spooled, (spooled) => spooled >= 3, { what: 'the rows to be spooled', timeoutMs: 10_000 });

    // New connections first: the claim the keyed request sent on its old one (the store never
    // confirmed it) reaches PostgreSQL 3 s after its give-back, and must land nowhere.
    cut.heal({ oldAfterMs: 3000 });
    const keyState = () => h.gateway.store.db.selectFrom('idempotency_keys').select('state').where('key', '=', 'cut-1').execute();
    await until(keyState, (rows) => rows[0]?.state === 'released', { what: 'the unconfirmed claim to be given back', timeoutMs: 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(await keyState()).toEqual([{ state: 'released' }]);
    expect(await rowsOf('cut-', 2)).toEqual([
      { request_id: 'cut-async', status: 503, error_code: 'STORE_UNAVAILABLE' },
      { request_id: 'cut-keyed', status: 503, error_code: 'STORE_UNAVAILABLE' },
    ]);
    expect(await queryRows(h.gateway.store, sql`select id from deliveries where request->>'requestId' like 'cut-%'`)).toEqual([]);
    expect(h.upstream.hits).toBe(hitsBefore + 1);
    expect(h.logs.text).not.toContain('pipeline fault');
    // The key is free: the retry is executed (not 409, nor "outcome unknown" a minute later).
    const retried = await post('cut-keyed-retry', { 'idempotency-key': 'cut-1' }, undefined, 'cut-keyed');
    expect(retried.status).toBe(202);
  });
});
