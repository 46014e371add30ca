import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';

/** Clock ticks per second of /proc times (`getconf CLK_TCK`, 100 on every common Linux). */
export const clockTicks: number = (() => {
  try {
    const value = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system, all threads) a process has used so far, in microseconds, from
 * /proc/<pid>/stat fields 14 (utime) and 15 (stime). The command name (field 2) may hold spaces
 * and parentheses, so the fields are counted from the last ')'.
 */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / clockTicks) * 1e6;
}

/**
 * CPU time the whole machine spent busy so far (every CPU, all but idle and iowait), in
 * microseconds, from the first line of /proc/stat. Less the bench's own processes, it tells how
 * much else ran during a measurement.
 */
export function machineBusyMicros(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) / clockTicks) * 1e6;
}

/** Resident set size of a process in MiB, from /proc/<pid>/status. */
export function rssMiB(pid: number): number | undefined {
  return rssParts(pid)?.VmRSS;
}

/**
 * Resident memory in MiB and its parts: `RssAnon` (heaps, WebAssembly memory, malloc) and
 * `RssFile` (mapped files, mostly the node binary's code, which other node processes share).
 */
export function rssParts(pid: number): Record<'VmRSS' | 'RssAnon' | 'RssFile', number> | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN) / 1024;
    return { VmRSS: field('VmRSS'), RssAnon: field('RssAnon'), RssFile: field('RssFile') };
  } catch {
    return undefined;
  }
}

function cpuModel(): string {
  try {
    return /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `nginx version: nginx/1.22.1` -> `nginx/1.22.1`; `undefined` when the binary is missing. */
export function nginxVersion(binary: string): string | undefined {
  // `nginx -v` writes to stderr.
  const result = spawnSync(binary, ['-v'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return result.stderr.trim().replace(/^nginx version:\s*/, '') || undefined;
}

export interface Machine {
  cpus: number;
  model: string;
  memoryGiB: number;
  kernel: string;
  node: string;
  nginx: string;
  clockTicks: number;
}

export function describeMachine(nginxBinary: string): Machine {
  return {
    cpus: availableParallelism(),
    model: cpuModel(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    nginx: nginxVersion(nginxBinary) ?? 'nginx not installed',
    clockTicks,
  };
}

/**
 * Binds every thread of a process to the given CPUs (`taskset -a -p -c`); threads it starts later
 * inherit the binding. Used by `--split-cores` to give the proxy under test cores of its own.
 */
export function pinToCpus(pid: number, cpus: number[]): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpus.join(','), String(pid)], { stdio: 'ignore' });
}

/** CPUs a process may run on (`taskset -c -p`), e.g. [0, 1]. */
function allowedCpus(pid: number): number[] {
  const list = /:\s*([\d,-]+)\s*$/.exec(execFileSync('taskset', ['-c', '-p', String(pid)], { encoding: 'utf8' }).trim())?.[1] ?? '';
  return list.split(',').flatMap((range) => {
    const [from, to = from] = range.split('-').map(Number);
    return Array.from({ length: to! - from! + 1 }, (_, i) => from! + i);
  });
}

/**
 * The bench's CPUs cut in two: the proxy under test gets the upper half, the load generator and
 * the upstreams (everything else the bench starts) the lower; on two CPUs, one each.
 */
export function splitCpus(): { load: number[]; proxy: number[] } {
  const all = allowedCpus(process.pid);
  if (all.length < 2) throw new Error(`--split-cores needs at least 2 CPUs; this process may use ${all.length}`);
  const proxyCount = Math.floor(all.length / 2);
  return { load: all.slice(0, all.length - proxyCount), proxy: all.slice(all.length - proxyCount) };
}
