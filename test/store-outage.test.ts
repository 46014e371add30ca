import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProblemDocument } from '../gateway/errors/problem.ts';
import { startGateway, type Gateway } from '../gateway/server.ts';
import { storeFailure, StoreUnavailable } from '../gateway/errors/store-unavailable.ts';
import { adminClient, asyncSandboxContracts, exampleLetter } from './support/async-sandbox.ts';
import type { DeliveryStatus } from './support/delivery-answers.ts';
import { startHarness, type Harness, type HarnessOptions } from './support/harness.ts';
import { startPostgres, type PostgresServer } from './support/postgres.ts';
import { until } from './support/until.ts';

/** A real PostgreSQL and a gateway on it for one describe block, whose tests stop and start the database. */
function gatewayOnPostgres(options: () => HarnessOptions): { pg: PostgresServer; h: Harness } {
  const running = {} as { pg: PostgresServer; h: Harness };
  beforeAll(async () => {
    running.pg = await startPostgres();
    const { config, ...rest } = options();
    running.h = await startHarness({ ...rest, config: { ...config, store: { url: running.pg.url } } });
  }, 60_000);
  afterAll(async () => {
    await running.h?.close();
    await running.pg?.destroy();
  });
  return running;
}

/**
 * Stops the harness's gateway while its store is down, runs `meanwhile` (the store coming back),
 * and starts another gateway on the same data dir and store, as ops restarting it would.
 */
async function restartDuringOutage(h: Harness, meanwhile: () => Promise<void>): Promise<Gateway> {
  await h.gateway.close();
  await meanwhile();
  return startGateway(h.gateway.config, { logStream: h.logs });
}

/** The held writes waiting under the data dir. */
const heldFiles = (h: Harness, what: 'deliveries' | 'idempotency') => readdirSync(join(h.dataDir, 'spool', what)).filter((file) => file.endsWith('.json'));

