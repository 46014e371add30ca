// The gateway in a process of its own, so its CPU time can be read from /proc/<pid>/stat.
// The demo profile (gateway/demo/profile.ts) put together with the sandbox upstream elsewhere:
// the same real OIDC provider (in this process, idle once the token is issued and the key set
// fetched), the bundled contracts, the embedded store in `--data-dir`, the demo's consumers, and
// the upstream given by `--upstream` (a separate process). The access log goes, through pino's
// asynchronous destination as in production, to `--log-file` (stdout if absent).
//
// `node bench/gateway-process.ts --upstream URL --data-dir DIR [--log-level info] [--log-file F]
//   [--store-url postgres://...]` (PostgreSQL instead of the embedded store)
// Prints {"pid", "url", "admin", "issuer", "token"} as one JSON line once ready. Over IPC,
// {"type": "reset"} starts a measurement window and {"type": "stats"} answers with the traffic
// log's counters and the event-loop delay seen since the reset.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../gateway/config/load.ts';
import type { GatewayConfig } from '../gateway/config/schema.ts';
import { demoAudience } from '../gateway/demo/profile.ts';
import { startSsoProvider } from '../gateway/demo/sso-provider.ts';
import { upsertConsumers } from '../gateway/registry/repository.ts';
import { startGateway } from '../gateway/server.ts';
import { exitWith, hello, helperOptions } from './helper.ts';

const options = helperOptions(['upstream', 'data-dir', 'log-level', 'log-file', 'store-url']);
if (!options.upstream || !options['data-dir']) throw new Error('--upstream and --data-dir are required');
const bundledContracts = fileURLToPath(new URL('../contracts/', import.meta.url));

/** The demo's PD application with read and write scopes (gateway/demo/profile.ts). */
const client = { clientId: 'bkpsdm-simpeg', secret: 'bench-only-secret', scopes: ['sandbox.read', 'sandbox.write'] };

const sso = await startSsoProvider({ audience: demoAudience, clients: [client] });
const config = loadConfig({
  env: {},
  overrides: {
    dataDir: options['data-dir'],
    internal: { host: '127.0.0.1', port: 0 },
    admin: { host: '127.0.0.1', port: 0 },
    sso: { issuer: sso.issuer, audience: demoAudience },
    contracts: { directories: [bundledContracts] },
    upstreams: { sandbox: { url: options.upstream } },
    shutdown: { drainSeconds: 1 },
    // The limit stage runs (its cost is measured) but never refuses: the load is the point here.
    limits: { defaultRate: { rps: 1_000_000, burst: 1_000_000 } },
    ...(options['store-url'] ? { store: { url: options['store-url'] } } : {}),
    log: { level: (options['log-level'] ?? 'info') as GatewayConfig['log']['level'] },
  },
});
const logStream = pino.destination({ dest: options['log-file'] ?? 1, sync: false, minLength: 4096, mkdir: true });
const gateway = await startGateway(config, { logStream });
await upsertConsumers(gateway.store, [{ clientId: client.clientId, name: 'SIMPEG BKPSDM', department: 'BKPSDM', clearance: 'terbatas' }]);
await gateway.registry.refresh();
const token = await sso.token(client.clientId);

// Event-loop delay: how long exchanges wait behind synchronous work. The histogram holds the time
// between two ticks of a 10 ms timer, so the delay is that less the 10 ms.
const resolutionMs = 10;
const loop = monitorEventLoopDelay({ resolution: resolutionMs });
loop.enable();
let writtenAtReset = 0;
const ms = (ns: number) => Math.max(0, Math.round(ns / 1e4) / 100 - resolutionMs);
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'reset') {
    loop.reset();
    writtenAtReset = gateway.traffic.stats.written;
    process.send?.({ ok: true });
  } else if (message?.type === 'stats') {
    process.send?.({
      traffic: { ...gateway.traffic.stats },
      window: { trafficRowsWritten: gateway.traffic.stats.written - writtenAtReset, loopDelayP50Ms: ms(loop.percentile(50)), loopDelayP99Ms: ms(loop.percentile(99)), loopDelayMaxMs: ms(loop.max) },
    });
  }
});
exitWith(async () => {
  await gateway.close();
  await sso.close();
  logStream.flushSync();
});
hello({ url: gateway.internal.url, admin: gateway.admin.url, issuer: sso.issuer, token, logLevel: config.log.level, store: gateway.store.kind });
