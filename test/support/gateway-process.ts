// A gateway in a process of its own, so a test can SIGKILL it and start another on the same data
// dir. Started by test/support/gateway-child.ts with `process.execPath`
// (as `npm start` does); the SSO and upstreams stay in the test process and survive the kill.
//
// `node test/support/gateway-process.ts --config '<JSON config overrides>' [--consumers '<JSON ConsumerInput[]>']`
// Prints {"pid", "url", "admin", "readyMs"} as one JSON line on stdout once ready (readyMs: from
// the process's start). Pino lines go to stderr, written synchronously so the lines before a
// SIGKILL are not lost with it. SIGTERM (or the parent going away) stops the gateway gracefully:
// drain, worker stopped, traffic log flushed, store closed; exit 0.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../../gateway/config/load.ts';
import { upsertConsumers, type ConsumerInput } from '../../gateway/registry/repository.ts';
import { startGateway } from '../../gateway/server.ts';

const { values } = parseArgs({ options: { config: { type: 'string' }, consumers: { type: 'string' } }, strict: true });
if (!values.config) throw new Error('--config is required');
const overrides = JSON.parse(values.config) as Record<string, unknown>;
const consumers = JSON.parse(values.consumers ?? '[]') as ConsumerInput[];

// Without this, the event loop could run empty while something starting is awaited (a store
// waiting out another process's lock on a timer) and node would exit (13, unsettled top-level
// await). The listeners hold it after.
const starting = setInterval(() => undefined, 60_000);
const config = loadConfig({ env: {}, overrides });
const gateway = await startGateway(config, { logStream: pino.destination({ dest: 2, sync: true }) });
await upsertConsumers(gateway.store, consumers);
await gateway.registry.refresh();

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  gateway.close().then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// Spawned with an IPC channel: the test has gone when it closes, and no gateway is left behind.
if (process.send) process.once('disconnect', stop);

clearInterval(starting);
process.stdout.write(`${JSON.stringify({ pid: process.pid, url: gateway.internal.url, admin: gateway.admin.url, readyMs: Math.round(performance.now()) })}\n`);