describe('the store down: what needs it is refused with 503 STORE_UNAVAILABLE, the rest is served', () => {
  // The sandbox letter is delivered asynchronously: its acceptance writes the outbox.
  const running = gatewayOnPostgres(() => ({ contractDirs: [asyncSandboxContracts('maxAttempts: 3')], clients: [adminClient] }));
  let writer: string;
  beforeAll(async () => {
    writer = await running.h.token('app-writer');
  });

  const call = async (method: 'GET' | 'POST', path: string, id: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${running.h.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${writer}`, 'x-request-id': id, ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(method === 'POST' ? { body: JSON.stringify(exampleLetter) } : {}),
    });
    return { status: res.status, type: res.headers.get('content-type'), retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
  };

  it('a keyed request, an async delivery and the admin API get 503 with Retry-After and reach no upstream; a plain GET is served; all work again once the store is back', async () => {
    const { pg, h } = running;
    const hitsBefore = h.upstream.hits;
    await pg.stop();

    const keyed = await call('POST', '/sandbox/v1/surat', 'outage-keyed', { 'idempotency-key': 'outage-1' });
    const unkeyed = await call('POST', '/sandbox/v1/surat', 'outage-async');
    for (const refused of [keyed, unkeyed]) {
      expect(refused).toMatchObject({ status: 503, type: 'application/problem+json', retryAfter: '5' });
      expect(refused.body).toMatchObject({ code: 'STORE_UNAVAILABLE', status: 503 });
    }
    const admin = await fetch(`${h.adminUrl}/admin/v1/deliveries`, { headers: { authorization: `Bearer ${await h.token(adminClient.clientId)}` } });
    expect(admin.status).toBe(503);
    expect(((await admin.json()) as { code: string }).code).toBe('STORE_UNAVAILABLE');

    const plain = await call('GET', '/sandbox/v1/perangkat-daerah/2.16', 'outage-get');
    expect(plain.status).toBe(200);
    expect(h.upstream.hits).toBe(hitsBefore + 1);
    // A database outage is not a gateway fault: no "pipeline fault" error line for it.
    expect(h.logs.text).not.toContain('pipeline fault');

    await pg.start();
    // A pooled connection may still fail once after the restart: each try has its own request id.
    let tries = 0;
    const accepted = await until(() => call('POST', '/sandbox/v1/surat', `after-${++tries}`, { 'idempotency-key': 'outage-1' }), (r) => r.status !== 503, { what: 'the store to be back', timeoutMs: 15_000 });
    expect(accepted.status).toBe(202);
    // The refusals were spooled and replayed: each is in the traffic log with its code.
    const rows = await until(
      () => h.gateway.store.db.selectFrom('traffic_log').select(['request_id', 'status', 'error_code']).where('request_id', 'like', 'outage-%').orderBy('request_id').execute(),
      (found) => found.length >= 3,
      { what: 'the spooled rows to be replayed', timeoutMs: 15_000 },
    );
    expect(rows).toEqual([
      { request_id: 'outage-async', status: 503, error_code: 'STORE_UNAVAILABLE' },
      { request_id: 'outage-get', status: 200, error_code: null },
      { request_id: 'outage-keyed', status: 503, error_code: 'STORE_UNAVAILABLE' },
    ]);
  });
});

describe('the store down while a delivery is at the upstream', () => {
  const running = gatewayOnPostgres(() => {
    // The upstream takes 1.5 s here, within the contract's timeout (5 s instead of the copy's 1 s).
    const contracts = asyncSandboxContracts('maxAttempts: 3');
    const contract = join(contracts, 'sandbox', 'direktori.yaml');
    writeFileSync(contract, readFileSync(contract, 'utf8').replace('timeoutMs: 1000', 'timeoutMs: 5000'));
    return { contractDirs: [contracts], config: { delivery: { pollMs: 50 } } };
  });

  it('records its receipt once the store is back: delivered once, with the upstream\'s answer, never parked as "outcome unknown"', async () => {
    const { pg, h } = running;
    const writer = await h.token('app-writer');
    h.upstream.delayMs = 1500;
    const hitsBefore = h.upstream.hits;
    const accepted = await fetch(`${h.url}/sandbox/v1/surat`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' }, body: JSON.stringify(exampleLetter) });
    expect(accepted.status).toBe(202);
    const location = new URL(accepted.headers.get('location')!, `${h.url}/sandbox/v1/surat`);
    await until(() => h.upstream.hits, (hits) => hits === hitsBefore + 1, { what: 'the worker to send the letter' });
    await pg.stop();
    await until(() => h.logs.text, (text) => text.includes('delivery outcome held on disk until the store is back'), { what: 'the receipt to wait for the store' });
    await pg.start();
    const polled = await until(
      async () => (await fetch(location, { headers: { authorization: `Bearer ${writer}` } })).json() as Promise<DeliveryStatus | ProblemDocument>,
      (body) => body.status !== 'delivering' && body.status !== undefined,
      { what: 'the delivery to end', timeoutMs: 15_000 },
    );
    expect(polled).toMatchObject({ status: 'delivered', attempts: 1, response: { status: 201, body: { perihal: exampleLetter.perihal, nomorAgenda: expect.any(String) } } });
    expect(h.upstream.hits).toBe(hitsBefore + 1);
    // The callbacks' passes (every 50 ms) and the registry's refresh (every 200 ms) failed while the
    // store was down: a line when they started failing (one more if the error changed) and one
    // when they worked again, not one a pass.
    for (const pass of ['callback pass', 'registry refresh']) {
      await until(() => h.logs.text, (text) => text.includes(`${pass} works again`), { what: `${pass} to work again` });
      const failures = h.logs.lines.filter((line) => line.includes(pass) && line.includes('failed; next passes retry')).length;
      expect(failures, pass).toBeGreaterThanOrEqual(1);
      expect(failures, pass).toBeLessThanOrEqual(3);
    }
  });

  it('holds the receipt on disk across a gateway stop during the outage: the next gateway records it, delivered once, never parked', async () => {
    const { pg, h } = running;
    const writer = await h.token('app-writer');
    h.upstream.delayMs = 1500;
    const hitsBefore = h.upstream.hits;
    const accepted = await fetch(`${h.url}/sandbox/v1/surat`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...exampleLetter, perihal: 'Lintas henti' }) });
    expect(accepted.status).toBe(202);
    const location = accepted.headers.get('location')!;
    await until(() => h.upstream.hits, (hits) => hits === hitsBefore + 1, { what: 'the worker to send the letter' });
    await pg.stop();
    await until(() => heldFiles(h, 'deliveries'), (files) => files.length === 1, { what: 'the receipt to be held on disk' });
    const next = await restartDuringOutage(h, () => pg.start());
    try {
      const polled = await until(
        async () => (await fetch(new URL(location, `${next.internal.url}/sandbox/v1/surat`), { headers: { authorization: `Bearer ${writer}` } })).json() as Promise<DeliveryStatus | ProblemDocument>,
        (body) => body.status !== 'delivering' && body.status !== undefined,
        { what: 'the delivery to end', timeoutMs: 15_000 },
      );
      expect(polled).toMatchObject({ status: 'delivered', attempts: 1, response: { status: 201, body: { perihal: 'Lintas henti', nomorAgenda: expect.any(String) } } });
      expect(h.upstream.hits).toBe(hitsBefore + 1);
      expect(heldFiles(h, 'deliveries')).toEqual([]);
      expect(h.logs.text).not.toContain('were parked (outcome unknown)');
    } finally {
      await next.close();
    }
  }, 60_000);
});

describe('the store down while a keyed request is at the upstream', () => {
  const running = gatewayOnPostgres(() => ({}));

  it('holds the answer on disk and stores it once the store is back: a repeat gets it replayed, the upstream acted once', async () => {
    const { pg, h } = running;
    const writer = await h.token('app-writer');
    const post = () => fetch(`${h.url}/sandbox/v1/surat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json', 'idempotency-key': 'held-answer' },
      body: JSON.stringify(exampleLetter),
    });
    h.upstream.delayMs = 1000;
    const hitsBefore = h.upstream.hits;
    const first = post();
    await until(() => h.upstream.hits, (hits) => hits === hitsBefore + 1, { what: 'the upstream to get the letter' });
    await pg.stop(); // the key was claimed; its answer comes back to a gateway whose store is down
    const answered = await first;
    const firstBody = await answered.text();
    expect(answered.status).toBe(201);
    await until(() => h.logs.text, (text) => text.includes('idempotency outcome held on disk until the store is back'), { what: 'the answer to wait for the store' });

    await pg.start();
    await until(() => h.logs.text, (text) => text.includes('held idempotency outcomes written to the store'), { what: 'the answer to be stored', timeoutMs: 15_000 });
    h.upstream.delayMs = 0;
    const repeat = await post();
    expect(repeat.status).toBe(201);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(await repeat.text()).toBe(firstBody);
    expect(h.upstream.hits).toBe(hitsBefore + 1);
  });
  it('holds the answer across a gateway stop during the outage: the next gateway stores it before it takes exchanges, and a repeat gets it replayed', async () => {
    const { pg, h } = running;
    const writer = await h.token('app-writer');
    const post = (url: string) => fetch(`${url}/sandbox/v1/surat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json', 'idempotency-key': 'held-across-stop' },
      body: JSON.stringify({ ...exampleLetter, perihal: 'Jawaban lintas henti' }),
    });
    h.upstream.delayMs = 1000;
    const hitsBefore = h.upstream.hits;
    const first = post(h.url);
    await until(() => h.upstream.hits, (hits) => hits === hitsBefore + 1, { what: 'the upstream to get the letter' });
    await pg.stop();
    const answered = await first;
    const firstBody = await answered.text();
    expect(answered.status).toBe(201);
    await until(() => heldFiles(h, 'idempotency'), (files) => files.length === 1, { what: 'the answer to be held on disk' });
    // Ops see it waiting; it does not make the gateway unready.
    const ready = (await (await fetch(`${h.adminUrl}/readyz`)).json()) as { checks: Record<string, { ok: boolean; detail: string }> };
    expect(ready.checks.heldWrites).toEqual({ ok: true, detail: '0 delivery outcomes, 1 idempotency outcomes waiting for the store' });
    const next = await restartDuringOutage(h, () => pg.start());
    try {
      expect(heldFiles(h, 'idempotency')).toEqual([]);
      h.upstream.delayMs = 0;
      const repeat = await post(next.internal.url);
      expect(repeat.status).toBe(201);
      expect(repeat.headers.get('idempotent-replayed')).toBe('true');
      expect(await repeat.text()).toBe(firstBody);
      expect(h.upstream.hits).toBe(hitsBefore + 1);
    } finally {
      await next.close();
    }
  }, 60_000);
});

describe('which store errors mean "unavailable"', () => {
  const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  it('connection, resource, operator and system SQLSTATE classes, socket errors and a lost connection; not a refused statement', () => {
    for (const unavailable of [coded('08006'), coded('53100', 'could not extend file: No space left on device'), coded('57P01'), coded('58030'), coded('ECONNREFUSED'), new Error('Connection terminated unexpectedly'), new Error('timeout exceeded when trying to connect')]) {
      expect(storeFailure(unavailable)).toBeInstanceOf(StoreUnavailable);
    }
    for (const refused of [coded('23505'), coded('22P02'), coded('42P01'), new Error('bind message supplies 1 parameters, but prepared statement requires 2'), new TypeError('x is not a function')]) {
      expect(storeFailure(refused)).toBe(refused);
    }
    const wrapped = storeFailure(coded('53100')) as StoreUnavailable;
    expect(wrapped.code).toBe('53100');
    expect(storeFailure(wrapped)).toBe(wrapped);
  });
});
