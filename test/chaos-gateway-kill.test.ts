/**
 * Chaos: the gateway process killed with store-and-forward deliveries pending (issue 6, item 6).
 * The SSO and the sandbox upstream simulator (behind a recording front) live in this process and
 * survive; the gateway runs as a child process on the embedded store (SQLite), is SIGKILLed (or
 * SIGTERMed), and a new one is started on the same data dir. Counted at the upstream: every
 * letter exactly once, and an outcome nobody can know is parked for ops, never resent. Loopback
 * only, a few dozen requests, every wait bounded.
 */
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSsoProvider, type SsoProvider } from '../gateway/demo/sso-provider.ts';
import { oneEach, send, type Outcome, type Send } from './support/chaos.ts';
import type { DeliveryStatus } from './support/delivery-answers.ts';
import { killAllGatewayChildren, startGatewayChild, type GatewayChild } from './support/gateway-child.ts';
import { asyncSandboxContracts } from './support/async-sandbox.ts';
import { audience, tempDir } from './support/harness.ts';
import { startRecordingUpstream, type RecordingUpstream } from './support/recording-upstream.ts';
import { until as pollUntil } from './support/until.ts';

/** The letter operation's contract timeout here; every answer must come within it plus the margin. */
const timeoutMs = 2500;
const marginMs = 1000;
/** Longer than the contract timeout, so a live gateway never sees its own send's lease run out. */
const leaseSeconds = 3;
const maxDelayMs = 400;
/** Scenario 1's backoff: long enough that the gateway can be killed when no letter is due. */
const backoff = { baseDelayMs: 2000, maxDelayMs: 4000 };
const letter = JSON.parse(readFileSync(new URL('../contracts/sandbox/schemas/letter.json', import.meta.url), 'utf8')).examples[0] as Record<string, unknown>;
const writerClient = { clientId: 'app-writer', secret: 'writer-secret-0123456789', scopes: ['sandbox.read', 'sandbox.write'] };
const opsClient = { clientId: 'ops-admin', secret: 'ops-admin-secret-0123456789', scopes: [], roles: ['penghubung-admin'] };
const consumers = [{ clientId: writerClient.clientId, name: 'Writer', department: 'BKPSDM', clearance: 'terbatas' as const }];

/** The sandbox contract with letter registration delivered asynchronously, in order per subject. */
function asyncContracts(): string {
  // A breaker that stays closed: the point is delivery across a dead gateway, not load shedding.
  return asyncSandboxContracts('orderKey: /perihal, maxAttempts: 50', timeoutMs, 'chaos-kill-contracts-');
}

/** What a wait last saw, for its failure message: deliveries by state and last error, or the value. */
function summary(value: unknown): string {
  if (!(value instanceof Map)) return JSON.stringify(value).slice(0, 2000);
  const byState: Record<string, number> = {};
  for (const d of (value as Map<string, AdminDelivery>).values()) {
    const key = `${d.state} (attempts ${d.attempts}${d.lastError ? `, ${d.lastError.slice(0, 120)}` : ''})`;
    byState[key] = (byState[key] ?? 0) + 1;
  }
  return JSON.stringify(byState);
}

/** The shared wait, its failure message summarising deliveries by state. */
const until = <T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> => pollUntil(probe, done, { what, timeoutMs, describe: summary });

interface AdminDelivery { id: string; state: string; attempts: number; nextAttemptAt: string; lastError: string | null; response: { status: number; body: Record<string, unknown> } | null }
interface Accepted { id: string; perihal: string; deliveryId: string; outcome: Outcome }

let sso: SsoProvider;
let contracts: string;
let writer: string;
let ops: string;
let upstream: RecordingUpstream;
/** A data dir with the store created, migrated and the contracts applied, copied for each test (initdb alone takes seconds). */
let template: string;
const dirs: string[] = [];

