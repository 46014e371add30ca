import { readdirSync, readFileSync } from 'node:fs';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { openEmbeddedStore, type EmbeddedStore } from '../gateway/store/embedded.ts';
import { mayLeaveIdle, PriorityGovernor, processMayLeaveIdle } from '../gateway/store/thread-priority.ts';
import { StoreUnavailable } from '../gateway/store/unavailable.ts';
import { LogCapture } from './support/harness.ts';
import { storePerTest } from './support/store-per-test.ts';
import { until } from './support/until.ts';

/**
 * The embedded store's thread runs as SCHED_IDLE while nobody waits on it (a waking exchange then
 * takes its core at once), and gets its nice level back while calls wait on it (SCHED_IDLE alone
 * would starve it on a busy machine).
 */

const SCHED_OTHER = 0;
const SCHED_IDLE = 5;

/** Scheduling policy and nice of one thread of this process, as the kernel has them (proc(5) stat fields 41 and 19). */
function scheduling(tid: number): { policy: number; nice: number } {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { policy: Number(fields[41 - 3]), nice: Number(fields[19 - 3]) };
}

describe('store thread priority: when to yield', () => {
  it('leaves SCHED_IDLE when a call waits past the threshold, and goes back only after a calm spell', () => {
    const governor = new PriorityGovernor({ raiseAfterMs: 250, calmMs: 50, calmForMs: 5000 });
    expect(governor.observe(40, 0)).toBeUndefined(); // a traffic-log batch's wait
    expect(governor.observe(249, 100)).toBeUndefined();
    expect(governor.observe(250, 200)).toBe('nice');
    expect(governor.observe(0, 5100)).toBeUndefined(); // 4.9 s calm
    expect(governor.observe(60, 5150)).toBeUndefined(); // a slow-ish call starts the calm spell again
    expect(governor.observe(0, 10_149)).toBeUndefined();
    expect(governor.observe(10, 10_150)).toBe('idle');
    expect(governor.mode).toBe('idle');
    expect(governor.observe(0, 20_000)).toBeUndefined();
  });

  it('yields only where the process may take a thread out of SCHED_IDLE again', () => {
    const limits = (nice: number) => `Limit                     Soft Limit           Hard Limit           Units\nMax nice priority         ${nice}                    ${nice}\n`;
    const withCaps = (hex: string) => `Name:\tnode\nCapEff:\t${hex}\n`;
    expect(mayLeaveIdle(10, withCaps('000001fffeffffff'), limits(0))).toBe(true); // CAP_SYS_NICE (bit 23)
    expect(mayLeaveIdle(10, withCaps('0000000000000000'), limits(0))).toBe(false);
    expect(mayLeaveIdle(10, withCaps('00000000007fffff'), limits(0))).toBe(false); // bits 0-22 only
    expect(mayLeaveIdle(10, withCaps('0000000000800000'), limits(0))).toBe(true);
    expect(mayLeaveIdle(10, withCaps('0000000000000000'), limits(10))).toBe(true); // LimitNICE=+10
    expect(mayLeaveIdle(5, withCaps('0000000000000000'), limits(10))).toBe(false); // nice 5 needs 15
    expect(mayLeaveIdle(10, 'Name:\tnode\n', '')).toBe(false);
  });
});

describe.runIf(process.platform === 'linux' && processMayLeaveIdle(10))('store thread priority: a real PGlite thread', () => {
  const each = storePerTest<EmbeddedStore>();

  it('idles, takes nice 10 while a call waits on it, idles again once calm, and a restarted thread idles too', async () => {
    const capture = new LogCapture();
    const open = each.keep(await openEmbeddedStore(each.dataDir('store-priority-'), { workerNice: 10, yieldThresholds: { raiseAfterMs: 100, calmMs: 30, calmForMs: 600 }, log: pino({ level: 'debug' }, capture) }));
    const { tid } = open.threadMode();
    expect(readdirSync('/proc/self/task').map(Number).filter((t) => t !== process.pid)).toContain(tid);
    expect(open.threadMode().mode).toBe('idle');
    expect(scheduling(tid!)).toEqual({ policy: SCHED_IDLE, nice: 10 });

    // A call answered after 400 ms: the thread is given its nice level back.
    await open.query('select pg_sleep(0.4)');
    await until(() => scheduling(tid!), (now) => now.policy === SCHED_OTHER, { what: 'the store thread out of SCHED_IDLE', timeoutMs: 2000 });
    expect(scheduling(tid!)).toEqual({ policy: SCHED_OTHER, nice: 10 });
    expect(open.threadMode().mode).toBe('nice');
    // Quick calls keep the calm spell going; it ends in SCHED_IDLE.
    const calmFrom = performance.now();
    await until(async () => (await open.query('select 1'), scheduling(tid!)), (now) => now.policy === SCHED_IDLE, { what: 'the store thread idle again', timeoutMs: 3000 });
    expect(performance.now() - calmFrom).toBeGreaterThanOrEqual(550);
    expect(scheduling(tid!)).toEqual({ policy: SCHED_IDLE, nice: 10 });

    // A thread ended by the time limit is replaced by one that yields as well.
    open.limitCallTime(1000);
    await expect(open.query('select pg_sleep(30)')).rejects.toBeInstanceOf(StoreUnavailable);
    const next = await until(() => open.threadMode(), (now) => now.tid !== undefined && now.tid !== tid && now.mode === 'idle', { what: 'a new thread that yields', timeoutMs: 15_000 });
    expect(scheduling(next.tid!)).toEqual({ policy: SCHED_IDLE, nice: 10 });

    const messages = capture.lines.map((line) => (JSON.parse(line) as { msg: string }).msg);
    // The 400 ms call, and the 30 s one before it was cut.
    expect(messages.filter((m) => m.startsWith('embedded store thread given its share'))).toHaveLength(2);
    expect(messages.filter((m) => m === 'embedded store thread yields its core (SCHED_IDLE)').length).toBeGreaterThanOrEqual(3); // start, calm, restart
  });

  it('with store.workerYield off, the thread stays at its nice level', async () => {
    const store = each.keep(await openEmbeddedStore(each.dataDir('store-priority-off-'), { workerNice: 10, workerYield: false }));
    await store.query('select pg_sleep(0.2)');
    expect(store.threadMode().mode).toBe('nice');
    expect(scheduling(store.threadMode().tid!)).toEqual({ policy: SCHED_OTHER, nice: 10 });
  });
});
