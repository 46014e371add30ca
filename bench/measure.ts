import autocannon from 'autocannon';
import { pacedLoad, type LoadResult } from './paced.ts';
import { cpuMicros, machineBusyMicros, rssMiB } from './proc.ts';

/** One load target: what to call, and which processes' CPU time to charge. */
export interface Scenario {
  key: string;
  label: string;
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** The process whose CPU per request is the figure of the row (the upstream itself for `direct`). */
  proxyPid: number;
  upstreamPid: number;
  /** Requests per second, sent at an even pace (open loop); absent: as fast as the target answers. */
  rate?: number;
  /** Extra figures of the proxy process over the measured run (reset before, read after). */
  observer?: { reset(): Promise<void>; read(): Promise<Record<string, number>> };
}

export interface LoadSettings {
  connections: number;
  pipelining: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Every scenario is measured this many times, in turn; the row shown is the median round. */
  rounds: number;
}

export interface Measurement {
  scenario: Scenario;
  seconds: number;
  requests: number;
  rps: number;
  /** Milliseconds, from every answer of the measured run (not autocannon's whole-ms buckets). */
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** CPU microseconds per completed request. */
  proxyCpuUs: number;
  upstreamCpuUs: number;
  loadgenCpuUs: number;
  /** CPU time / wall time: 1.0 is one core fully busy. */
  proxyCores: number;
  upstreamCores: number;
  loadgenCores: number;
  /** Busy CPU of the machine not charged to the proxy, upstream or load generator: other work, interrupts. */
  otherCores: number;
  /** Resident memory of the proxy process, highest reading over the measured run (every 200 ms). */
  proxyRssMiB: number;
  observed?: Record<string, number>;
  /** Paced runs: how late the generator sent its requests, p99 (LoadResult.sendLateP99Ms). */
  sendLateP99Ms?: number;
  /** With several rounds: lowest and highest proxy CPU µs/req of the rounds. */
  cpuRange?: [number, number];
  /** With several rounds: every round, in the order run (for ratios taken round by round). */
  all?: Measurement[];
}

/**
 * The round with the median proxy CPU per request stands for the scenario (the lower middle one
 * for an even count); non-2xx answers and errors are summed over every round, so none is hidden.
 */
export function medianRound(rounds: Measurement[]): Measurement {
  const sorted = byFigure(rounds, (m) => m.proxyCpuUs);
  const median = middle(sorted);
  if (rounds.length === 1) return median;
  const sum = (pick: (m: Measurement) => number) => rounds.reduce((n, m) => n + pick(m), 0);
  return {
    ...median,
    non2xx: sum((m) => m.non2xx),
    errors: sum((m) => m.errors),
    timeouts: sum((m) => m.timeouts),
    cpuRange: [sorted[0]!.proxyCpuUs, sorted.at(-1)!.proxyCpuUs],
    all: rounds,
  };
}

/** A copy of `items` in ascending order of `figure`. */
export function byFigure<T>(items: readonly T[], figure: (item: T) => number): T[] {
  return [...items].sort((a, b) => figure(a) - figure(b));
}

/** The median of sorted items (the lower middle one of an even count: a real round, not an average). */
export function middle<T>(sorted: readonly T[]): T {
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Latencies as they arrive, in a growable float array (no per-answer allocation). */
class Latencies {
  private values = new Float64Array(1 << 16);
  count = 0;

  add(ms: number): void {
    if (this.count === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.count++] = ms;
  }

  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    const sorted = this.values.subarray(0, this.count).sort();
    return sorted[Math.min(this.count - 1, Math.ceil((p / 100) * this.count) - 1)]!;
  }
}

/**
 * Closed loop (autocannon, as fast as the target answers) for the peak; open loop at an even pace
 * (bench/paced.ts) when the scenario has a rate.
 */
async function load(scenario: Scenario, settings: LoadSettings, seconds: number, onLatency?: (ms: number) => void): Promise<LoadResult> {
  if (scenario.rate !== undefined) return pacedLoad(scenario, scenario.rate, seconds, settings.connections, onLatency ?? (() => {}));
  const instance = autocannon({
    url: scenario.url,
    method: scenario.method,
    headers: scenario.headers,
    ...(scenario.body === undefined ? {} : { body: scenario.body }),
    connections: settings.connections,
    pipelining: settings.pipelining,
    duration: seconds,
    timeout: 10,
  });
  if (onLatency) instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => onLatency(ms));
  const result = await instance;
  return {
    duration: result.duration,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
  };
}

/** One request first, so a wrong token or URL fails with its answer instead of 0 req/s. */
export async function probe(scenario: Scenario): Promise<void> {
  const response = await fetch(scenario.url, { method: scenario.method, headers: scenario.headers, ...(scenario.body === undefined ? {} : { body: scenario.body }) });
  const text = await response.text();
  if (response.status < 200 || response.status > 299) throw new Error(`${scenario.label}: ${scenario.method} ${scenario.url} answered ${response.status}: ${text.slice(0, 300)}`);
}

/** Warm-up, then the measured run with the CPU time of the processes read before and after. */
export async function measure(scenario: Scenario, settings: LoadSettings, stopping: () => boolean): Promise<Measurement> {
  await probe(scenario);
  if (settings.warmupSeconds > 0) await load(scenario, settings, settings.warmupSeconds);
  if (stopping()) throw new Error('interrupted');

  await scenario.observer?.reset();
  const latencies = new Latencies();
  const running = load(scenario, settings, settings.durationSeconds, (ms) => latencies.add(ms));
  let proxyRss = rssMiB(scenario.proxyPid) ?? Number.NaN;
  const rssWatch = setInterval(() => (proxyRss = Math.max(proxyRss, rssMiB(scenario.proxyPid) ?? Number.NaN)), 200);
  const before = { proxy: cpuMicros(scenario.proxyPid), upstream: cpuMicros(scenario.upstreamPid), machine: machineBusyMicros(), loadgen: process.cpuUsage(), at: performance.now() };
  let result: LoadResult;
  try {
    result = await running;
  } finally {
    clearInterval(rssWatch);
  }
  const loadgen = process.cpuUsage(before.loadgen);
  const wall = (performance.now() - before.at) / 1000;
  const proxy = cpuMicros(scenario.proxyPid) - before.proxy;
  const upstream = cpuMicros(scenario.upstreamPid) - before.upstream;
  const machine = machineBusyMicros() - before.machine;
  const observed = await scenario.observer?.read();

  const requests = result.requests;
  const perRequest = (micros: number) => (requests > 0 ? micros / requests : Number.NaN);
  return {
    scenario,
    seconds: result.duration,
    requests,
    rps: requests / result.duration,
    p50: latencies.percentile(50),
    p99: latencies.percentile(99),
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes: result.statusCodes,
    proxyCpuUs: perRequest(proxy),
    upstreamCpuUs: perRequest(upstream),
    loadgenCpuUs: perRequest(loadgen.user + loadgen.system),
    proxyCores: proxy / 1e6 / wall,
    upstreamCores: upstream / 1e6 / wall,
    loadgenCores: (loadgen.user + loadgen.system) / 1e6 / wall,
    otherCores: Math.max(0, machine - proxy - (scenario.proxyPid === scenario.upstreamPid ? 0 : upstream) - loadgen.user - loadgen.system) / 1e6 / wall,
    proxyRssMiB: proxyRss,
    ...(observed ? { observed } : {}),
    ...(result.sendLateP99Ms === undefined ? {} : { sendLateP99Ms: result.sendLateP99Ms }),
  };
}