const gatewayConfig = (dataDir: string, upstreamUrl: string, delivery: Record<string, number> = {}) => ({
  dataDir,
  internal: { host: '127.0.0.1', port: 0 },
  admin: { host: '127.0.0.1', port: 0 },
  sso: { issuer: sso.issuer, audience, jwksCooldownSeconds: 1 },
  contracts: { directories: [contracts], bootstrap: true },
  upstreams: { sandbox: { url: upstreamUrl } },
  trafficLog: { flushMs: 20, replaySeconds: 0.2 },
  shutdown: { drainSeconds: 2 },
  delivery: { pollMs: 50, baseDelayMs: 100, maxDelayMs, leaseSeconds, ...delivery },
});

beforeAll(async () => {
  sso = await startSsoProvider({ audience, clients: [writerClient, opsClient] });
  contracts = asyncContracts();
  writer = await sso.token(writerClient.clientId);
  ops = await sso.token(opsClient.clientId);
  template = tempDir('chaos-kill-template-');
  const first = await startGatewayChild({ config: gatewayConfig(template, 'http://127.0.0.1:9/api'), consumers });
  expect(await first.kill('SIGTERM')).toEqual({ code: 0, signal: null });
}, 60_000);
afterEach(async () => {
  await killAllGatewayChildren();
  await upstream?.close();
});
afterAll(async () => {
  await killAllGatewayChildren();
  await sso?.close();
  for (const dir of [contracts, template, ...dirs]) if (dir) rmSync(dir, { recursive: true, force: true });
});

/** One gateway data dir, the gateways started on it one after another, and every request sent to them. */
function scenario(tag: string) {
  const dataDir = tempDir(`chaos-kill-${tag}-`);
  dirs.push(dataDir);
  cpSync(template, dataDir, { recursive: true });
  const sent: Outcome[] = [];
  let gateway: GatewayChild | undefined;
  let n = 0;
  const gw = () => {
    if (!gateway) throw new Error('no gateway started');
    return gateway;
  };
  const admin = async <T>(method: string, path: string): Promise<T> => {
    const res = await fetch(`${gw().admin}${path}`, { method, headers: { authorization: `Bearer ${ops}` }, signal: AbortSignal.timeout(5000) });
    return (await res.json()) as T;
  };
  const request = async (spec: Omit<Send, 'id' | 'token'>) => {
    const outcome = await send(gw().url, { id: `${tag}-${String(n++).padStart(3, '0')}`, token: writer, deadlineMs: timeoutMs + marginMs, ...spec });
    sent.push(outcome);
    return outcome;
  };
  return {
    sent,
    get gw() {
      return gw();
    },
    async start(delivery?: Record<string, number>) {
      gateway = await startGatewayChild({ config: gatewayConfig(dataDir, upstream.url, delivery), consumers });
      return gateway;
    },
    request,
    async submit(perihal: string): Promise<Accepted> {
      const outcome = await request({ method: 'POST', path: '/sandbox/v1/surat', body: { ...letter, nomor: `800/${n}/CHAOS/2026`, perihal } });
      expect(outcome.status, outcome.body).toBe(202);
      return { id: outcome.id, perihal, deliveryId: (JSON.parse(outcome.body) as { deliveryId: string }).deliveryId, outcome };
    },
    async poll(deliveryId: string) {
      const outcome = await request({ path: `/deliveries/${deliveryId}` });
      return JSON.parse(outcome.body) as DeliveryStatus;
    },
    async deliveries(): Promise<Map<string, AdminDelivery>> {
      const body = await admin<{ items: AdminDelivery[] }>('GET', '/admin/v1/deliveries?limit=500');
      return new Map(body.items.map((d) => [d.id, d]));
    },
    admin,
    /** Traffic-log rows per request id (the whole log of this data dir). */
    async traffic(): Promise<Record<string, number>> {
      const body = await admin<{ items: { requestId: string }[]; nextCursor: string | null }>('GET', '/admin/v1/traffic?limit=1000');
      expect(body.nextCursor).toBeNull();
      const counts: Record<string, number> = {};
      for (const row of body.items) counts[row.requestId] = (counts[row.requestId] ?? 0) + 1;
      return counts;
    },
  };
}
type Scenario = ReturnType<typeof scenario>;

