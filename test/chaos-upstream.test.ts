/**
 * Chaos tests of issue 6 (item 6) against upstreams that misbehave: killed and restarted, slower
 * than the contract's timeout, flapping, answering garbage or a truncated body. Each test sends a
 * bounded number of requests with known ids and asserts that every one got an HTTP answer within
 * the contract timeout plus a margin, and that the traffic log holds exactly one row per request.
 * Every upstream is a controllable server on loopback (test/support/chaos.ts), one per scenario,
 * so breakers do not carry over from one scenario to the next.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, tempDir, type Harness } from './support/harness.ts';
import { breakerSnapshot, breakerState, requestIds, send, sendSpaced, trafficCounts, trafficOutcomes, writeChaosContract, type Outcome } from './support/chaos.ts';
import { startChaosUpstream, startUnreachableUpstream, type ChaosUpstream, type UnreachableUpstream } from './support/chaos-upstreams.ts';

/** Every chaos contract's timeout, and what an answer may take beyond it (generous, for busy CI machines). */
const timeoutMs = 1000;
const marginMs = 500;
/** Rate limits are not under test here: high enough never to refuse. */
const unlimited = { rps: 10_000, burst: 10_000 };

/** Requests that got no status line, or got their answer later than the timeout plus the margin. */
function lateOrUnanswered(outcomes: Outcome[], limitMs = timeoutMs + marginMs) {
  return outcomes.filter((o) => o.status === null || o.ms > limitMs).map((o) => ({ id: o.id, status: o.status, ms: Math.round(o.ms), error: o.error }));
}

/** Request ids whose traffic-log row count is not exactly one. */
async function notLoggedOnce(h: Harness, ids: string[]) {
  const counts = await trafficCounts(h, ids);
  expect(Object.keys(counts)).toHaveLength(ids.length);
  return Object.entries(counts).filter(([, n]) => n !== 1);
}

/** Requests whose traffic-log row says another status than the caller received (complete answers only). */
async function loggedOtherwise(h: Harness, outcomes: Outcome[]) {
  const rows = await trafficOutcomes(h, outcomes.map((o) => o.id));
  return outcomes.filter((o) => o.complete && rows[o.id]?.status !== o.status).map((o) => ({ id: o.id, client: o.status, logged: rows[o.id] }));
}

const statusAndCode = (o: Outcome) => `${o.status} ${o.code ?? ''}`.trim();

