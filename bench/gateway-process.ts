// The gateway in a process of its own, so its CPU time and memory can be read from /proc/<pid>.
// The demo profile (gateway/demo/profile.ts) put together with the upstreams elsewhere: the SSO is
// the bench's (`--issuer`, a real OIDC provider in the bench process, as production's SSO is
// another server), the bundled contracts, the embedded store in `--data-dir`, the demo's PD
// application as consumer, and the upstreams given by `--upstreams` (simulators in processes of
// their own). The access log goes, through pino's asynchronous destination as in production, to
// `--log-file` (stdout if absent).
//
// `node bench/gateway-process.ts --issuer URL --upstreams '{"sandbox":{"url":...}}' --data-dir DIR
//   [--log-level info] [--log-file F] [--store-url postgres://...]` (PostgreSQL instead of the embedded store)
//   [--contracts DIR,DIR]` (contract directories instead of the bundled ones)
// Prints {"pid", "url", "admin", "store"} as one JSON line once ready. Over IPC,
// {"type": "reset"} starts a measurement window and {"type": "stats"} answers with the traffic
// log's counters, its longest queue, the event-loop delay seen since the reset, the gateway's own
// time per exchange in the window (from the traffic log: total less upstream) and the memory;
// {"type": "gc"} runs a full garbage collection first when node runs with --expose-gc.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../gateway/config/load.ts';
import type { GatewayConfig } from '../gateway/config/schema.ts';
import { demoAudience } from '../gateway/demo/profile.ts';
import { upsertConsumers } from '../gateway/registry/repository.ts';
import { startGateway } from '../gateway/server.ts';
import { benchClient, exitWith, hello, helperOptions } from './helper.ts';

const options = helperOptions(['issuer', 'upstreams', 'data-dir', 'log-level', 'log-file', 'store-url', 'contracts']);
if (!options.issuer || !options.upstreams || !options['data-dir']) throw new Error('--issuer, --upstreams and --data-dir are required');
const bundledContracts = fileURLToPath(new URL('../contracts/', import.meta.url));

const config = loadConfig({
  env: {},
  overrides: {
    dataDir: options['data-dir'],
    internal: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    sso: { issuer: options.issuer, audience: demoAudience },
    contracts: { directories: options.contracts ? options.contracts.split(',') : [bundledContracts], bootstrap: true },
    upstreams: JSON.parse(options.upstreams) as GatewayConfig['upstreams'],
    shutdown: { drainSeconds: 1 },
    // The limit stage runs (its cost is measured) but never refuses: the load is the point here.
    limits: { defaultRate: { rps: 1_000_000, burst: 1_000_000 } },
    ...(options['store-url'] ? { store: { url: options['store-url'] } } : {}),
    log: { level: (options['log-level'] ?? 'info') as GatewayConfig['log']['level'] },
  },
});
const logStream = pino.destination({ dest: options['log-file'] ?? 1, sync: false, minLength: 4096, mkdir: true });
const gateway = await startGateway(config, { logStream });
await upsertConsumers(gateway.store, [{ clientId: benchClient.clientId, name: benchClient.name, department: benchClient.department, clearance: benchClient.clearance }]);
await gateway.registry.refresh();

// Event-loop delay: how long exchanges wait behind synchronous work. The histogram holds the time
// between two ticks of a 10 ms timer, so the delay is that less the 10 ms.
const resolutionMs = 10;
const loop = monitorEventLoopDelay({ resolution: resolutionMs });
loop.enable();
let windowStart = new Date();
let writtenAtReset = 0;
let spooledAtReset = 0;
// The traffic-log queue between two batches, at its longest: bounded, and emptied at peak load?
let longestQueue = 0;
const queueWatch = setInterval(() => (longestQueue = Math.max(longestQueue, gateway.traffic.stats.queued)), 5);
queueWatch.unref();
const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4) / 100 - resolutionMs);

/**
 * The time each exchange of the window spent in the gateway once node handed it the request
 * (the traffic log's total_ms less upstream_ms): its own work and waits, without the time the
 * request waited in the kernel or behind other work before it was read.
 */
async function ownTime(): Promise<{ ownP50Ms: number; ownP99Ms: number; upstreamP99Ms: number }> {
  await gateway.traffic.flush();
  // Both stores: SQLite has no percentile_cont, so the window's rows are read and ranked here.
  const rows = await gateway.store.db.selectFrom('traffic_log').select(['total_ms', 'upstream_ms']).where('at', '>=', windowStart.toISOString()).execute();
  const own = rows.map((row) => row.total_ms - (row.upstream_ms ?? 0));
  const upstream = rows.flatMap((row) => (row.upstream_ms === null ? [] : [row.upstream_ms]));
  return { ownP50Ms: percentile(own, 0.5), ownP99Ms: percentile(own, 0.99), upstreamP99Ms: percentile(upstream, 0.99) };
}

/** PostgreSQL's `percentile_cont(fraction)`: interpolated between the two nearest values; NaN without values. */
function percentile(values: number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = fraction * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (sorted[above]! - sorted[below]!) * (rank - below);
}

const answer = async (message: { type?: string }) => {
  if (message?.type === 'reset') {
    windowStart = new Date();
    loop.reset();
    writtenAtReset = gateway.traffic.stats.written;
    spooledAtReset = gateway.traffic.stats.spooled;
    longestQueue = gateway.traffic.stats.queued;
    process.send?.({ ok: true });
  } else if (message?.type === 'gc') {
    // Only with --expose-gc: a full collection first, so the heap figures that follow are what lives.
    (globalThis as { gc?: () => void }).gc?.();
    process.send?.({ ok: typeof (globalThis as { gc?: () => void }).gc === 'function' });
  } else if (message?.type === 'stats') {
    // Read before ownTime() flushes the traffic log's queue.
    const window = { trafficRowsWritten: gateway.traffic.stats.written - writtenAtReset, trafficRowsSpooled: gateway.traffic.stats.spooled - spooledAtReset, longestQueue, queueLimit: config.trafficLog.maxQueue, loopDelayP50Ms: ms(loop.percentile(50)), loopDelayP99Ms: ms(loop.percentile(99)), loopDelayMaxMs: ms(loop.max) };
    const own = await ownTime();
    process.send?.({
      traffic: { ...gateway.traffic.stats },
      window: { ...window, ...own },
      memory: Object.fromEntries(Object.entries(process.memoryUsage()).map(([name, bytes]) => [name, Math.round(bytes / 2 ** 20)])),
      // Where the main isolate's heap is (MiB committed / used per space): new space is sized for speed, old space for what lives.
      heapSpaces: Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, `${Math.round(space.physical_space_size / 2 ** 20)}/${Math.round(space.space_used_size / 2 ** 20)}`])),
    });
  }
};
process.on('message', (message: { type?: string }) => void answer(message));
exitWith(async () => {
  await gateway.close();
  logStream.flushSync();
});
hello({ url: gateway.internal.url, admin: gateway.admin.url, logLevel: config.log.level, store: gateway.store.kind });