const stateOf = (deliveries: Map<string, AdminDelivery>, accepted: Accepted) => deliveries.get(accepted.deliveryId)?.state;

/** Every request was answered in full, within the contract timeout plus the margin; the slowest is returned. */
function expectAnsweredInTime(run: Scenario): number {
  for (const outcome of run.sent) {
    expect({ id: outcome.id, error: outcome.error, complete: outcome.complete }).toEqual({ id: outcome.id, error: undefined, complete: true });
    expect(outcome.ms, outcome.id).toBeLessThan(timeoutMs + marginMs);
  }
  return Math.max(...run.sent.map((o) => o.ms));
}

/** The traffic log holds exactly one row per request sent to any of the gateways, and no other. */
async function expectOneTrafficRowEach(run: Scenario): Promise<void> {
  const ids = run.sent.map((o) => o.id);
  // Rows of synchronous exchanges are written in batches every flushMs: wait for the last ones.
  const counts = await until('a traffic row for every request', () => run.traffic(), (c) => ids.every((id) => c[id] === 1), 5000).catch(() => run.traffic());
  expect(counts).toEqual(oneEach(ids));
}

describe('the gateway killed with async deliveries pending', () => {
  it('SIGKILL with letters waiting mid-backoff for a lost uplink: after a restart each is delivered exactly once', async () => {
    upstream = await startRecordingUpstream();
    const run = scenario('kill');
    await upstream.down();
    // Backoff long enough to find a moment when no attempt is due (one in progress is another case, below).
    await run.start(backoff);
    const letters = await Promise.all(Array.from({ length: 24 }, (_, i) => run.submit(`Surat tertunda ${i}`)));
    // A synchronous request while the uplink is lost: a problem at once, logged like any other.
    const unreachable = await run.request({ path: '/sandbox/v1/perangkat-daerah' });
    expect(unreachable.code).toBe('UPSTREAM_UNAVAILABLE');
    // Its row is written within flushMs; the kill is to test the outbox, not that window.
    await until('the synchronous request in the traffic log', () => run.traffic(), (t) => t[unreachable.id] === 1, 3000);
    await until('every letter attempted, all waiting, none due within 200 ms', () => run.deliveries(), (d) => letters.every((l) => {
      const delivery = d.get(l.deliveryId);
      return delivery?.state === 'pending' && delivery.attempts >= 1 && Date.parse(delivery.nextAttemptAt) - Date.now() > 200;
    }));
    expect(upstream.received).toHaveLength(0);

    expect(await run.gw.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    await upstream.up();
    const gw = await run.start(backoff);
    const ready = performance.now();
    const settled = await until('every letter delivered after the restart', () => run.deliveries(), (d) => letters.every((l) => stateOf(d, l) === 'delivered'), 15_000);
    const allDeliveredMs = Math.round(performance.now() - ready);
    await sleep(300); // a late duplicate would show here

    for (const l of letters) expect(upstream.count(l.id), l.perihal).toBe(1);
    expect(upstream.simulator.hits).toBe(letters.length);
    for (const l of letters) {
      expect(settled.get(l.deliveryId)!.attempts).toBeGreaterThanOrEqual(2);
      const seen = await run.poll(l.deliveryId);
      expect(seen).toMatchObject({ status: 'delivered', response: { status: 201, body: { perihal: l.perihal, nomorAgenda: expect.any(String) } } });
    }
    // The simulator numbers letters as it registers them: 24 distinct numbers, none given twice.
    expect(new Set([...settled.values()].map((d) => d.response?.body.nomorAgenda)).size).toBe(letters.length);

    // The restarted gateway serves synchronous and new asynchronous requests as usual.
    expect((await run.request({ path: '/sandbox/v1/perangkat-daerah' })).status).toBe(200);
    const late = await run.submit('Setelah restart');
    await until('the letter sent after the restart delivered', () => run.deliveries(), (d) => stateOf(d, late) === 'delivered');
    expect(upstream.count(late.id)).toBe(1);

    const slowestMs = expectAnsweredInTime(run);
    await expectOneTrafficRowEach(run);
    console.info(`SIGKILL with 24 pending: restart to ready ${gw.spawnToReadyMs} ms (child's own clock ${gw.readyMs} ms); all 24 delivered ${allDeliveredMs} ms after ready; slowest answer ${Math.round(slowestMs)} ms; ${run.sent.length} requests, one traffic row each`);
  }, 45_000);

  it('SIGKILL while a letter is being sent: parked as outcome unknown and not resent; the letters still pending go out once', async () => {
    upstream = await startRecordingUpstream();
    const run = scenario('inflight');
    upstream.holdMs = 30_000; // the upstream registers the letter at once, answers much later
    await run.start();
    const uncertain = await run.submit('Hasil tidak pasti');
    const reached = await upstream.waitFor(uncertain.id);
    // Accepted while the worker waits on the first one's answer: still pending at the kill.
    const waiting = await Promise.all(Array.from({ length: 5 }, (_, i) => run.submit(`Menunggu giliran ${i}`)));
    const sameKey = await run.submit('Hasil tidak pasti');
    const atKill = await run.deliveries();
    expect(stateOf(atKill, uncertain)).toBe('delivering');
    for (const l of [...waiting, sameKey]) expect(atKill.get(l.deliveryId)).toMatchObject({ state: 'pending', attempts: 0 });

    expect(await run.gw.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    // Killed while the send was open, not after the sender gave up on it.
    expect(performance.now() - reached.at).toBeLessThan(timeoutMs);
    upstream.holdMs = 0;
    const gw = await run.start();
    const ready = performance.now();
    const settled = await until('the interrupted letter parked, the waiting ones delivered', () => run.deliveries(),
      (d) => stateOf(d, uncertain) === 'failed' && waiting.every((l) => stateOf(d, l) === 'delivered'), 15_000);
    const settledMs = Math.round(performance.now() - ready);
    await sleep(300);

    expect(settled.get(uncertain.deliveryId)).toMatchObject({ state: 'failed', lastError: expect.stringContaining('outcome unknown') });
    expect(gw.logs()).toContain('deliveries interrupted by a stop were parked (outcome unknown)');
    expect(upstream.count(uncertain.id)).toBe(1);
    for (const l of waiting) expect(upstream.count(l.id), l.perihal).toBe(1);
    // A later letter with the same order key waits behind the parked one: order is kept.
    expect(settled.get(sameKey.deliveryId)).toMatchObject({ state: 'pending', attempts: 0 });
    expect(upstream.count(sameKey.id)).toBe(0);
    // The caller is told the truth too.
    expect(await run.poll(uncertain.deliveryId)).toMatchObject({ status: 'failed', lastError: expect.stringContaining('outcome unknown') });

    // Ops check with the department (it did arrive) and cancel it; the held letter then goes out once.
    expect(await run.admin<AdminDelivery>('POST', `/admin/v1/deliveries/${uncertain.deliveryId}/cancel`)).toMatchObject({ state: 'cancelled' });
    await until('the held letter delivered', () => run.deliveries(), (d) => stateOf(d, sameKey) === 'delivered');
    await sleep(200);
    expect(upstream.count(sameKey.id)).toBe(1);
    expect(upstream.count(uncertain.id)).toBe(1);
    expect(upstream.simulator.hits).toBe(1 + waiting.length + 1);

    const slowestMs = expectAnsweredInTime(run);
    await expectOneTrafficRowEach(run);
    console.info(`SIGKILL mid-send: restart to ready ${gw.spawnToReadyMs} ms; interrupted letter parked and 5 pending delivered ${settledMs} ms after ready (lease ${leaseSeconds} s, held for the contract timeout + 5 s while sending); slowest answer ${Math.round(slowestMs)} ms`);
  }, 45_000);

  it('SIGKILL with letters queued behind the one in flight: they were never sent, so they are delivered after a restart, not parked', async () => {
    upstream = await startRecordingUpstream();
    const run = scenario('batch');
    upstream.holdMs = 1000;
    await run.start();
    const first = await run.submit('Pembuka angkatan');
    await upstream.waitFor(first.id);
    upstream.holdMs = 30_000; // from now on the upstream registers at once and answers much later
    // Accepted while the worker waits on the first; it then sends one of them and holds the others back.
    const batch = await Promise.all(Array.from({ length: 5 }, (_, i) => run.submit(`Satu angkatan ${i}`)));
    await until('the first letter of the batch at the upstream', () => Promise.resolve(upstream.received.length), (count) => count >= 2, 5000);
    expect(upstream.received[0]!.requestId).toBe(first.id);
    const inFlight = batch.find((l) => l.id === upstream.received[1]!.requestId)!;
    expect(inFlight).toBeDefined();
    const neverSent = batch.filter((l) => l !== inFlight);
    const atKill = await run.deliveries();
    expect(stateOf(atKill, first)).toBe('delivered');
    // What makes this case: the others wait their turn unclaimed (one delivery is claimed at a
    // time), so the kill leaves only the one in flight with an unknown outcome.
    expect(stateOf(atKill, inFlight)).toBe('delivering');
    expect(neverSent.map((l) => stateOf(atKill, l))).toEqual(neverSent.map(() => 'pending'));
    expect(await run.gw.kill('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
    expect(upstream.received).toHaveLength(2);

    upstream.holdMs = 0;
    await run.start();
    const settled = await until('no letter left pending or delivering', () => run.deliveries(),
      (d) => batch.every((l) => !['pending', 'delivering'].includes(stateOf(d, l) ?? 'pending')), 15_000);
    await sleep(300);
    expect(settled.get(inFlight.deliveryId)).toMatchObject({ state: 'failed', lastError: expect.stringContaining('outcome unknown') });
    expect(upstream.count(inFlight.id)).toBe(1);
    expect(upstream.count(first.id)).toBe(1);
    // Never sent, so nothing is unknown about them: they must go out, once, without ops.
    expect(neverSent.map((l) => ({ perihal: l.perihal, state: stateOf(settled, l), lastError: settled.get(l.deliveryId)?.lastError ?? null, sent: upstream.count(l.id) })))
      .toEqual(neverSent.map((l) => ({ perihal: l.perihal, state: 'delivered', lastError: null, sent: 1 })));

    expectAnsweredInTime(run);
    await expectOneTrafficRowEach(run);
  }, 45_000);

  it('SIGTERM while a letter is being sent: the stop waits for its answer; nothing is lost, parked or sent twice', async () => {
    upstream = await startRecordingUpstream();
    const run = scenario('term');
    upstream.holdMs = 1000; // slow, but within the contract timeout
    await run.start();
    const first = await run.submit('Berhenti dengan rapi');
    await upstream.waitFor(first.id);
    const waiting = await Promise.all(Array.from({ length: 4 }, (_, i) => run.submit(`Sesudah berhenti ${i}`)));
    const stopping = run.gw;
    const stoppedAt = performance.now();
    expect(await stopping.kill('SIGTERM')).toEqual({ code: 0, signal: null });
    const stopMs = Math.round(performance.now() - stoppedAt);
    expect(stopping.logs()).toContain('"msg":"penghubung stopped"');

    upstream.holdMs = 0;
    const gw = await run.start();
    const settled = await until('every letter delivered', () => run.deliveries(), (d) => [first, ...waiting].every((l) => stateOf(d, l) === 'delivered'));
    await sleep(300);
    expect(settled.get(first.deliveryId)).toMatchObject({ state: 'delivered', attempts: 1, response: { status: 201 } });
    for (const l of [first, ...waiting]) expect(upstream.count(l.id), l.perihal).toBe(1);
    expectAnsweredInTime(run);
    await expectOneTrafficRowEach(run);
    console.info(`SIGTERM with a send in flight (answer held 1 s): stopped cleanly in ${stopMs} ms; restart to ready ${gw.spawnToReadyMs} ms`);
  }, 45_000);
});
