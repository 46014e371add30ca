import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, asyncSandboxContracts, exampleLetter } from './support/async-sandbox.ts';
import { startHarness, type Harness } from './support/harness.ts';
import { startPostgres, type PostgresServer } from './support/postgres.ts';
import { startTcpPartition, type TcpPartition } from './support/tcp-partition.ts';
import { until } from './support/until.ts';

/**
 * The network between the gateway and PostgreSQL cut without a word (a firewall dropping packets,
 * a dead switch): the connections stay open and queries on them wait, unlike a stopped server
 * (store-outage.test.ts), which refuses at once.
 */
describe('the path to PostgreSQL cut: store calls hang', () => {
  let pg: PostgresServer;
  let cut: TcpPartition;
  let h: Harness;
  let writer: string;
  beforeAll(async () => {
    pg = await startPostgres();
    cut = await startTcpPartition({ host: '127.0.0.1', port: pg.port });
    // The letter is delivered asynchronously: its acceptance writes the outbox.
    h = await startHarness({
      contractDirs: [asyncSandboxContracts('maxAttempts: 3')],
      clients: [adminClient],
      config: { store: { url: `postgres://penghubung@127.0.0.1:${cut.port}/postgres` } },
    });
    writer = await h.token('app-writer');
  }, 60_000);
  afterAll(async () => {
    cut?.heal();
    await h?.close();
    await cut?.close();
    await pg?.destroy();
  });

  const post = (id: string, headers: Record<string, string>, signal?: AbortSignal) => fetch(`${h.url}/sandbox/v1/surat`, {
    method: 'POST',
    ...(signal ? { signal } : {}),
    headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json', 'x-request-id': id, ...headers },
    body: JSON.stringify({ ...exampleLetter, perihal: `Surat ${id}` }),
  });

  it('a caller who gives up while its exchange waits for the store: nothing accepted or sent for it, its key given back, one row (499) each; the gateway stays up', async () => {
    const hitsBefore = h.upstream.hits;
    cut.partition();
    // One waits on its idempotency claim, the other on the outbox's transaction.
    const gaveUp = await Promise.allSettled([
      post('gone-keyed', { 'idempotency-key': 'gone-1' }, AbortSignal.timeout(800)),
      post('gone-async', {}, AbortSignal.timeout(800)),
    ]);
    expect(gaveUp.map((settled) => settled.status)).toEqual(['rejected', 'rejected']);
    // What needs no store is served meanwhile.
    const plain = await fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: { authorization: `Bearer ${writer}` } });
    expect(plain.status).toBe(200);

    cut.heal(); // the waiting queries go through now, for callers long gone
    const rows = await until(
      () => h.gateway.store.query<{ request_id: string; status: number; error_code: string | null }>("select request_id, status, error_code from traffic_log where request_id like 'gone-%' order by request_id"),
      (found) => found.length >= 2,
      { what: 'the rows of the callers who left', timeoutMs: 15_000 },
    );
    expect(rows).toEqual([
      { request_id: 'gone-async', status: 499, error_code: 'CLIENT_CLOSED' },
      { request_id: 'gone-keyed', status: 499, error_code: 'CLIENT_CLOSED' },
    ]);
    // Their stages stopped where they waited: no delivery accepted for a caller who never learnt
    // its id (its retry would file the letter twice), nothing sent upstream, the key given back.
    await until(() => h.gateway.store.query("select 1 from idempotency_keys where key = 'gone-1'"), (keys) => keys.length === 0, { what: 'the key to be given back' });
    expect(await h.gateway.store.query("select id from deliveries where request->>'requestId' like 'gone-%'")).toEqual([]);
    expect(h.upstream.hits).toBe(hitsBefore + 1);
    expect(h.logs.text).not.toContain('pipeline fault');

    // The caller's retry with the same key is executed, not answered 409 or "outcome unknown".
    const retried = await post('gone-keyed-retry', { 'idempotency-key': 'gone-1' });
    expect(retried.status).toBe(202);
    expect(await h.gateway.store.query("select id from deliveries where request->>'requestId' = 'gone-keyed-retry'")).toHaveLength(1);
  });
});
