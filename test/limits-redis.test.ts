/**
 * The limiter module on a real redis-server: counts shared between gateway instances, and the
 * gateway keeps deciding (in memory) when Redis crashes, hangs or was never there.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Limits, type LimitDecision, type LimitsBackend } from '../gateway/limits/limits.ts';
import { freePort } from './support/ports.ts';
import { startRedis, type RedisServer } from './support/redis.ts';
import { until } from './support/until.ts';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

const open: Limits[] = [];
afterEach(async () => {
  for (const limits of open.splice(0)) await limits.close();
});

/** A pino logger whose lines are kept for assertions. */
function capturingLogger(): { log: Logger; lines: () => string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { log, lines: () => lines };
}

let prefixCounter = 0;
/** Gateway instances sharing one key prefix (a fresh one per test, so tests do not share counts). */
async function gatewayInstances(count: number, url = redis.url, log: Logger = pino({ level: 'silent' })): Promise<Limits[]> {
  const keyPrefix = `test${++prefixCounter}:${process.pid}`;
  const instances: Limits[] = [];
  for (let i = 0; i < count; i++) {
    const limits = await Limits.create({ redisUrl: url, keyPrefix, log });
    open.push(limits);
    instances.push(limits);
  }
  return instances;
}

async function consumeTimes(limits: Limits, times: number, key: string, rule: { rps: number; burst: number }): Promise<LimitDecision[]> {
  const decisions: LimitDecision[] = [];
  for (let i = 0; i < times; i++) decisions.push(await limits.consume(key, rule));
  return decisions;
}

async function waitForBackend(limits: Limits, wanted: LimitsBackend, withinMs: number): Promise<void> {
  await until(() => limits.backend(), (backend) => backend === wanted, { what: `the backend ${wanted}`, timeoutMs: withinMs, intervalMs: 10 });
}

async function timed<T>(action: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await action();
  return { value, ms: performance.now() - started };
}

/** Counting tests use a 5 s window (a slow machine cannot see it end mid-test); refill tests 250 ms. */
const rule = { rps: 1, burst: 5 };
const quick = { rps: 20, burst: 5 };

