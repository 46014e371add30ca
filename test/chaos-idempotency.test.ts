/**
 * Chaos test of issue 6 (item 6): clients retrying a POST with the same Idempotency-Key while the
 * upstream times out, or dies with the request in hand. However the retries interleave (at once,
 * one after another, after the upstream finished), the upstream acts exactly once per key; every
 * request gets an answer within the contract timeout plus a margin, and one traffic-log row.
 */
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, tempDir, type Harness } from './support/harness.ts';
import { oneEach, send, trafficCounts, writeChaosContract, type Outcome } from './support/chaos.ts';
import { startChaosUpstream, type ChaosUpstream } from './support/chaos-upstreams.ts';

const timeoutMs = 600;
const marginMs = 500;

describe('chaos: retries with one Idempotency-Key against a failing upstream', () => {
  let h: Harness;
  let writer: string;
  let slow: ChaosUpstream;
  let dying: ChaosUpstream;
  let sent = 0;
  let contracts = '';

  beforeAll(async () => {
    slow = await startChaosUpstream();
    dying = await startChaosUpstream();
    contracts = tempDir('chaos-contracts-');
    const common = { timeoutMs, rate: { rps: 10_000, burst: 10_000 }, breaker: { volumeThreshold: 1000 }, idempotency: 'required' as const };
    writeChaosContract(contracts, { name: 'chaos-idem-slow', upstreamUrl: slow.url, ...common });
    writeChaosContract(contracts, { name: 'chaos-idem-dying', upstreamUrl: dying.url, ...common });
    h = await startHarness({ contractDirs: [contracts] });
    writer = await h.token('app-writer');
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    await slow?.close();
    await dying?.close();
    if (contracts) rmSync(contracts, { recursive: true, force: true });
  });

  const post = (contract: string, key: string, text: string): Promise<Outcome> =>
    send(h.url, { id: `idem-${String(sent++).padStart(3, '0')}`, path: `/${contract}/v1/items`, method: 'POST', token: writer, body: { text }, headers: { 'idempotency-key': key } });

  const late = (outcomes: Outcome[]) => outcomes.filter((o) => o.status === null || o.ms > timeoutMs + marginMs).map((o) => ({ id: o.id, status: o.status, ms: Math.round(o.ms), error: o.error }));
  const summary = (o: Outcome) => `${o.status} ${o.code ?? ''}${o.headers['idempotent-replayed'] === 'true' ? ' (replayed)' : ''}`.trim();

  it('upstream slower than the timeout: concurrent and sequential retries of each key cause exactly one side effect per key', async () => {
    slow.delayMs = 1500;
    const keys = ['order-a', 'order-b', 'order-c'];
    const outcomes: Outcome[] = [];
    // Each key: five copies at once (a race for the key), then a copy every 150 ms while the
    // first is timing out and after, then more once the upstream has finished its work.
    const firstWave = await Promise.all(keys.flatMap((key) => Array.from({ length: 5 }, () => post('chaos-idem-slow', key, `surat ${key}`))));
    outcomes.push(...firstWave);
    for (let round = 0; round < 4; round++) {
      await sleep(150);
      outcomes.push(...(await Promise.all(keys.map((key) => post('chaos-idem-slow', key, `surat ${key}`)))));
    }
    await slow.idle();
    for (const key of keys) outcomes.push(await post('chaos-idem-slow', key, `surat ${key}`));

    expect(late(outcomes)).toEqual([]);
    // One side effect per key, whatever the interleaving.
    expect(slow.sideEffects.sort()).toEqual(keys.map((key) => JSON.stringify({ text: `surat ${key}` })));
    // Per key: exactly one executed request (504, not replayed); the others were told it is in
    // flight (409) or got its stored 504 again.
    const allowed = new Set(['504 UPSTREAM_TIMEOUT', '409 IDEMPOTENCY_REQUEST_IN_FLIGHT', '504 UPSTREAM_TIMEOUT (replayed)']);
    expect(outcomes.map(summary).filter((s) => !allowed.has(s))).toEqual([]);
    expect(outcomes.filter((o) => summary(o) === '504 UPSTREAM_TIMEOUT')).toHaveLength(keys.length);
    expect(firstWave.filter((o) => o.code === 'IDEMPOTENCY_REQUEST_IN_FLIGHT').length).toBe(12);
    // Once the upstream finished, the stored answer is replayed.
    expect(outcomes.slice(-keys.length).map(summary)).toEqual(keys.map(() => '504 UPSTREAM_TIMEOUT (replayed)'));
    const ids = outcomes.map((o) => o.id);
    expect(await trafficCounts(h, ids)).toEqual(oneEach(ids));
  });

  it('upstream killed with the request in hand, then restarted: the retry gets the stored failure, never a second side effect', async () => {
    dying.delayMs = 300;
    const outcomes: Outcome[] = [];
    const first = post('chaos-idem-dying', 'order-dying', 'surat dying');
    await sleep(150); // the upstream has acted on it and is "working"
    await dying.kill();
    outcomes.push(await first);
    // Clients back off a little before retrying (an immediate retry may still see 409: the key is
    // settled once the first exchange has closed).
    await sleep(100);
    outcomes.push(await post('chaos-idem-dying', 'order-dying', 'surat dying')); // while it is down
    await dying.restart();
    dying.delayMs = 0;
    for (let i = 0; i < 3; i++) {
      await sleep(100);
      outcomes.push(await post('chaos-idem-dying', 'order-dying', 'surat dying'));
    }
    // A new key is executed normally: the upstream is back.
    outcomes.push(await post('chaos-idem-dying', 'order-after', 'surat after'));

    expect(late(outcomes)).toEqual([]);
    expect(outcomes.map(summary)).toEqual([
      '502 UPSTREAM_UNAVAILABLE',
      '502 UPSTREAM_UNAVAILABLE (replayed)',
      '502 UPSTREAM_UNAVAILABLE (replayed)',
      '502 UPSTREAM_UNAVAILABLE (replayed)',
      '502 UPSTREAM_UNAVAILABLE (replayed)',
      '201',
    ]);
    expect(dying.sideEffects).toEqual([JSON.stringify({ text: 'surat dying' }), JSON.stringify({ text: 'surat after' })]);
    const ids = outcomes.map((o) => o.id);
    expect(await trafficCounts(h, ids)).toEqual(oneEach(ids));
  });
});
