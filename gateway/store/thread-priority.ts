/**
 * The embedded store's thread yields the CPU while nobody waits on it. Measured on the 2-core bench
 * machine (docs/architecture.md): a thread at nice 10 still keeps a waking exchange off its core
 * for the rest of its time slice (Linux EEVDF protects a running slice), so every hop of an
 * exchange (client to gateway, gateway to upstream and back) waited up to 3-5 ms behind a
 * traffic-log batch; as SCHED_IDLE it is preempted at once. But SCHED_IDLE gets next to no CPU on
 * a busy machine, so when calls wait on the thread it is given its nice-level share back, until
 * its calls are answered promptly again.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

export type ThreadMode = 'idle' | 'nice';

export interface PriorityThresholds {
  /** A call that has waited this long takes the thread out of SCHED_IDLE. */
  raiseAfterMs: number;
  /** Back to SCHED_IDLE once no call has waited longer than `calmMs` for `calmForMs`. */
  calmMs: number;
  calmForMs: number;
}

/**
 * Above one traffic-log batch (500 rows by `COPY`: 20-40 ms on a slow host), so a batch alone
 * rarely raises it, and low enough that an exchange waiting on the store (an idempotency claim or
 * heartbeat, an async acceptance) is held at most about 150 ms by a starved thread (looked at
 * every 50 ms).
 */
export const defaultThresholds: PriorityThresholds = { raiseAfterMs: 100, calmMs: 50, calmForMs: 5000 };

/** Decides, from how long the store's calls wait, which mode its thread should be in. */
export class PriorityGovernor {
  mode: ThreadMode = 'idle';
  private lastSlowAt = Number.NEGATIVE_INFINITY;
  private readonly thresholds: PriorityThresholds;

  constructor(thresholds: PriorityThresholds = defaultThresholds) {
    this.thresholds = thresholds;
  }

  /** The longest wait seen since the last look; returns the mode to switch to, if it changes. */
  observe(waitedMs: number, now: number): ThreadMode | undefined {
    if (waitedMs > this.thresholds.calmMs) this.lastSlowAt = now;
    if (this.mode === 'idle' && waitedMs >= this.thresholds.raiseAfterMs) return (this.mode = 'nice');
    if (this.mode === 'nice' && now - this.lastSlowAt >= this.thresholds.calmForMs) return (this.mode = 'idle');
    return undefined;
  }
}

const capSysNice = 23n;

/**
 * Whether this process may take a thread out of SCHED_IDLE again to nice `nice`: Linux allows it
 * with CAP_SYS_NICE or an RLIMIT_NICE of at least 20 - nice (systemd `LimitNICE=+10` for nice 10).
 * Without it a thread once idle would stay starved, so the store does not yield at all.
 */
export function mayLeaveIdle(nice: number, procStatus: string, procLimits: string): boolean {
  const caps = /^CapEff:\s*([0-9a-f]+)$/m.exec(procStatus)?.[1];
  if (caps && (BigInt(`0x${caps}`) >> capSysNice) & 1n) return true;
  const limit = /^Max nice priority\s+(\d+)/m.exec(procLimits)?.[1];
  return limit !== undefined && Number(limit) >= 20 - nice;
}

/** This process's own answer to `mayLeaveIdle`; false off Linux. */
export function processMayLeaveIdle(nice: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    return mayLeaveIdle(nice, readFileSync('/proc/self/status', 'utf8'), readFileSync('/proc/self/limits', 'utf8'));
  } catch {
    return false;
  }
}

/** The Linux id of the calling thread (what `chrt -p` and `setpriority` take). */
export function currentThreadId(): number | undefined {
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').at(-1));
  } catch {
    return undefined;
  }
}

/**
 * Puts thread `tid` in `mode`. Node has no call for a scheduling policy; util-linux's `chrt` (in
 * every Debian and RHEL base system) makes the one system call. Spawned from the main thread, so
 * that it does not itself start at the idle priority it may be undoing.
 */
export async function setThreadMode(tid: number, mode: ThreadMode, nice: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    execFile('chrt', [mode === 'idle' ? '--idle' : '--other', '--pid', '0', String(tid)], { timeout: 5000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`chrt: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
  if (mode === 'nice') setPriority(tid, nice);
}
