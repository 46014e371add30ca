/**
 * The limiter module in memory (no Redis): rate rules, daily quotas, concurrency caps, the
 * calendar arithmetic behind quotas and the response headers.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { localDay } from '../gateway/limits/calendar.ts';
import { rateLimitHeaders, tightest } from '../gateway/limits/headers.ts';
import { Limits, windowOf, type LimitDecision } from '../gateway/limits/limits.ts';

const silent = pino({ level: 'silent' });
const open: Limits[] = [];
async function memoryLimits(): Promise<Limits> {
  const limits = await Limits.create({ redisUrl: null, log: silent });
  open.push(limits);
  return limits;
}
afterEach(async () => {
  for (const limits of open.splice(0)) await limits.close();
});

async function consumeTimes(limits: Limits, times: number, key: string, rule: { rps: number; burst: number }): Promise<LimitDecision[]> {
  const decisions: LimitDecision[] = [];
  for (let i = 0; i < times; i++) decisions.push(await limits.consume(key, rule));
  return decisions;
}

describe('rate rules in memory', () => {
  // Counting tests use a 5 s window so that a slow machine cannot see a window end mid-test;
  // refill tests use a 250 ms window.
  const rule = { rps: 1, burst: 5 };
  const quick = { rps: 20, burst: 5 };

  it('reports the memory backend', async () => {
    expect((await memoryLimits()).backend()).toBe('memory');
  });

  it('lets a fresh key pass `burst` requests at once, then refuses with Retry-After', async () => {
    const limits = await memoryLimits();
    const decisions = await consumeTimes(limits, 6, 'rate:app-a:catatan', rule);
    expect(decisions.slice(0, 5).map((d) => d.allowed)).toEqual([true, true, true, true, true]);
    expect(decisions.slice(0, 5).map((d) => d.remaining)).toEqual([4, 3, 2, 1, 0]);
    const refused = decisions[5];
    expect(refused).toMatchObject({ allowed: false, limit: 5, remaining: 0 });
    expect(refused?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused?.resetSeconds).toBeGreaterThanOrEqual(1);
    expect(decisions[0]?.retryAfterSeconds).toBeUndefined();
  });

  it('gives the whole burst back when the window (burst / rps) has passed', async () => {
    const limits = await memoryLimits();
    await consumeTimes(limits, 5, 'rate:app-a:catatan', quick);
    expect((await limits.consume('rate:app-a:catatan', quick)).allowed).toBe(false);
    await sleep(300);
    const decisions = await consumeTimes(limits, 6, 'rate:app-a:catatan', quick);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false]);
  });

  it('keeps keys apart: a noisy consumer does not starve another', async () => {
    const limits = await memoryLimits();
    const noisy = await consumeTimes(limits, 20, 'rate:noisy-app:catatan', rule);
    expect(noisy.filter((d) => d.allowed)).toHaveLength(5);
    const quiet = await consumeTimes(limits, 5, 'rate:quiet-app:catatan', rule);
    expect(quiet.every((d) => d.allowed)).toBe(true);
  });

  it('keeps rules apart: the same key under another rule has its own count', async () => {
    const limits = await memoryLimits();
    await consumeTimes(limits, 5, 'rate:app-a:catatan', rule);
    expect((await limits.consume('rate:app-a:catatan', rule)).allowed).toBe(false);
    expect((await limits.consume('rate:app-a:catatan', { rps: 10, burst: 10 })).allowed).toBe(true);
  });

  it('handles slow rules: rps 0.5 burst 1 allows one call per 2 s and says so', async () => {
    const limits = await memoryLimits();
    const [first, second] = await consumeTimes(limits, 2, 'rate:app-a:lambat', { rps: 0.5, burst: 1 });
    expect(first).toMatchObject({ allowed: true, limit: 1, remaining: 0, resetSeconds: 2 });
    expect(second).toMatchObject({ allowed: false, retryAfterSeconds: 2 });
  });

  it('derives the window as burst / rps in whole milliseconds and refuses nonsense rules', async () => {
    expect(windowOf({ rps: 20, burst: 5 })).toBe(250);
    expect(windowOf({ rps: 10, burst: 20 })).toBe(2000);
    expect(windowOf({ rps: 3, burst: 1 })).toBe(333);
    const limits = await memoryLimits();
    await expect(limits.consume('k', { rps: 0, burst: 5 })).rejects.toThrow(RangeError);
    await expect(limits.consume('k', { rps: 5, burst: 0 })).rejects.toThrow(RangeError);
    await expect(limits.consume('k', { rps: 5, burst: 2.5 })).rejects.toThrow(RangeError);
    await expect(limits.consume('k', { rps: Number.NaN, burst: 1 })).rejects.toThrow(RangeError);
  });
});

describe('daily quotas', () => {
  // 2025-03-10T16:00:00Z is 23:00 WIB (Asia/Jakarta, UTC+7): one hour to local midnight.
  const lateEvening = new Date('2025-03-10T16:00:00Z');
  const nextMorning = new Date('2025-03-10T17:00:00Z'); // 00:00 WIB on 11 March

  it('counts calls and refuses at the quota until local midnight', async () => {
    const limits = await memoryLimits();
    const decisions: LimitDecision[] = [];
    for (let i = 0; i < 4; i++) decisions.push(await limits.consumeDaily('quota:pks-bank-a', 3, 'Asia/Jakarta', lateEvening));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false]);
    expect(decisions.map((d) => d.remaining)).toEqual([2, 1, 0, 0]);
    expect(decisions[0]).toMatchObject({ limit: 3, resetSeconds: 3600 });
    expect(decisions[3]).toMatchObject({ allowed: false, limit: 3, retryAfterSeconds: 3600, resetSeconds: 3600 });
  });

  it('starts fresh on the next local day', async () => {
    const limits = await memoryLimits();
    for (let i = 0; i < 3; i++) await limits.consumeDaily('quota:pks-bank-a', 3, 'Asia/Jakarta', lateEvening);
    expect((await limits.consumeDaily('quota:pks-bank-a', 3, 'Asia/Jakarta', lateEvening)).allowed).toBe(false);
    const morning = await limits.consumeDaily('quota:pks-bank-a', 3, 'Asia/Jakarta', nextMorning);
    expect(morning).toMatchObject({ allowed: true, remaining: 2, resetSeconds: 86_400 });
  });

  it('follows the given time zone, not UTC: 16:00Z is already tomorrow in Jayapura (UTC+9)', async () => {
    const limits = await memoryLimits();
    for (let i = 0; i < 3; i++) await limits.consumeDaily('quota:pks-bank-a', 3, 'Asia/Jayapura', new Date('2025-03-10T14:30:00Z')); // 23:30 WIT
    const after = await limits.consumeDaily('quota:pks-bank-a', 3, 'Asia/Jayapura', lateEvening); // 01:00 WIT, 11 March
    expect(after).toMatchObject({ allowed: true, remaining: 2, resetSeconds: 23 * 3600 });
  });

  it('does not count refused calls, and keeps the day count when the quota changes', async () => {
    const limits = await memoryLimits();
    for (let i = 0; i < 2; i++) await limits.consumeDaily('quota:pks-bank-b', 2, 'Asia/Jakarta', lateEvening);
    for (let i = 0; i < 5; i++) expect((await limits.consumeDaily('quota:pks-bank-b', 2, 'Asia/Jakarta', lateEvening)).allowed).toBe(false);
    // The agreement is amended to 3 calls a day: exactly one more passes today.
    expect(await limits.consumeDaily('quota:pks-bank-b', 3, 'Asia/Jakarta', lateEvening)).toMatchObject({ allowed: true, remaining: 0 });
    expect((await limits.consumeDaily('quota:pks-bank-b', 3, 'Asia/Jakarta', lateEvening)).allowed).toBe(false);
  });

  it('keeps agreements apart, refuses everything at quota 0, and rejects bad input', async () => {
    const limits = await memoryLimits();
    expect((await limits.consumeDaily('quota:pks-a', 1, 'Asia/Jakarta', lateEvening)).allowed).toBe(true);
    expect((await limits.consumeDaily('quota:pks-b', 1, 'Asia/Jakarta', lateEvening)).allowed).toBe(true);
    expect(await limits.consumeDaily('quota:pks-c', 0, 'Asia/Jakarta', lateEvening)).toMatchObject({ allowed: false, limit: 0, retryAfterSeconds: 3600 });
    await expect(limits.consumeDaily('quota:pks-a', -1, 'Asia/Jakarta')).rejects.toThrow(RangeError);
    await expect(limits.consumeDaily('quota:pks-a', 10, 'Asia/Nowhere')).rejects.toThrow(RangeError);
  });
});

describe('calendar days', () => {
  it('gives the local date and the time to local midnight', () => {
    expect(localDay(new Date('2025-03-10T16:59:59.500Z'), 'Asia/Jakarta')).toEqual({ date: '2025-03-10', msToMidnight: 500 });
    expect(localDay(new Date('2025-03-10T17:00:00Z'), 'Asia/Jakarta')).toEqual({ date: '2025-03-11', msToMidnight: 86_400_000 });
    expect(localDay(new Date('2025-12-31T20:00:00Z'), 'Asia/Makassar')).toEqual({ date: '2026-01-01', msToMidnight: 20 * 3_600_000 });
  });

  it('handles days of 23 hours (daylight saving time, for zones that have it)', () => {
    // Berlin, 30 March 2025: clocks go from 02:00 CET to 03:00 CEST; 00:30 CET is 23:30Z the day before.
    expect(localDay(new Date('2025-03-29T23:30:00Z'), 'Europe/Berlin')).toEqual({ date: '2025-03-30', msToMidnight: 22.5 * 3_600_000 });
  });
});

describe('concurrency caps', () => {
  it('gives out up to `max` slots per key, then null; a release frees one slot', async () => {
    const limits = await memoryLimits();
    const slots = [limits.acquire('upstream:simpeg', 3), limits.acquire('upstream:simpeg', 3), limits.acquire('upstream:simpeg', 3)];
    expect(slots.every((release) => typeof release === 'function')).toBe(true);
    expect(limits.acquire('upstream:simpeg', 3)).toBeNull();
    expect(limits.acquire('upstream:dukcapil', 3)).not.toBeNull(); // other upstreams are not affected
    slots[0]?.();
    expect(limits.inFlight('upstream:simpeg')).toBe(2);
    expect(limits.acquire('upstream:simpeg', 3)).not.toBeNull();
    expect(limits.acquire('upstream:simpeg', 3)).toBeNull();
  });

  it('frees only one slot when a release is called twice', async () => {
    const limits = await memoryLimits();
    const first = limits.acquire('upstream:simpeg', 2);
    const second = limits.acquire('upstream:simpeg', 2);
    expect(second).not.toBeNull();
    first?.();
    first?.();
    expect(limits.inFlight('upstream:simpeg')).toBe(1);
    expect(limits.acquire('upstream:simpeg', 2)).not.toBeNull();
    expect(limits.acquire('upstream:simpeg', 2)).toBeNull();
  });

  it('refuses a cap below 1', async () => {
    const limits = await memoryLimits();
    expect(() => limits.acquire('upstream:simpeg', 0)).toThrow(RangeError);
  });
});

describe('response headers', () => {
  it('writes RateLimit-* always and Retry-After only when refused', () => {
    expect(rateLimitHeaders({ allowed: true, limit: 5, remaining: 3, resetSeconds: 1 })).toEqual({
      'RateLimit-Limit': '5',
      'RateLimit-Remaining': '3',
      'RateLimit-Reset': '1',
    });
    expect(rateLimitHeaders({ allowed: false, limit: 100, remaining: 0, resetSeconds: 3600, retryAfterSeconds: 3600 })).toEqual({
      'RateLimit-Limit': '100',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '3600',
      'Retry-After': '3600',
    });
  });

  it('picks the tightest of several decisions', () => {
    const rate = { allowed: true, limit: 5, remaining: 4, resetSeconds: 1 };
    const quota = { allowed: true, limit: 1000, remaining: 2, resetSeconds: 3600 };
    const refused = { allowed: false, limit: 1000, remaining: 0, resetSeconds: 3600, retryAfterSeconds: 3600 };
    expect(tightest([rate, quota])).toBe(quota);
    expect(tightest([rate, refused, quota])).toBe(refused);
    expect(tightest([])).toBeUndefined();
  });
});
