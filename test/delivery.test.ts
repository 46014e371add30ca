import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxUpstream, type SandboxUpstream } from '../adapters/sandbox/simulator.ts';
import { Outbox, type Delivery } from '../gateway/delivery/outbox.ts';
import type { ProblemDocument } from '../gateway/errors/problem.ts';
import { startHarness, tempDir, trafficRows, type Harness } from './support/harness.ts';
import { adminClient, asyncSandboxContracts, exampleLetter } from './support/async-sandbox.ts';
import type { DeliveryAccepted, DeliveryStatus } from './support/delivery-answers.ts';
import { until } from './support/until.ts';
import { deliveryLocation } from '../gateway/pipeline/delivery-status.ts';

const letter = exampleLetter;

describe('store-and-forward delivery', () => {
  let h: Harness;
  let writer: string;
  let dataDir: string;
  let contracts: string;
  const options = () => ({
    dataDir,
    contractDirs: [contracts],
    clients: [adminClient],
    config: { delivery: { pollMs: 50, baseDelayMs: 40, maxDelayMs: 200 } },
  });
  const submit = async (body: unknown = letter, key?: string) => {
    const res = await fetch(`${h.url}/sandbox/v1/surat`, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify(body) });
    return { status: res.status, location: res.headers.get('location'), requestId: res.headers.get('x-request-id')!, body: (await res.json()) as DeliveryAccepted };
  };
  // A 202's Location is relative to the URL the letter was sent to.
  const poll = async <T = DeliveryStatus>(location: string, token = writer) => {
    const res = await fetch(new URL(location, `${h.url}/sandbox/v1/surat`), { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as T };
  };
  const admin = async <T = Delivery>(method: string, path: string) => {
    const res = await fetch(`${h.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${await h.token('admin-console')}` } });
    return { status: res.status, body: (await res.json()) as T };
  };
  /** A pending letter written straight to the outbox, first due in an hour; its id. */
  const waitingDelivery = () => h.gateway.store.transaction(async (tx) => {
    const id = randomUUID();
    await Outbox.add(tx, {
      id, owner: 'app-writer', contract: 'sandbox-direktori', operation: 'registerLetter', orderKey: null, maxAttempts: 4,
      request: { method: 'POST', rest: '/surat', search: '', params: {}, query: {}, contentType: 'application/json', body: Buffer.from(JSON.stringify(letter)).toString('base64'), requestId: id, traceId: id, consumer: 'app-writer', partner: null, agreement: null },
    });
    await tx.db.updateTable('deliveries').set({ next_attempt_at: tx.sql.now(3600) }).where('id', '=', id).execute();
    return id;
  });
  /** Stops the sandbox upstream and gives back a function that starts it again on the same port. */
  const takeUpstreamDown = async () => {
    const port = Number(new URL(h.upstream.url).port);
    await h.upstream.close();
    return () => startSandboxUpstream({ port });
  };

  beforeAll(async () => {
    dataDir = tempDir();
    // In order per subject.
    contracts = asyncSandboxContracts('orderKey: /perihal, maxAttempts: 4');
    // One call at a time to the sandbox, shared by callers and the delivery worker.
    const direktori = join(contracts, 'sandbox', 'direktori.yaml');
    writeFileSync(direktori, readFileSync(direktori, 'utf8').replace('  name: sandbox\n', '  name: sandbox\n  maxConcurrent: 1\n'));
    // Version 2 of the same contract: another active prefix, which must not show version 1's deliveries.
    const v1 = join(contracts, 'sandbox', 'direktori.yaml');
    writeFileSync(join(contracts, 'sandbox', 'direktori-v2.yaml'), readFileSync(v1, 'utf8').replace('id: sandbox-direktori', 'id: sandbox-direktori-v2').replace('version: 1.0.0', 'version: 2.0.0'));
    h = await startHarness(options());
    writer = await h.token('app-writer');
  }, 60_000);
  afterAll(() => h?.close());

  it('accepts with 202, a delivery id and a Location, logs the acceptance at once, and delivers', async () => {
    const hits = h.upstream.hits;
    const accepted = await submit();
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ deliveryId: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'pending', location: accepted.location });
    // Written in the same transaction as the outbox row: no flush needed.
    // With the answer it got: its length and SHA-256.
    const sent = JSON.stringify(accepted.body);
    expect(await trafficRows(h.gateway, accepted.requestId)).toMatchObject([{ status: 202, contract: 'sandbox-direktori', bytes_out: sent.length, response_sha256: createHash('sha256').update(sent).digest('hex') }]);
    const done = await until(() => poll(accepted.location!), (p) => p.body.status === 'delivered');
    expect(done.body).toMatchObject({ status: 'delivered', attempts: 1, response: { status: 201, body: { perihal: letter.perihal, nomorAgenda: expect.any(String) } } });
    expect(h.upstream.hits - hits).toBe(1);
    expect((await poll<ProblemDocument>(accepted.location!, await h.token('app-reader'))).body.code).toBe('DELIVERY_NOT_FOUND');
  });

  it('answers the poll under the contract\'s prefix, also behind a proxy that publishes the prefix elsewhere (as SPLP does)', async () => {
    // A WSO2-like front: the API's context `/t/<tenant>/direktori/1.0` mapped to the gateway's `/sandbox/v1`.
    const front = express().use(createProxyMiddleware({ target: h.url, changeOrigin: true, pathRewrite: { '^/t/bangkaselatankab.go.id/direktori/1.0': '/sandbox/v1' } }));
    const server = front.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const published = `http://127.0.0.1:${(server.address() as AddressInfo).port}/t/bangkaselatankab.go.id/direktori/1.0/surat`;
      const res = await fetch(published, { method: 'POST', headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' }, body: JSON.stringify(letter) });
      const accepted = (await res.json()) as { deliveryId: string; location: string };
      expect(res.status).toBe(202);
      expect(res.headers.get('location')).toBe(`deliveries/${accepted.deliveryId}`);
      const pollUrl = new URL(res.headers.get('location')!, published);
      expect(pollUrl.pathname).toBe(`/t/bangkaselatankab.go.id/direktori/1.0/deliveries/${accepted.deliveryId}`);
      const polled = await until(async () => (await fetch(pollUrl, { headers: { authorization: `Bearer ${writer}` } })).json() as Promise<DeliveryStatus>, (body) => body.status === 'delivered');
      expect(polled).toMatchObject({ deliveryId: accepted.deliveryId, contract: 'sandbox-direktori', status: 'delivered', response: { status: 201 } });
      // The same delivery at the gateway's root; not under a prefix that is not its contract's.
      expect((await poll(`/deliveries/${accepted.deliveryId}`)).body).toMatchObject({ deliveryId: accepted.deliveryId, status: 'delivered' });
      const elsewhere = await poll<ProblemDocument>(`/sandbox/v2/deliveries/${accepted.deliveryId}`);
      expect(elsewhere.status).toBe(404);
      expect(elsewhere.body.code).toBe('DELIVERY_NOT_FOUND');
      // A prefix no active contract has is a wrong address, whatever follows it.
      const nowhere = await poll<ProblemDocument>(`/bkn/v1/deliveries/${accepted.deliveryId}`);
      expect(nowhere.status).toBe(404);
      expect(nowhere.body.code).toBe('CONTRACT_NOT_FOUND');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('refuses retry and cancel with 404 for an unknown id and 409 naming the state when the state does not allow them', async () => {
    for (const action of ['retry', 'cancel']) {
      for (const id of [randomUUID(), 'bukan-id', '-'.repeat(36)]) {
        const unknown = await admin('POST', `/admin/v1/deliveries/${id}/${action}`);
        expect(unknown.status, `${action} ${id}`).toBe(404);
        expect(unknown.body).toMatchObject({ code: 'DELIVERY_NOT_FOUND', detail: `No delivery ${id}.` });
      }
    }

    const accepted = await submit({ ...letter, perihal: 'Sudah terkirim' });
    await until(() => poll(accepted.location!), (p) => p.body.status === 'delivered');
    const cancelDelivered = await admin<ProblemDocument>('POST', `/admin/v1/deliveries/${accepted.body.deliveryId}/cancel`);
    expect(cancelDelivered.status).toBe(409);
    expect(cancelDelivered.body).toMatchObject({ code: 'DELIVERY_STATE_CONFLICT', state: 'delivered', allowedStates: ['pending', 'failed'] });
    expect(cancelDelivered.body.detail).toBe(`Delivery ${accepted.body.deliveryId} cannot be cancelled: cancelling needs the state pending or failed, and it is delivered (already delivered). Nothing was changed.`);
    expect((await poll(accepted.location!)).body).toMatchObject({ status: 'delivered', response: { status: 201 } });

    // Pending, and not due for an hour: the worker leaves it alone while ops act on it.
    const waiting = await waitingDelivery();
    const retryPending = await admin('POST', `/admin/v1/deliveries/${waiting}/retry`);
    expect(retryPending.status).toBe(409);
    expect(retryPending.body).toMatchObject({ code: 'DELIVERY_STATE_CONFLICT', state: 'pending', allowedStates: ['failed'], detail: expect.stringContaining('a retry needs the state failed, and it is pending') });
    const cancelPending = await admin('POST', `/admin/v1/deliveries/${waiting}/cancel`);
    expect(cancelPending.status).toBe(200);
    expect(cancelPending.body).toMatchObject({ id: waiting, state: 'cancelled' });
    const cancelAgain = await admin('POST', `/admin/v1/deliveries/${waiting}/cancel`);
    expect(cancelAgain.status).toBe(409);
    expect(cancelAgain.body).toMatchObject({ code: 'DELIVERY_STATE_CONFLICT', state: 'cancelled' });
    expect((await admin('POST', `/admin/v1/deliveries/${waiting}/retry`)).body).toMatchObject({ code: 'DELIVERY_STATE_CONFLICT', state: 'cancelled' });
  });

  it('keeps the request body only while it may still go out, and deletes ended deliveries after their retention', async () => {
    const delivered = await submit({ ...letter, perihal: 'Data pribadi' });
    await until(() => poll(delivered.location!), (p) => p.body.status === 'delivered');
    const held = (await admin('GET', `/admin/v1/deliveries/${delivered.body.deliveryId}`)).body;
    expect(held.request.body).toBeNull();
    expect(held.response).toMatchObject({ status: 201 });

    const outbox = new Outbox(h.gateway.store);
    const { store } = h.gateway;
    const age = (days: number) => store.db.updateTable('deliveries').set({ updated_at: store.sql.now(-days * 86_400) }).where('id', '=', delivered.body.deliveryId).execute();
    await age(29);
    expect(await outbox.purgeEnded(30)).toBe(0);
    await age(31);
    expect(await outbox.purgeEnded(30)).toBe(1);
    expect((await poll<ProblemDocument>(delivered.location!)).body.code).toBe('DELIVERY_NOT_FOUND');
    // The exchange itself stays in the traffic log.
    expect(await trafficRows(h.gateway, delivered.requestId)).toHaveLength(1);
  });

  it('records an outcome held through a store outage only over its own claim: it replaces "outcome unknown", never what ops chose since', async () => {
    const outbox = new Outbox(h.gateway.store);
    const [unknown, cancelled] = [await waitingDelivery(), await waitingDelivery()];
    // Both claimed by an instance that lost the store with their outcomes in hand; their leases ran
    // out, and this gateway's worker parks them as "outcome unknown".
    await h.gateway.store.db.updateTable('deliveries').set({ state: 'delivering', lease_until: h.gateway.store.sql.now(-1) }).where('id', 'in', [unknown, cancelled]).execute();
    for (const id of [unknown, cancelled]) await until(() => outbox.get(id), (d) => d?.state === 'failed', { what: 'the lease to park it' });
    expect((await outbox.get(unknown))!.lastError).toMatch(/^outcome unknown/);
    expect((await admin('POST', `/admin/v1/deliveries/${cancelled}/cancel`)).body.state).toBe('cancelled');

    const receipt = { status: 201, body: { nomorAgenda: 'AG-HELD-1' } };
    expect(await outbox.record({ id: unknown, state: 'delivered', attempts: 1, response: receipt })).toBe(true);
    expect(await outbox.get(unknown)).toMatchObject({ state: 'delivered', attempts: 1, lastError: null, response: receipt });
    expect(await outbox.record({ id: cancelled, state: 'delivered', attempts: 1, response: receipt })).toBe(false);
    expect(await outbox.get(cancelled)).toMatchObject({ state: 'cancelled', response: null });
    // A delivery the worker never claimed is not one an outcome can belong to.
    const pending = await waitingDelivery();
    expect(await outbox.record({ id: pending, state: 'failed', attempts: 1, error: 'x', response: null })).toBe(false);
    await h.gateway.store.db.updateTable('deliveries').set({ state: 'cancelled' }).where('id', '=', pending).execute();
  });

  it('shares the upstream\'s concurrency cap with live calls: a delivery waits for the slot without using up an attempt, and holds it while it is sent', async () => {
    const read = () => fetch(`${h.url}/sandbox/v1/perangkat-daerah/2.16`, { headers: { authorization: `Bearer ${writer}` } }).then(async (res) => ({ status: res.status, body: (await res.json()) as { code?: string } }));
    const hits = h.upstream.hits;
    h.upstream.delayMs = 700;
    // A live call holds the only slot: the worker finds the upstream busy and waits.
    const live = read();
    await new Promise((r) => setTimeout(r, 50));
    const accepted = await submit({ ...letter, perihal: 'Antre' });
    const waiting = await until(() => poll(accepted.location!), (p) => String(p.body.lastError ?? '').includes('UPSTREAM_BUSY'));
    expect(waiting.body).toMatchObject({ status: 'pending', attempts: 0 });
    expect((await live).status).toBe(200);
    // Now the delivery holds it (the upstream still slow): a live call is refused at once.
    await until(() => Promise.resolve(h.upstream.hits), (n) => n - hits === 2);
    const refused = await read();
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 503, code: 'UPSTREAM_BUSY' });
    h.upstream.delayMs = 0;
    const done = await until(() => poll(accepted.location!), (p) => p.body.status === 'delivered');
    expect(done.body.attempts).toBe(1);
    expect(h.upstream.hits - hits).toBe(2);
  });

  it('keeps retrying while the upstream is down and delivers once it is back, in order per key', async () => {
    const restart = await takeUpstreamDown();
    const first = await submit({ ...letter, perihal: 'Urutan' });
    const second = await submit({ ...letter, perihal: 'Urutan', nomor: '800/124/BKPSDM/2026' });
    // Between two attempts (the worker may be sending the next one at the moment of a poll).
    const waiting = await until(() => poll(first.location!), (p) => p.body.attempts >= 2 && p.body.status !== 'delivering');
    expect(waiting.body).toMatchObject({ status: 'pending', lastError: expect.stringContaining('UPSTREAM_UNAVAILABLE') });
    expect((await poll(second.location!)).body.attempts).toBe(0); // held behind the first of its key
    const upstream: SandboxUpstream = await restart();
    try {
      const a = await until(() => poll(first.location!), (p) => p.body.status === 'delivered');
      const b = await until(() => poll(second.location!), (p) => p.body.status === 'delivered');
      expect(upstream.hits).toBe(2);
      const agenda = (p: typeof a) => Number(String((p.body.response!.body as { nomorAgenda: string }).nomorAgenda).slice(0, 5));
      expect(agenda(a)).toBeLessThan(agenda(b));
    } finally {
      await upstream.close();
    }
  });

  it('parks a delivery after its attempts, and ops retry it (or cancel another)', async () => {
    const accepted = await submit({ ...letter, perihal: 'Parkir' });
    const cancelled = await submit({ ...letter, perihal: 'Batal' });
    const parked = await until(() => poll(accepted.location!), (p) => p.body.status === 'failed');
    expect(parked.body).toMatchObject({ status: 'failed', attempts: 4, lastError: expect.stringContaining('gave up after 4 attempts') });
    const failedList = await admin<{ items: Delivery[] }>('GET', '/admin/v1/deliveries?state=failed');
    expect(failedList.body.items.map((d: { id: string }) => d.id)).toContain(accepted.body.deliveryId);
    // Cancel once it is parked too: a delivery the worker holds at that moment cannot be cancelled.
    await until(() => poll(cancelled.location!), (p) => p.body.status === 'failed');
    const cancel = await admin('POST', `/admin/v1/deliveries/${cancelled.body.deliveryId}/cancel`);
    expect(cancel.body.state).toBe('cancelled');
    expect(cancel.body.request.body).toBeNull(); // it will never go out: its content is not kept
    expect((await admin('GET', `/admin/v1/deliveries/${accepted.body.deliveryId}`)).body.request.body).toEqual(expect.any(String)); // parked: kept for the retry
    const upstream = await startSandboxUpstream({ port: Number(new URL(h.upstream.url).port) });
    try {
      const retried = await admin('POST', `/admin/v1/deliveries/${accepted.body.deliveryId}/retry`);
      expect(retried.status).toBe(200);
      const done = await until(() => poll(accepted.location!), (p) => p.body.status === 'delivered');
      expect(done.body.status).toBe('delivered');
      expect(upstream.hits).toBe(1); // the cancelled one never went out
      const again = await admin('POST', `/admin/v1/deliveries/${accepted.body.deliveryId}/retry`);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'DELIVERY_STATE_CONFLICT', state: 'delivered', allowedStates: ['failed'] });
    } finally {
      await upstream.close();
    }
  });

  it('replays the same acceptance to a repeat with the same Idempotency-Key: one delivery', async () => {
    const first = await submit({ ...letter, perihal: 'Sekali' }, 'delivery-key-1');
    const again = await submit({ ...letter, perihal: 'Sekali' }, 'delivery-key-1');
    expect(again.body.deliveryId).toBe(first.body.deliveryId);
    const pending = await admin<{ items: Delivery[] }>('GET', '/admin/v1/deliveries?limit=500');
    // Bodies of ended deliveries are dropped (null); this one is pending, the upstream being down.
    expect(pending.body.items.filter((d: { request: { body: string | null } }) => d.request.body !== null && Buffer.from(d.request.body, 'base64').toString().includes('Sekali'))).toHaveLength(1);
  });

  it('delivers what was pending when the gateway stopped, after it starts again, exactly once', async () => {
    // The upstream is down: this one stays pending (the previous test's stays pending too).
    const accepted = await submit({ ...letter, perihal: 'Lintas restart' });
    await h.close();
    // Same store, a fresh gateway whose sandbox upstream is up.
    h = await startHarness(options());
    writer = await h.token('app-writer');
    const done = await until(() => poll(accepted.location!), (p) => p.body.status === 'delivered');
    expect(done.body.status).toBe('delivered');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(h.upstream.hits).toBe(2); // this one and the idempotent one above, each once
  }, 60_000);
});

describe('the Location of a 202', () => {
  it('resolves against the request\'s URL to the poll under the contract\'s prefix, whatever the depth of the operation\'s path', () => {
    const id = randomUUID();
    for (const path of ['/lapor/v1/laporan', '/lapor/v1/laporan/', '/lapor/v1/dokumen/12/lampiran', '/lapor/v1/', '/lapor/v1']) {
      const location = deliveryLocation(path, '/lapor/v1', id);
      expect(new URL(location, `http://gateway${path}`).pathname, path).toBe(`/lapor/v1/deliveries/${id}`);
      // Behind a proxy that renames the prefix, the base must end below it: an operation at the bare
      // prefix (`/lapor/v1`, no slash) names its last segment, which such a proxy does not keep.
      if (path === '/lapor/v1') continue;
      expect(new URL(location, `https://api-splp.layanan.go.id/t/kab.go.id/lapor/1.0${path.slice('/lapor/v1'.length)}`).pathname, path).toBe(`/t/kab.go.id/lapor/1.0/deliveries/${id}`);
    }
  });
});
