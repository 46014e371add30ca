/**
 * Retries of passthrough requests (issue 6, item 2): only a request the gateway can send again by
 * itself (an idempotent method with no body still to stream), only when the failed attempt gave
 * the caller nothing yet, within the contract's timeout and the upstream's retry budget.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, tempDir, type Harness } from './support/harness.ts';
import { oneEach, requestIds, send, trafficCounts, writeChaosContract } from './support/chaos.ts';
import { startChaosUpstream, type ChaosUpstream } from './support/chaos-upstreams.ts';

const timeoutMs = 2000;
const unlimited = { rps: 10_000, burst: 10_000 };
/** Breakers that stay closed: this file is about retries, not load shedding. */
const closedBreaker = { volumeThreshold: 100_000 };

describe('passthrough retries', () => {
  let h: Harness;
  let reader: string;
  let writer: string;
  let contracts: string;
  const up: Record<'flaky' | 'answers503' | 'dead' | 'noRetries', ChaosUpstream> = {} as never;

  beforeAll(async () => {
    for (const name of ['flaky', 'answers503', 'dead', 'noRetries'] as const) up[name] = await startChaosUpstream();
    contracts = tempDir('retry-contracts-');
    const fast = { baseDelayMs: 20, maxDelayMs: 50 };
    writeChaosContract(contracts, { name: 'retry-flaky', upstreamUrl: up.flaky.url, timeoutMs, rate: unlimited, breaker: closedBreaker, retries: fast });
    writeChaosContract(contracts, { name: 'retry-503', upstreamUrl: up.answers503.url, timeoutMs, rate: unlimited, breaker: closedBreaker, retries: fast });
    writeChaosContract(contracts, { name: 'retry-dead', upstreamUrl: up.dead.url, timeoutMs, rate: unlimited, breaker: closedBreaker, retries: { ...fast, attempts: 5 } });
    writeChaosContract(contracts, { name: 'retry-none', upstreamUrl: up.noRetries.url, timeoutMs, rate: unlimited, breaker: closedBreaker, retries: { attempts: 0 } });
    h = await startHarness({ contractDirs: [contracts] });
    reader = await h.token('app-reader');
    writer = await h.token('app-writer');
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    for (const upstream of Object.values(up)) await upstream?.close();
    rmSync(contracts, { recursive: true, force: true });
  });

  it('sends a GET again when the upstream dropped the connection without answering: the caller gets the second answer, one log row', async () => {
    up.flaky.flap(1, 2, 'reset'); // every other request: the connection is dropped before any answer
    const ids = requestIds('flaky-get', 6);
    const outcomes = [];
    for (const id of ids) outcomes.push(await send(h.url, { id, path: `/retry-flaky/v1/items/${id}`, token: reader }));
    expect(outcomes.map((o) => o.status)).toEqual([200, 200, 200, 200, 200, 200]);
    // Each request: a dropped attempt, then the retry that was answered.
    expect(up.flaky.hits).toBe(12);
    expect(await trafficCounts(h, ids)).toEqual(oneEach(ids));
  });

  it('never sends a POST twice: a dropped connection is a 502 for the caller, one upstream side effect', async () => {
    up.flaky.heal();
    up.flaky.fault = 'reset';
    const before = up.flaky.hits;
    const [id] = requestIds('flaky-post', 1);
    const outcome = await send(h.url, { id: id!, path: '/retry-flaky/v1/items', method: 'POST', token: writer, body: { text: 'sekali saja' } });
    expect(outcome.status).toBe(502);
    expect(outcome.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(up.flaky.hits - before).toBe(1);
    up.flaky.heal();
  });

  it('does not retry an answer that already streams to the caller: a 503 from the upstream reaches the caller as it is', async () => {
    up.answers503.fault = 'status-503';
    const [id] = requestIds('answered-503', 1);
    const outcome = await send(h.url, { id: id!, path: `/retry-503/v1/items/${id}`, token: reader });
    expect(outcome.status).toBe(503);
    expect(up.answers503.hits).toBe(1);
  });

  it('bounds retries to an upstream that keeps failing by its retry budget: no retry storm', async () => {
    up.dead.fault = 'reset';
    const ids = requestIds('dead', 40);
    const outcomes = await Promise.all(ids.map((id) => send(h.url, { id, path: `/retry-dead/v1/items/${id}`, token: reader })));
    expect(outcomes.every((o) => o.status === 502 && o.code === 'UPSTREAM_UNAVAILABLE')).toBe(true);
    // Up to five retries each would be 240 attempts; the budget allows 20 % of the requests plus
    // 1 per second of its 10 s window: 40 + 8 + 10 at most.
    expect(up.dead.hits).toBeGreaterThan(40);
    expect(up.dead.hits).toBeLessThanOrEqual(58);
    expect(await trafficCounts(h, ids)).toEqual(oneEach(ids));
  });

  it('lets a contract turn retries off (`resilience.retries.attempts: 0`)', async () => {
    up.noRetries.fault = 'reset';
    const ids = requestIds('no-retries', 3);
    for (const id of ids) expect((await send(h.url, { id, path: `/retry-none/v1/items/${id}`, token: reader })).status).toBe(502);
    expect(up.noRetries.hits).toBe(3);
  });
});
