import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Problem } from '../gateway/errors/problem.ts';
import { Breakers } from '../gateway/resilience/breakers.ts';
import { circuitOpenProblem, isCircuitOpen } from '../gateway/resilience/circuit-open.ts';
import { guardedCall } from '../gateway/resilience/guarded-call.ts';
import { isRetryableFailure, outcomeOfStatus, retryableStatuses } from '../gateway/resilience/outcomes.ts';
import { backoffDelay, RetryBudget, retryable, withRetries, type RetryPolicy } from '../gateway/resilience/retry.ts';

const policy: RetryPolicy = { attempts: 2, baseDelayMs: 100, maxDelayMs: 1_000 };
const unavailable = () => new Problem('UPSTREAM_UNAVAILABLE', 'connection refused');
const noSleep = () => Promise.resolve();

/** A budget that never runs out, to test the other limits alone. */
const roomy = () => new RetryBudget({ ratio: 1000, minPerSecond: 1000 });

describe('retryable', () => {
  it.each([
    ['GET', true],
    ['head', true],
    ['OPTIONS', true],
    ['PUT', true],
    ['DELETE', true],
    ['POST', false],
    ['PATCH', false],
    ['CONNECT', false],
  ])('%s may be sent again by the gateway: %s', (method, expected) => {
    expect(retryable(method)).toBe(expected);
  });

  it('retries connection failures and timeouts, not unreadable answers, refusals or open circuits', () => {
    expect(isRetryableFailure(unavailable())).toBe(true);
    expect(isRetryableFailure(new Problem('UPSTREAM_TIMEOUT', 'slow'))).toBe(true);
    expect(isRetryableFailure(new Problem('UPSTREAM_INVALID_RESPONSE', 'cut off'))).toBe(false);
    expect(isRetryableFailure(new Problem('UPSTREAM_REJECTED', 'no'))).toBe(false);
    expect(isRetryableFailure(new Error('bug'))).toBe(false);
    expect(isRetryableFailure(circuitOpenProblem('bkn', 5))).toBe(false);
    expect([...retryableStatuses]).toEqual([502, 503, 504]);
    expect([500, 502, 503, 504, 599].map(outcomeOfStatus)).toEqual(['failure', 'failure', 'failure', 'failure', 'failure']);
    expect([200, 404, 429, 501].map(outcomeOfStatus)).toEqual(['success', 'success', 'success', 'success']);
  });
});

describe('backoff', () => {
  it('is exponential, capped at maxDelayMs, and scaled by the jitter', () => {
    const top = () => 0.999_999;
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(n, policy, top))).toEqual([99, 199, 399, 799, 999, 999]);
    expect([0, 1, 2, 3, 4].map((n) => backoffDelay(n, policy, () => 0.5))).toEqual([50, 100, 200, 400, 500]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
  });

  it('sleeps the jittered backoff between attempts and gives up with the last error', async () => {
    const slept: number[] = [];
    const draws = [0.25, 0.75];
    const attempts: number[] = [];
    const last = unavailable();
    const outcome = withRetries(
      ({ attempt }) => {
        attempts.push(attempt);
        return Promise.reject(attempt === 2 ? last : unavailable());
      },
      { policy, budget: roomy(), shouldRetry: () => true, sleep: (ms) => { slept.push(ms); return Promise.resolve(); }, random: () => draws.shift()! },
    );
    await expect(outcome).rejects.toBe(last);
    expect(attempts).toEqual([0, 1, 2]);
    expect(slept).toEqual([25, 150]);
  });
});

describe('withRetries', () => {
  it('stops at the first success, and never retries what shouldRetry refuses', async () => {
    let calls = 0;
    const value = await withRetries(() => (++calls < 2 ? Promise.reject(unavailable()) : Promise.resolve('ok')), { policy, budget: roomy(), shouldRetry: () => true, sleep: noSleep });
    expect([value, calls]).toEqual(['ok', 2]);

    calls = 0;
    await expect(withRetries(() => (calls++, Promise.reject(unavailable())), { policy, budget: roomy(), shouldRetry: () => false, sleep: noSleep })).rejects.toThrow();
    expect(calls).toBe(1);
  });

  it('never retries an open-circuit refusal', async () => {
    let calls = 0;
    const refused = circuitOpenProblem('bkn', 5);
    await expect(withRetries(() => (calls++, Promise.reject(refused)), { policy, budget: roomy(), shouldRetry: () => true, sleep: noSleep })).rejects.toBe(refused);
    expect(calls).toBe(1);
  });

  it('retries values shouldRetryValue picks and returns the last one when retries run out', async () => {
    const answers = [{ status: 503 }, { status: 502 }, { status: 503 }];
    let calls = 0;
    const value = await withRetries(() => Promise.resolve(answers[calls++]!), {
      policy,
      budget: roomy(),
      shouldRetry: () => true,
      shouldRetryValue: (answer) => retryableStatuses.has(answer.status),
      sleep: noSleep,
    });
    expect(value).toBe(answers[2]);
    expect(calls).toBe(3);
  });

  it('tells each attempt the time left, and starts no retry that could not begin before the deadline', async () => {
    let clock = 0;
    const remaining: number[] = [];
    const outcome = withRetries(
      ({ remainingMs }) => {
        remaining.push(remainingMs);
        clock += 400; // each attempt fails after 400 ms
        return Promise.reject(new Problem('UPSTREAM_TIMEOUT', 'slow'));
      },
      { policy: { attempts: 5, baseDelayMs: 100, maxDelayMs: 100 }, budget: roomy(), shouldRetry: () => true, deadlineMs: 1_000, now: () => clock, random: () => 1, sleep: (ms) => { clock += ms; return Promise.resolve(); } },
    );
    await expect(outcome).rejects.toThrow('slow');
    // 0..400, sleep 100, 500..900, then a retry would start at 1000: not made.
    expect(remaining).toEqual([1_000, 500]);
  });
});

