import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Problem } from '../gateway/errors/problem.ts';
import { Breakers, type BreakerSettings } from '../gateway/resilience/breakers.ts';
import { circuitOpenCode, circuitOpenProblem, isCircuitOpen } from '../gateway/resilience/circuit-open.ts';
import { outcomeOfStatus } from '../gateway/resilience/outcomes.ts';
import { rejection } from './support/problems.ts';

const settings: Partial<BreakerSettings> = { errorThresholdPercentage: 50, volumeThreshold: 4, resetTimeoutMs: 5_000, rollingCountMs: 10_000 };

let lines: Array<Record<string, unknown>>;
let breakers: Breakers;

beforeEach(() => {
  vi.useFakeTimers();
  lines = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  breakers = new Breakers(log);
});

afterEach(() => {
  breakers.close();
  vi.useRealTimers();
});

const unavailable = (): Promise<never> => Promise.reject(new Problem('UPSTREAM_UNAVAILABLE', 'connection refused'));
const ok = (): Promise<string> => Promise.resolve('ok');

/** A call that stays in flight until the test settles it. */
function pending(): { call: () => Promise<string>; resolve: (value: string) => void; reject: (error: unknown) => void } {
  const { promise, resolve, reject } = Promise.withResolvers<string>();
  return { call: () => promise, resolve, reject };
}

function stateLines(): Array<[unknown, unknown]> {
  return lines.filter((line) => typeof line.state === 'string').map((line) => [line.upstream, line.state]);
}