describe('chaos: misbehaving upstreams', () => {
  let h: Harness;
  let reader: string;
  let writer: string;
  const scratch: string[] = [];
  const up: Record<'killed' | 'slow' | 'stall' | 'flap' | 'garbage' | 'adapter', ChaosUpstream> = {} as never;
  let unreachable: UnreachableUpstream;

  beforeAll(async () => {
    for (const name of ['killed', 'slow', 'stall', 'flap', 'garbage', 'adapter'] as const) up[name] = await startChaosUpstream();
    unreachable = await startUnreachableUpstream();
    const contracts = tempDir('chaos-contracts-');
    scratch.push(contracts);
    writeChaosContract(contracts, { name: 'chaos-killed', upstreamUrl: up.killed.url, timeoutMs, rate: unlimited, breaker: { volumeThreshold: 5, errorThresholdPercentage: 50, resetTimeoutMs: 500 } });
    writeChaosContract(contracts, { name: 'chaos-unreachable', upstreamUrl: unreachable.url, timeoutMs, rate: unlimited, breaker: { volumeThreshold: 1000 } });
    writeChaosContract(contracts, { name: 'chaos-slow', upstreamUrl: up.slow.url, timeoutMs, rate: unlimited });
    writeChaosContract(contracts, { name: 'chaos-stall', upstreamUrl: up.stall.url, timeoutMs, rate: unlimited, breaker: { volumeThreshold: 1000 } });
    writeChaosContract(contracts, { name: 'chaos-flap', upstreamUrl: up.flap.url, timeoutMs, rate: unlimited, breaker: { volumeThreshold: 4, errorThresholdPercentage: 50, resetTimeoutMs: 400, rollingCountMs: 5000 } });
    // Every garbage answer must reach the gateway, so this breaker never opens within the test.
    writeChaosContract(contracts, { name: 'chaos-garbage', upstreamUrl: up.garbage.url, timeoutMs, rate: unlimited, breaker: { volumeThreshold: 1000 } });
    // The same faults behind an adapter (the test adapter `catatan`: OAuth2 token, JSON envelope).
    mkdirSync(join(contracts, 'chaos-adapter'));
    writeFileSync(join(contracts, 'chaos-adapter', 'chaos-adapter.yaml'), JSON.stringify({
      id: 'chaos-adapter', integration: 'chaos-adapter', version: '1.0.0', state: 'active', classification: 'publik', scopes: ['sandbox.read'],
      timeoutMs, limits: { rate: unlimited }, resilience: { breaker: { volumeThreshold: 1000 } },
      upstream: { name: 'chaos-adapter', url: up.adapter.url }, forwarding: 'catatan',
      operations: [{ id: 'getNote', method: 'GET', path: '/catatan/{id}', parameters: { id: { schema: { type: 'string', pattern: '^[a-z0-9-]{1,40}$' }, example: 'c-1' } } }],
    }));
    const secrets = tempDir('chaos-secrets-');
    scratch.push(secrets);
    writeFileSync(join(secrets, 'clientId'), 'chaos-client');
    writeFileSync(join(secrets, 'clientSecret'), 'chaos-secret-0123456789');
    h = await startHarness({
      contractDirs: [contracts],
      config: { adapters: { directories: [fileURLToPath(new URL('./fixtures/adapters/', import.meta.url))] } },
      upstreams: { 'chaos-adapter': { url: up.adapter.url, credentials: { clientId: `file:${join(secrets, 'clientId')}`, clientSecret: `file:${join(secrets, 'clientSecret')}` } } },
    });
    reader = await h.token('app-reader');
    writer = await h.token('app-writer');
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    for (const upstream of Object.values(up)) await upstream?.close();
    await unreachable?.close();
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  });

  it('upstream killed mid-run and restarted: every request answered in time (502, circuit open or 200), one log row each, served again after recovery', async () => {
    up.killed.delayMs = 100; // a few requests are always in flight at the upstream when it dies
    const ids = requestIds('killed', 40);
    const outcomes = await sendSpaced(h.url, ids.map((id) => ({ id, path: `/chaos-killed/v1/items/${id}`, token: reader })), 25, async (index) => {
      if (index === 12) await up.killed.kill();
      if (index === 28) await up.killed.restart();
    });
    await sleep(600); // the breaker's reset timeout: the next call is the probe
    const tailIds = requestIds('killed-after', 5);
    const tail: Outcome[] = [];
    for (const id of tailIds) tail.push(await send(h.url, { id, path: `/chaos-killed/v1/items/${id}`, token: reader }));

    expect(lateOrUnanswered([...outcomes, ...tail])).toEqual([]);
    const allowed = new Set(['200', '502 UPSTREAM_UNAVAILABLE', '503 UPSTREAM_CIRCUIT_OPEN']);
    expect(outcomes.map(statusAndCode).filter((s) => !allowed.has(s))).toEqual([]);
    expect(outcomes.slice(0, 12).some((o) => o.status === 200)).toBe(true);
    // The requests in flight when it died, and those sent while it was down, were refused, not hung.
    expect(outcomes.filter((o) => o.status === 502).length).toBeGreaterThan(0);
    expect(tail.map(statusAndCode)).toEqual(['200', '200', '200', '200', '200']);
    expect(await breakerState(h, 'chaos-killed')).toBe('closed');
    expect(await notLoggedOnce(h, [...ids, ...tailIds])).toEqual([]);
    expect(await loggedOtherwise(h, [...outcomes, ...tail])).toEqual([]);
  });

  /*
   * A dropped uplink refuses nothing: the upstream's address simply never answers. The forwarder
   * gives up connecting at half the contract's timeout (connectTimeoutFor), so the failure is known
   * to have sent nothing: a 502 rather than a 504 whose outcome is unknown, and the idempotency key
   * of a POST is given back, so the caller's retry with the same key is carried out, not answered
   * with a replay of the failure.
   */
  it('upstream unreachable (connection attempts never answered): a 502 at the connect timeout, before the contract timeout; a POST with an Idempotency-Key can be sent again with it', async () => {
    const getIds = requestIds('unreachable-get', 4);
    const gets = await sendSpaced(h.url, getIds.map((id) => ({ id, path: `/chaos-unreachable/v1/items/${id}`, token: reader })), 20);
    const post = (id: string) => ({ id, path: '/chaos-unreachable/v1/items', method: 'POST' as const, token: writer, body: { text: 'laporan warga' }, headers: { 'idempotency-key': 'unreachable-key-1' } });
    const first = await send(h.url, post('unreachable-post-000'));
    const again = await send(h.url, post('unreachable-post-001'));

    const outcomes = [...gets, first, again];
    expect(lateOrUnanswered(outcomes)).toEqual([]);
    for (const attempt of [first, again]) {
      expect({ status: statusAndCode(attempt), replayed: attempt.headers['idempotent-replayed'] }).toEqual({ status: '502 UPSTREAM_UNAVAILABLE', replayed: undefined });
      expect(attempt.ms, 'a connection that never comes fails at the connect timeout, not at the contract timeout').toBeLessThan(timeoutMs);
    }
    // A GET may be tried again within the contract's timeout, and the retry then runs out of it.
    expect(gets.map(statusAndCode).filter((s) => s !== '502 UPSTREAM_UNAVAILABLE' && s !== '504 UPSTREAM_TIMEOUT')).toEqual([]);
    expect(await notLoggedOnce(h, outcomes.map((o) => o.id))).toEqual([]);
    expect(await loggedOtherwise(h, outcomes)).toEqual([]);
  });

  it('upstream slower than the timeout: every request answered 504 at the timeout, none left waiting for the upstream; a POST is sent once', async () => {
    up.slow.delayMs = 2500;
    const getIds = requestIds('slow-get', 20);
    const postIds = requestIds('slow-post', 5);
    const [gets, posts] = await Promise.all([
      sendSpaced(h.url, getIds.map((id) => ({ id, path: `/chaos-slow/v1/items/${id}`, token: reader })), 20),
      sendSpaced(h.url, postIds.map((id) => ({ id, path: '/chaos-slow/v1/items', method: 'POST' as const, token: writer, body: { text: id } })), 60),
    ]);
    const outcomes = [...gets, ...posts];
    expect(lateOrUnanswered(outcomes)).toEqual([]);
    // All were sent before the first timeout, so all reached the upstream: none can be refused by the breaker yet.
    expect(outcomes.map(statusAndCode).filter((s) => s !== '504 UPSTREAM_TIMEOUT')).toEqual([]);
    await up.slow.idle(); // the upstream finishes its work for requests the gateway gave up on
    expect(up.slow.hits).toBe(25);
    expect(up.slow.sideEffects.sort()).toEqual([...postIds].sort().map((id) => JSON.stringify({ text: id })));
    expect(await notLoggedOnce(h, [...getIds, ...postIds])).toEqual([]);
    expect(await loggedOtherwise(h, outcomes)).toEqual([]);
  });

  // Once the status line is in, the contract's timeout bounds each silence of the body (an idle
  // timeout), so a body that stops flowing cannot hold the caller for ever.
  it('upstream stalling after the status line: the caller\'s connection is cut at the timeout, not left waiting for the rest of the body', async () => {
    up.stall.fault = 'stall-body';
    const ids = requestIds('stall', 5);
    // The client waits a second longer than the bound, so a hang shows as a late answer, not as a test timeout.
    const outcomes = await sendSpaced(h.url, ids.map((id) => ({ id, path: `/chaos-stall/v1/items/${id}`, token: reader, deadlineMs: timeoutMs + marginMs + 1000 })), 10);
    expect(outcomes.map((o) => ({ status: o.status, complete: o.complete }))).toEqual(ids.map(() => ({ status: 200, complete: false })));
    expect(lateOrUnanswered(outcomes), 'requests whose answer was still open after the contract timeout plus the margin').toEqual([]);
    expect(await notLoggedOnce(h, ids)).toEqual([]);
  });

  it('upstream flapping: the breaker opens (answering at once without calling it), closes after recovery, and opens and closes again', async () => {
    const all: Outcome[] = [];
    const get = async () => {
      const id = `flap-${String(all.length).padStart(3, '0')}`;
      const outcome = await send(h.url, { id, path: `/chaos-flap/v1/items/${id}`, token: reader });
      all.push(outcome);
      return outcome;
    };
    const untilOpen = async () => {
      for (let i = 0; i < 20; i++) {
        const outcome = await get();
        if (outcome.code === 'UPSTREAM_CIRCUIT_OPEN') return outcome;
      }
      return undefined;
    };

    for (let i = 0; i < 4; i++) expect((await get()).status).toBe(200);
    up.flap.flap(3, 4, 'status-503'); // three of every four calls fail
    const opened = await untilOpen();
    expect(opened?.status).toBe(503);
    expect(Number(opened?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(await breakerState(h, 'chaos-flap')).toBe('open');
    const hits = up.flap.hits;
    expect((await get()).code).toBe('UPSTREAM_CIRCUIT_OPEN');
    expect(up.flap.hits).toBe(hits); // refused without calling the upstream

    up.flap.heal();
    await sleep(450);
    expect((await get()).status).toBe(200); // the probe
    expect(await breakerState(h, 'chaos-flap')).toBe('closed');

    up.flap.fault = 'reset'; // now it drops connections
    expect((await untilOpen())?.code).toBe('UPSTREAM_CIRCUIT_OPEN');
    expect(await breakerState(h, 'chaos-flap')).toBe('open');
    up.flap.heal();
    await sleep(450);
    expect((await get()).status).toBe(200);
    expect(await breakerState(h, 'chaos-flap')).toBe('closed');

    expect(lateOrUnanswered(all)).toEqual([]);
    const allowed = new Set(['200', '503', '503 UPSTREAM_CIRCUIT_OPEN', '502 UPSTREAM_UNAVAILABLE']);
    expect(all.map(statusAndCode).filter((s) => !allowed.has(s))).toEqual([]);
    expect(await notLoggedOnce(h, all.map((o) => o.id))).toEqual([]);
    expect(await loggedOtherwise(h, all)).toEqual([]);
  });

  it('upstream answering bytes that are not HTTP: a 502 for each, in time, one log row each', async () => {
    up.garbage.fault = 'invalid-http';
    const ids = requestIds('not-http', 10);
    const outcomes = await sendSpaced(h.url, ids.map((id) => ({ id, path: `/chaos-garbage/v1/items/${id}`, token: reader })), 10);
    expect(lateOrUnanswered(outcomes)).toEqual([]);
    expect(outcomes.map((o) => ({ status: o.status, complete: o.complete })).filter((o) => o.status !== 502 || !o.complete)).toEqual([]);
    expect(await notLoggedOnce(h, ids)).toEqual([]);
    expect(await loggedOtherwise(h, outcomes)).toEqual([]);
  });

  /*
   * Passthrough streams the answer: the status line and headers (Content-Length: 1000) are already
   * the caller's when the upstream cuts off after ten bytes, so the gateway cannot turn it into a
   * 502. What it can and must do is cut the caller's connection at once (never leave it waiting
   * for the missing 990 bytes), so the caller sees a short body against its Content-Length: an
   * unmistakably incomplete answer. That is the "answer" accepted here: the status line arrived in
   * time and the connection was cut in time.
   */
  it('upstream cutting its body short: the caller gets the status line and a cut connection in time, one log row each', async () => {
    up.garbage.fault = 'truncated';
    const ids = requestIds('truncated', 10);
    const outcomes = await sendSpaced(h.url, ids.map((id) => ({ id, path: `/chaos-garbage/v1/items/${id}`, token: reader })), 10);
    expect(lateOrUnanswered(outcomes)).toEqual([]);
    for (const outcome of outcomes) {
      expect({ id: outcome.id, status: outcome.status, complete: outcome.complete, contentLength: outcome.headers['content-length'] }).toEqual({ id: outcome.id, status: 200, complete: false, contentLength: '1000' });
      expect(outcome.body.length).toBeLessThan(1000);
    }
    expect(await notLoggedOnce(h, ids)).toEqual([]);
  });

  // The forwarder names the upstream's fault on the exchange before it cuts the caller's
  // connection, or `record` would file the cut as the caller closing (499 CLIENT_CLOSED).
  it('logs a body the upstream cut short as an upstream fault, not as the caller closing', async () => {
    up.garbage.fault = 'truncated';
    const ids = requestIds('truncated-logged', 3);
    const outcomes = await sendSpaced(h.url, ids.map((id) => ({ id, path: `/chaos-garbage/v1/items/${id}`, token: reader })), 10);
    expect(outcomes.map((o) => ({ status: o.status, complete: o.complete }))).toEqual(ids.map(() => ({ status: 200, complete: false })));
    const rows = await trafficOutcomes(h, ids);
    const blamingTheCaller = Object.entries(rows).filter(([, row]) => row.code === 'CLIENT_CLOSED' || row.code === null);
    expect(blamingTheCaller, 'traffic-log rows that file the upstream cutting its answer short as CLIENT_CLOSED (or as no fault)').toEqual([]);
    expect(lateOrUnanswered(outcomes)).toEqual([]);
    expect(await notLoggedOnce(h, ids)).toEqual([]);
  });

  // The breaker judges the whole answer, not its status line: a body cut short after a 200 is a
  // failure (docs/resilience.md: "A failure is a refused or dropped connection, a timeout, an
  // unreadable answer, or a 5xx answer").
  it('counts answers the upstream cut short against its breaker', async () => {
    up.garbage.fault = 'truncated';
    const before = await breakerSnapshot(h, 'chaos-garbage');
    const ids = requestIds('truncated-breaker', 6);
    const outcomes = await sendSpaced(h.url, ids.map((id) => ({ id, path: `/chaos-garbage/v1/items/${id}`, token: reader })), 10);
    const after = await breakerSnapshot(h, 'chaos-garbage');
    expect({ failures: after!.window.failures - before!.window.failures, calls: after!.window.calls - before!.window.calls }).toEqual({ failures: 6, calls: 6 });
    expect(lateOrUnanswered(outcomes)).toEqual([]);
    expect(await notLoggedOnce(h, ids)).toEqual([]);
  });

  it('garbage behind an adapter (HTML as JSON, a truncated body, bytes that are not HTTP, a stalled body): a 502 or 504 problem for each, in time, one log row each', async () => {
    const outcomes: Outcome[] = [];
    for (const fault of ['json-garbage', 'truncated', 'invalid-http', 'stall-body'] as const) {
      up.adapter.fault = fault;
      const ids = requestIds(`adapter-${fault}`, 6);
      outcomes.push(...(await sendSpaced(h.url, ids.map((id) => ({ id, path: `/chaos-adapter/v1/catatan/${id}`, token: reader })), 10)));
    }
    expect(lateOrUnanswered(outcomes)).toEqual([]);
    const byFault = (prefix: string) => [...new Set(outcomes.filter((o) => o.id.startsWith(prefix)).map(statusAndCode))];
    expect(byFault('adapter-json-garbage')).toEqual(['502 UPSTREAM_INVALID_RESPONSE']);
    expect(byFault('adapter-truncated')).toEqual(['502 UPSTREAM_INVALID_RESPONSE']);
    expect(byFault('adapter-invalid-http')).toHaveLength(1);
    expect(byFault('adapter-invalid-http')[0]).toMatch(/^502 UPSTREAM_(UNAVAILABLE|INVALID_RESPONSE)$/);
    expect(byFault('adapter-stall-body')).toEqual(['504 UPSTREAM_TIMEOUT']);
    expect(outcomes.every((o) => o.complete)).toBe(true);
    expect(await notLoggedOnce(h, outcomes.map((o) => o.id))).toEqual([]);
    expect(await loggedOtherwise(h, outcomes)).toEqual([]);
  });
});