describe('limits shared through Redis', () => {
  it('shares a rate count between two gateway instances: 3 on one + 3 on the other, the 6th is refused', async () => {
    const [a, b] = await gatewayInstances(2);
    expect(a?.backend()).toBe('redis');
    const onA = await consumeTimes(a!, 3, 'rate:app-a:catatan', rule);
    const onB = await consumeTimes(b!, 3, 'rate:app-a:catatan', rule);
    expect([...onA, ...onB].map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(onB.map((d) => d.remaining)).toEqual([1, 0, 0]);
    expect(onB[2]?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });

  it('expires sub-second windows in Redis: the burst is back after burst / rps', async () => {
    const [a, b] = await gatewayInstances(2);
    await consumeTimes(a!, 5, 'rate:app-a:catatan', quick);
    expect((await b!.consume('rate:app-a:catatan', quick)).allowed).toBe(false);
    await sleep(300);
    const after = await consumeTimes(b!, 6, 'rate:app-a:catatan', quick);
    expect(after.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
  });

  it('shares a daily quota between instances', async () => {
    const [a, b] = await gatewayInstances(2);
    const now = new Date('2025-03-10T16:00:00Z'); // 23:00 WIB
    expect((await a!.consumeDaily('quota:pks-bank-a', 2, 'Asia/Jakarta', now)).remaining).toBe(1);
    expect((await b!.consumeDaily('quota:pks-bank-a', 2, 'Asia/Jakarta', now)).remaining).toBe(0);
    expect(await a!.consumeDaily('quota:pks-bank-a', 2, 'Asia/Jakarta', now)).toMatchObject({ allowed: false, retryAfterSeconds: 3600 });
  });

  it('keeps answering from memory when Redis is killed, and shares counts again once it is back', async () => {
    const { log, lines } = capturingLogger();
    const [a, b] = await gatewayInstances(2, redis.url, log);
    await redis.kill();
    try {
      // Whatever the client has noticed yet, every consume answers at once.
      const during = [] as Array<{ value: LimitDecision; ms: number }>;
      for (let i = 0; i < 6; i++) during.push(await timed(() => a!.consume('rate:app-a:catatan', rule)));
      for (const { ms } of during) expect(ms).toBeLessThan(500);
      // ...and the rule is still enforced, in this instance's memory.
      expect(during.map(({ value }) => value.allowed)).toEqual([true, true, true, true, true, false]);
      await waitForBackend(a!, 'redis-down', 2000);
      // Many requests and reconnect attempts later, the outage is logged once per instance.
      await consumeTimes(b!, 20, 'rate:app-b:catatan', rule);
      await sleep(500);
      expect(lines().filter((line) => line.includes('Redis unavailable'))).toHaveLength(2);
    } finally {
      await redis.start();
    }
    await waitForBackend(a!, 'redis', 5000);
    await waitForBackend(b!, 'redis', 5000);
    const onA = await consumeTimes(a!, 3, 'rate:app-c:catatan', rule);
    const onB = await consumeTimes(b!, 3, 'rate:app-c:catatan', rule);
    expect([...onA, ...onB].map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect(lines().filter((line) => line.includes('Redis connected')).length).toBe(4); // twice at start, twice after the restart
  });

  it('bounds each consume by the command timeout when Redis hangs, then stops asking it', async () => {
    const [a] = await gatewayInstances(1);
    redis.freeze();
    try {
      const first = await timed(() => a!.consume('rate:app-a:catatan', rule));
      expect(first.value.allowed).toBe(true);
      expect(first.ms).toBeLessThan(1000); // commandTimeout 200 ms + margin; ioredis would otherwise wait for ever
      // The socket timeout (1 s) notices the silent server; from then on decisions are immediate.
      await waitForBackend(a!, 'redis-down', 3000);
      const later = await timed(() => a!.consume('rate:app-b:catatan', rule));
      expect(later.ms).toBeLessThan(100);
    } finally {
      redis.thaw();
    }
    await waitForBackend(a!, 'redis', 5000);
  });

  it('starts before Redis does and shares counts through Redis once it is up', async () => {
    await redis.stop();
    let instances: Limits[];
    try {
      instances = await gatewayInstances(2);
      expect(instances.map((limits) => limits.backend())).toEqual(['redis-down', 'redis-down']);
      expect((await instances[0]!.consume('rate:app-a:catatan', rule)).allowed).toBe(true);
    } finally {
      await redis.start();
    }
    const [a, b] = instances;
    await waitForBackend(a!, 'redis', 5000);
    await waitForBackend(b!, 'redis', 5000);
    const onA = await consumeTimes(a!, 3, 'rate:app-b:catatan', rule);
    const onB = await consumeTimes(b!, 3, 'rate:app-b:catatan', rule);
    expect([...onA, ...onB].map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
  });

  it('starts and serves from memory when REDIS_URL points at nothing, without logging the password', async () => {
    const { log, lines } = capturingLogger();
    const port = await freePort();
    const url = `redis://:pw-Rahasia-123@127.0.0.1:${port}`;
    const { value: limits, ms } = await timed(() => Limits.create({ redisUrl: url, log }));
    open.push(limits);
    expect(ms).toBeLessThan(2000); // at most the connect budget (1 s)
    expect(limits.backend()).toBe('redis-down');
    const decisions = await consumeTimes(limits, 6, 'rate:app-a:catatan', rule);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
    expect((await limits.consumeDaily('quota:pks-a', 1, 'Asia/Jakarta')).allowed).toBe(true);
    expect(lines().some((line) => line.includes('Redis unavailable'))).toBe(true);
    expect(lines().join('\n')).not.toContain('pw-Rahasia-123');
  });
});