describe('circuit breaker', () => {
  it('stays closed below the volume threshold and at the error percentage, opens past both', async () => {
    const breaker = breakers.for('bkn', settings);
    for (let i = 0; i < 3; i++) await expect(breaker.run(unavailable)).rejects.toThrow('connection refused');
    expect(breaker.state).toBe('closed'); // 3 of 3 failed, but fewer calls than volumeThreshold (4)

    await breaker.run(ok);
    expect(breaker.state).toBe('closed'); // 3 of 4 failed: over 50 %, checked on the next failure

    await breakers.for('dukcapil', settings).run(ok);
    const other = breakers.for('dukcapil', settings);
    await other.run(ok);
    await other.run(unavailable).catch(() => undefined);
    await other.run(unavailable).catch(() => undefined);
    expect(other.state).toBe('closed'); // 2 of 4 failed: exactly 50 % does not open

    await breaker.run(unavailable).catch(() => undefined);
    expect(breaker.state).toBe('open'); // 4 of 5 failed
    expect(stateLines()).toEqual([['bkn', 'open']]);
  });

  it('refuses at once while open: the open-circuit problem with Retry-After, the call never made', async () => {
    const breaker = breakers.for('bkn', settings);
    for (let i = 0; i < 4; i++) await breaker.run(unavailable).catch(() => undefined);
    expect(breaker.state).toBe('open');

    const before = Date.now();
    const call = vi.fn(ok);
    const refused = await rejection(breaker.run(call));
    // Settled with the clock standing still: no timer (no upstream timeout) was waited for.
    expect(Date.now()).toBe(before);
    expect(call).not.toHaveBeenCalled();
    expect(isCircuitOpen(refused)).toBe(true);
    expect(refused.code).toBe(circuitOpenCode);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.extensions.upstream).toEqual({ system: 'bkn' });

    vi.advanceTimersByTime(2_100);
    expect((await rejection(breaker.run(call))).headers['retry-after']).toBe('3');
    vi.advanceTimersByTime(2_850);
    expect((await rejection(breaker.run(call))).headers['retry-after']).toBe('1'); // never 0
    expect(call).not.toHaveBeenCalled();
    expect(breakers.snapshot()[0]!.window.refused).toBe(3);
  });

  it('lets one probe through after the reset timeout, refuses others meanwhile, closes when it succeeds', async () => {
    const breaker = breakers.for('bkn', settings);
    for (let i = 0; i < 4; i++) await breaker.run(unavailable).catch(() => undefined);
    vi.advanceTimersByTime(5_000);
    expect(breaker.state).toBe('half-open');

    const probe = pending();
    const probing = breaker.run(probe.call);
    const concurrent = vi.fn(ok);
    const refused = await rejection(breaker.run(concurrent));
    expect(isCircuitOpen(refused)).toBe(true);
    expect(refused.headers['retry-after']).toBe('1');
    expect(concurrent).not.toHaveBeenCalled();

    probe.resolve('recovered');
    await expect(probing).resolves.toBe('recovered');
    expect(breaker.state).toBe('closed');
    await expect(breaker.run(concurrent)).resolves.toBe('ok');
    expect(stateLines()).toEqual([['bkn', 'open'], ['bkn', 'half-open'], ['bkn', 'closed']]);
  });

  it('re-opens when the probe fails, with the next probe one reset timeout later', async () => {
    const breaker = breakers.for('bkn', settings);
    for (let i = 0; i < 4; i++) await breaker.run(unavailable).catch(() => undefined);
    vi.advanceTimersByTime(5_000);

    await expect(breaker.run(() => Promise.reject(new Problem('UPSTREAM_TIMEOUT', 'bkn did not answer within 3000 ms.')))).rejects.toThrow('did not answer');
    expect(breaker.state).toBe('open');
    expect((await rejection(breaker.run(ok))).headers['retry-after']).toBe('5');
    const [status] = breakers.snapshot();
    expect(status!.nextProbeAt).toBe(new Date(Date.now() + 5_000).toISOString());

    vi.advanceTimersByTime(5_000);
    expect(breaker.state).toBe('half-open');
    expect(stateLines()).toEqual([['bkn', 'open'], ['bkn', 'half-open'], ['bkn', 'open'], ['bkn', 'half-open']]);
  });

  it('counts a value judged a failure (a 503 answer) without rejecting the caller', async () => {
    const breaker = breakers.for('sipd', settings);
    const answer503 = { status: 503, body: 'maintenance' };
    const judge = (answer: { status: number }) => outcomeOfStatus(answer.status);
    for (let i = 0; i < 4; i++) await expect(breaker.run(() => Promise.resolve(answer503), judge)).resolves.toBe(answer503);
    expect(breaker.state).toBe('open');
    expect(breakers.snapshot()[0]!.window).toMatchObject({ calls: 4, failures: 4, successes: 0 });
  });

  it('does not count the caller\'s faults or proper upstream refusals, counts unknown errors', async () => {
    const breaker = breakers.for('lapor', settings);
    const callerFaults = [
      new Problem('PAYLOAD_TOO_LARGE', 'too large'),
      new Problem('UPSTREAM_REJECTED', 'rejected'),
      new Problem('UPSTREAM_NOT_FOUND', 'none'),
      new Problem('UPSTREAM_AUTH_FAILED', 'refused'),
      new Problem('BAD_REQUEST', 'cut off'),
    ];
    for (const problem of callerFaults) await expect(breaker.run(() => Promise.reject(problem))).rejects.toBe(problem);
    expect(breaker.state).toBe('closed');
    expect(breakers.snapshot()[0]!.window).toMatchObject({ failures: 0, successes: 5 });

    for (let i = 0; i < 6; i++) await breaker.run(() => Promise.reject(new Error('socket hang up'))).catch(() => undefined);
    expect(breaker.state).toBe('open'); // 6 of 11 failed
  });

  it('keeps a breaker per upstream and reports each in the snapshot', async () => {
    const bkn = breakers.for('bkn', settings);
    expect(breakers.for('bkn')).toBe(bkn);
    const lapor = breakers.for('lapor', { volumeThreshold: 20 });
    for (let i = 0; i < 4; i++) await bkn.run(unavailable).catch(() => undefined);
    await lapor.run(ok);
    await lapor.run(unavailable).catch(() => undefined);

    expect(bkn.state).toBe('open');
    expect(lapor.state).toBe('closed');
    const [first, second] = breakers.snapshot();
    expect(first).toMatchObject({ upstream: 'bkn', state: 'open', since: new Date(Date.now()).toISOString(), window: { calls: 4, failures: 4, successes: 0, refused: 0 } });
    expect(first!.nextProbeAt).toBe(new Date(Date.now() + 5_000).toISOString());
    expect(second).toMatchObject({ upstream: 'lapor', state: 'closed', nextProbeAt: null, window: { calls: 2, failures: 1, successes: 1 } });
    expect(second!.settings).toEqual({ errorThresholdPercentage: 50, volumeThreshold: 20, resetTimeoutMs: 10_000, rollingCountMs: 10_000 });
    expect(second!.retries).toEqual({ requests: 0, retries: 0, allowed: 10 });
  });

  it('warns once when contracts of one upstream disagree on the settings, keeping the first', () => {
    const first = breakers.for('bkn', settings);
    expect(breakers.for('bkn', { volumeThreshold: 99 })).toBe(first);
    breakers.for('bkn', { volumeThreshold: 99 });
    const warnings = lines.filter((line) => String(line.msg).includes('disagree'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ upstream: 'bkn', inUse: { volumeThreshold: 4 }, ignored: { volumeThreshold: 99 } });
  });

  it('forgets failures older than the window, and starts a fresh window when it closes (flapping)', async () => {
    const breaker = breakers.for('bkn', settings);
    for (let i = 0; i < 3; i++) await breaker.run(unavailable).catch(() => undefined);
    vi.advanceTimersByTime(10_000);
    await breaker.run(unavailable).catch(() => undefined);
    expect(breaker.state).toBe('closed'); // the first three rolled out of the 10 s window
    for (let i = 0; i < 3; i++) await breaker.run(unavailable).catch(() => undefined);
    expect(breaker.state).toBe('open');

    vi.advanceTimersByTime(5_000);
    await breaker.run(ok);
    expect(breakers.snapshot()[0]!.window).toEqual({ calls: 0, successes: 0, failures: 0, refused: 0 });
    // Failing again right after recovery opens it again after volumeThreshold calls, not later.
    for (let i = 0; i < 4; i++) await breaker.run(unavailable).catch(() => undefined);
    expect(breaker.state).toBe('open');
  });

  it('refuses calls after close() without making them', async () => {
    const breaker = breakers.for('bkn', settings);
    breakers.close();
    const call = vi.fn(ok);
    expect((await rejection(breaker.run(call))).code).toBe('SERVICE_DRAINING');
    expect(call).not.toHaveBeenCalled();
  });
});

describe('circuit breaker on the real clock', () => {
  it('opens, probes after the reset timeout and closes, with opossum\'s own timers', async () => {
    vi.useRealTimers();
    const breaker = breakers.for('real', { volumeThreshold: 2, resetTimeoutMs: 100 });
    for (let i = 0; i < 2; i++) await breaker.run(unavailable).catch(() => undefined);
    expect(breaker.state).toBe('open');
    await vi.waitFor(() => expect(breaker.state).toBe('half-open'), { timeout: 5_000, interval: 20 });
    await expect(breaker.run(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });
});

describe('open-circuit problem', () => {
  it('answers 503 UPSTREAM_CIRCUIT_OPEN with a Retry-After of at least a second', () => {
    const problem = circuitOpenProblem('bkn', 0.2);
    expect(problem.headers['retry-after']).toBe('1');
    expect({ code: problem.code, status: problem.status }).toEqual({ code: circuitOpenCode, status: 503 });
    expect(isCircuitOpen(problem)).toBe(true);
    expect(isCircuitOpen(new Problem('UPSTREAM_UNAVAILABLE', 'connection refused'))).toBe(false);
  });
});