describe('retry budget', () => {
  it('bounds the retries of a failing upstream to ratio x requests + the per-second minimum', async () => {
    const clock = { now: 0 };
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 1, windowMs: 10_000, now: () => clock.now });
    let attempts = 0;
    for (let i = 0; i < 100; i++) {
      await withRetries(() => (attempts++, Promise.reject(unavailable())), { policy, budget, shouldRetry: () => true, sleep: noSleep }).catch(() => undefined);
    }
    const retries = attempts - 100;
    expect(retries).toBeGreaterThan(0);
    expect(retries).toBeLessThanOrEqual(0.2 * 100 + 1 * 10);
    expect(retries).toBeLessThan(2 * 100); // what the policy alone would have allowed
    expect(budget.snapshot()).toEqual({ requests: 100, retries, allowed: 30 });
    expect(budget.tryRetry()).toBe(false);

    clock.now += 10_000; // the window has passed: the minimum is available again
    expect(budget.tryRetry()).toBe(true);
    expect(budget.snapshot()).toEqual({ requests: 0, retries: 1, allowed: 10 });
  });

  it('grants a quiet upstream its per-second minimum', () => {
    const budget = new RetryBudget({ ratio: 0.2, minPerSecond: 0.5, windowMs: 4_000, now: () => 0 });
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([true, true, false]);
  });
});

describe('guardedCall (breaker + retries)', () => {
  let breakers: Breakers;
  beforeEach(() => {
    breakers = new Breakers(pino({ level: 'silent' }));
  });
  afterEach(() => breakers.close());

  const failing = (counter: { calls: number }) => () => (counter.calls++, Promise.reject(unavailable()));

  it('retries GET and PUT, never POST or PATCH', async () => {
    const breaker = breakers.for('bkn');
    for (const [method, expected] of [['GET', 3], ['PUT', 3], ['POST', 1], ['PATCH', 1]] as const) {
      const counter = { calls: 0 };
      await expect(guardedCall(breaker, failing(counter), { method, policy, sleep: noSleep })).rejects.toThrow('connection refused');
      expect([method, counter.calls]).toEqual([method, expected]);
    }
  });

  it('does not call or retry while the circuit is open', async () => {
    const breaker = breakers.for('bkn', { volumeThreshold: 2 });
    for (let i = 0; i < 2; i++) await breaker.run(() => Promise.reject(unavailable())).catch(() => undefined);
    expect(breaker.state).toBe('open');

    const counter = { calls: 0 };
    const refused = await guardedCall(breaker, failing(counter), { method: 'GET', policy, sleep: noSleep }).catch((error: unknown) => error);
    expect(isCircuitOpen(refused)).toBe(true);
    expect(counter.calls).toBe(0);
    expect(breaker.retryBudget.snapshot()).toMatchObject({ requests: 0, retries: 0 }); // refused requests earn no retries
  });

  it('stops retrying as soon as its failures open the circuit', async () => {
    const breaker = breakers.for('bkn', { volumeThreshold: 2 });
    const counter = { calls: 0 };
    const sleep = vi.fn(noSleep);
    await expect(guardedCall(breaker, failing(counter), { method: 'GET', policy: { attempts: 5 }, sleep })).rejects.toThrow('connection refused');
    expect(breaker.state).toBe('open');
    expect(counter.calls).toBe(2);
    expect(sleep).toHaveBeenCalledTimes(1);
  });

  it('counts a buffered 503 answer against the breaker and retries it; a streaming one is only counted', async () => {
    const breaker = breakers.for('sipd');
    const statuses = [503, 200];
    const answer = await guardedCall(breaker, () => Promise.resolve({ status: statuses.shift()! }), {
      method: 'GET',
      judge: (value) => outcomeOfStatus(value.status),
      retryValue: (value) => retryableStatuses.has(value.status),
      sleep: noSleep,
    });
    expect(answer).toEqual({ status: 200 });

    let calls = 0;
    const streaming = await guardedCall(breaker, () => (calls++, Promise.resolve({ status: 503 })), { method: 'GET', judge: (value) => outcomeOfStatus(value.status), sleep: noSleep });
    expect([streaming.status, calls]).toEqual([503, 1]);
    expect(breakers.snapshot()[0]!.window).toMatchObject({ calls: 3, failures: 2, successes: 1 });
    expect(breaker.retryBudget.snapshot()).toMatchObject({ requests: 2, retries: 1 });
  });
});
