// `npm run bench`: the gateway against nginx, a bare Node proxy (node:http + undici), a bare express +
// http-proxy-middleware proxy and the upstream itself, side by side on loopback, in one run. Writes
// bench/RESULTS.md.
//
//   node bench/run.ts [--duration 10] [--warmup 2] [--connections 32] [--pipelining 1]
//                     [--rounds 1] [--log-level info] [--scenarios direct,nginx,node,express,passthrough,pipeline,adapter]
//                     [--no-half-load]   (skip the runs at half of peak that give the latency the gateway adds)
//                     [--nginx /usr/sbin/nginx] [--out bench/RESULTS.md] [--no-write]
//                     [--store-url postgres://...]   (the gateway on PostgreSQL instead of the embedded SQLite store)
//                     [--quiet-wait 30]   (seconds to wait, before each scenario, for other work to stop)
//                     [--no-deployed-env]   (start the gateway without the Environment= lines and node flags of deploy/penghubung.service)
//                     [--split-cores]   (the proxy under test on half of the CPUs, the load generator and upstreams on the other half)
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { demoAudience } from '../gateway/demo/profile.ts';
import { startSsoProvider, type SsoProvider } from '../gateway/demo/sso-provider.ts';
import { ask, deployedRuntime, forkHelper, freePort, killAllNow, stopAll } from './children.ts';
import { benchClient } from './helper.ts';
import { measure, medianRound, type LoadSettings, type Measurement, type Scenario } from './measure.ts';
import { defaultNginx, startNginx } from './nginx.ts';
import { describeMachine, machineBusyMicros, pinToCpus, rssParts, splitCpus } from './proc.ts';
import { aimsTable, halfLoadTable, markdown, medianHalfLoad, observedTable, ratios, referenceTable, table, type Before, type HalfLoad, type HalfLoadRound, type Report } from './report.ts';

/** Cores of other work during a run past which its figures are flagged as noisy. */
const busyMachine = 0.3;
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const allScenarios = ['direct', 'nginx', 'node', 'express', 'passthrough', 'pipeline', 'adapter'] as const;
/** The baseline proxies, run at the gateway passthrough's half-load pace as well. */
const baselineKeys: readonly string[] = ['nginx', 'node', 'express'];
type ScenarioKey = (typeof allScenarios)[number];

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    pipelining: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '1' },
    'log-level': { type: 'string', default: 'info' },
    scenarios: { type: 'string', default: allScenarios.join(',') },
    nginx: { type: 'string', default: defaultNginx },
    out: { type: 'string', default: here('./RESULTS.md') },
    'no-write': { type: 'boolean', default: false },
    'store-url': { type: 'string' },
    'quiet-wait': { type: 'string', default: '30' },
    'no-half-load': { type: 'boolean', default: false },
    'no-deployed-env': { type: 'boolean', default: false },
    'split-cores': { type: 'boolean', default: false },
  },
  strict: true,
});

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} must be a non-negative number, got ${value}`);
  return n;
}

const settings: LoadSettings = {
  durationSeconds: positive('duration', args.duration),
  warmupSeconds: positive('warmup', args.warmup),
  connections: Math.max(1, Math.round(positive('connections', args.connections))),
  pipelining: Math.max(1, Math.round(positive('pipelining', args.pipelining))),
  rounds: Math.max(1, Math.round(positive('rounds', args.rounds))),
};
const wanted = new Set(args.scenarios.split(',').map((s) => s.trim()).filter(Boolean));
for (const key of wanted) if (!allScenarios.includes(key as ScenarioKey)) throw new Error(`unknown scenario ${key}; known: ${allScenarios.join(', ')}`);

// Taken before the bench binds itself, so every child it starts inherits the load half.
const cores = args['split-cores'] ? splitCpus() : undefined;
/** With --split-cores, moves a proxy under test (every thread) to its own half of the CPUs. */
const ownCores = (pid: number) => cores && pinToCpus(pid, cores.proxy);
const gatewayRuntime = args['no-deployed-env'] ? { env: {}, nodeFlags: [] } : deployedRuntime(here('../deploy/penghubung.service'));
const work = mkdtempSync(join(tmpdir(), 'penghubung-bench-'));
let stopping = false;
// Bounded run time: every scenario's warm-up and run, plus start-up and shutdown.
const quietWait = positive('quiet-wait', args['quiet-wait']);
const halfLoadRuns = args['no-half-load'] ? 0 : 2 * ['passthrough', 'pipeline', 'adapter'].filter((key) => wanted.has(key)).length
  + (wanted.has('passthrough') ? baselineKeys.filter((key) => wanted.has(key)).length : 0);
const deadlineMs = (settings.rounds * (wanted.size + halfLoadRuns) * (settings.warmupSeconds + settings.durationSeconds + quietWait) + 180) * 1000;
const deadline = setTimeout(() => {
  console.error(`bench: still running after ${deadlineMs / 1000} s; giving up`);
  void shutdown(2);
}, deadlineMs);

let sso: SsoProvider | undefined;

async function shutdown(code: number): Promise<never> {
  stopping = true;
  clearTimeout(deadline);
  await stopAll().catch(() => undefined);
  await sso?.close().catch(() => undefined);
  rmSync(work, { recursive: true, force: true });
  process.exit(code);
}
process.once('exit', () => {
  killAllNow();
  rmSync(work, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`bench: ${signal}, stopping`);
    void shutdown(130);
  });
}

const letter = JSON.stringify({
  nomor: '800/123/BKPSDM/2026',
  tanggal: '2026-11-20',
  pengirim: { nama: 'BKPSDM', email: 'bkpsdm@example.go.id' },
  perihal: 'Undangan rapat koordinasi',
  sifat: 'biasa',
  lampiran: 1,
});

/** The BKN adapter's first read: a civil servant's main record (WSO2 and SSO tokens, NIP check, mapping). */
const adapterPath = '/bkn/v1/pegawai/198503152010011003';

interface UpstreamHello { url: string; pid: number; upstream: string; credentials: Record<string, string> }

async function main(): Promise<void> {
  const machine = describeMachine(args.nginx);
  const report: Report = { date: new Date().toISOString(), machine, settings, notes: [], measurements: [], halfLoad: [], skipped: [] };
  // The embedded store's runs show the previous embedded store's figures beside their own.
  if (!args['store-url']) report.before = JSON.parse(readFileSync(here('before-sqlite.json'), 'utf8')) as Before;
  console.log(`bench: ${machine.cpus} CPUs (${machine.model}), Node ${machine.node}, ${machine.nginx}; work dir ${work}`);
  if (cores) {
    report.splitCores = true;
    pinToCpus(process.pid, cores.load);
    report.notes.push(`cores split (\`--split-cores\`): the proxy under test (nginx, the bare Node proxy, express+hpm, the gateway with every thread of it) bound to CPU ${cores.proxy.join(',')}; the load generator, the SSO and the upstreams to CPU ${cores.load.join(',')} (\`taskset\`), as if the callers and the national systems were on another machine; the "direct" row is the upstream on the load half`);
    console.log(`bench: proxies on CPU ${cores.proxy.join(',')}, load generator and upstreams on CPU ${cores.load.join(',')}`);
  }

  const startUpstream = (integration: string) =>
    forkHelper<UpstreamHello>(integration, here('./upstream-process.ts'), ['--integration', integration, '--secrets-dir', join(work, 'secrets')]);
  const upstream = await startUpstream('sandbox');
  const bkn = wanted.has('adapter') ? await startUpstream('bkn') : undefined;
  const upstreamUrl = new URL(upstream.hello.url);
  const targets: Partial<Record<ScenarioKey, { url: string; pid: number }>> = { direct: { url: upstream.hello.url, pid: upstream.child.pid } };

  if (wanted.has('nginx')) {
    try {
      const nginx = await startNginx(args.nginx, join(work, 'nginx'), await freePort(), upstreamUrl);
      ownCores(nginx.child.pid);
      targets.nginx = { url: nginx.url, pid: nginx.child.pid };
    } catch (error) {
      console.error(`bench: nginx skipped: ${(error as Error).message}`);
      report.skipped.push({ label: 'nginx', reason: (error as Error).message.split('\n')[0]! });
    }
  }
  if (wanted.has('node')) {
    const node = await forkHelper<{ url: string }>('bare Node proxy', here('./baseline-node-undici.ts'), ['--upstream', upstream.hello.url]);
    ownCores(node.child.pid);
    targets.node = { url: node.hello.url, pid: node.child.pid };
  }
  if (wanted.has('express')) {
    const express = await forkHelper<{ url: string }>('express+hpm', here('./baseline-express-hpm.ts'), ['--upstream', upstream.hello.url]);
    ownCores(express.child.pid);
    targets.express = { url: express.hello.url, pid: express.child.pid };
  }
  let gateway: Awaited<ReturnType<typeof startGatewayProcess>> | undefined;
  let token = 'bench';
  if (wanted.has('passthrough') || wanted.has('pipeline') || wanted.has('adapter')) {
    sso = await startSsoProvider({ audience: demoAudience, clients: [benchClient] });
    const upstreams = Object.fromEntries([upstream, ...(bkn ? [bkn] : [])].map(({ hello }) => [hello.upstream, { url: hello.url, credentials: hello.credentials }]));
    gateway = await startGatewayProcess(sso.issuer, upstreams);
    ownCores(gateway.child.pid);
    token = await sso.token(benchClient.clientId);
  }

  const get = { authorization: `Bearer ${token}` };
  const post = { ...get, 'content-type': 'application/json' };
  const scenarios: Scenario[] = [];
  const add = (key: ScenarioKey, label: string, target: { url: string; pid: number } | undefined, path: string, method: 'GET' | 'POST', observer?: Scenario['observer'], upstreamPid = upstream.child.pid) => {
    if (!wanted.has(key) || !target) return;
    scenarios.push({
      key, label, url: target.url + path, method, headers: method === 'GET' ? get : post, ...(method === 'POST' ? { body: letter } : {}),
      proxyPid: target.pid, upstreamPid, ...(observer ? { observer } : {}),
    });
  };
  add('direct', 'direct (upstream)', targets.direct, '/perangkat-daerah/2.16', 'GET');
  add('nginx', 'nginx', targets.nginx, '/perangkat-daerah/2.16', 'GET');
  add('node', 'bare Node proxy', targets.node, '/perangkat-daerah/2.16', 'GET');
  add('express', 'express+hpm', targets.express, '/perangkat-daerah/2.16', 'GET');
  const gatewayTarget = gateway && { url: gateway.hello.url, pid: gateway.child.pid };
  const observer = gateway && {
    reset: async () => void (await ask(gateway.child, { type: 'reset' })),
    read: async () => (await ask<{ window: Record<string, number> }>(gateway.child, { type: 'stats' })).window,
  };
  add('passthrough', 'gateway passthrough', gatewayTarget, '/sandbox/v1/perangkat-daerah/2.16', 'GET', observer);
  add('pipeline', 'gateway full pipeline', gatewayTarget, '/sandbox/v1/surat', 'POST', observer);
  add('adapter', 'gateway adapter (BKN)', gatewayTarget, adapterPath, 'GET', observer, bkn?.child.pid);

  const rounds: Measurement[][] = scenarios.map(() => []);
  for (let round = 1; round <= settings.rounds; round++) {
    for (const [i, scenario] of scenarios.entries()) rounds[i]!.push(await run(scenario, settings.rounds > 1 ? `round ${round}/${settings.rounds}, ` : ''));
  }
  report.measurements = rounds.map(medianRound);
  if (!args['no-half-load']) report.halfLoad = await halfLoad(report.measurements, upstream.hello.url);

  report.notes.push(...describeSetup(gateway?.hello, targets));
  const everyRun = [...rounds.flat(), ...report.halfLoad.flatMap((h) => h.rounds.flatMap((r) => [r.gateway, ...(r.direct ? [r.direct] : []), ...(r.references ?? [])]))];
  const noisy = [...new Set(everyRun.filter((m) => m.otherCores > busyMachine).map((m) => m.scenario.label))];
  if (noisy.length > 0) report.notes.push(`**noisy**: something else kept more than ${busyMachine} cores busy during ${noisy.join(', ')} (column "rest of machine"); rerun on a quiet machine`);
  if (gateway) report.notes.push(await gatewayAfterRun(gateway));

  console.log(`\n${[table(report.measurements), ratios(report.measurements), observedTable(report.measurements), halfLoadTable(report.halfLoad), referenceTable(report.halfLoad), aimsTable(report)].filter(Boolean).join('\n\n')}\n`);
  const bad = everyRun.filter((m) => m.non2xx > 0 || m.errors + m.timeouts > 0);
  for (const m of bad) console.error(`bench: ${m.scenario.label} had ${m.non2xx} non-2xx answers and ${m.errors + m.timeouts} errors: ${JSON.stringify(m.statusCodes)}`);
  if (!args['no-write']) {
    writeFileSync(args.out, markdown(report));
    console.log(`bench: wrote ${args.out}`);
  }
  if (bad.length > 0) process.exitCode = 1;
}

/** One measured scenario, once the machine is quiet. */
async function run(scenario: Scenario, of = ''): Promise<Measurement> {
  const other = await waitForQuiet(quietWait);
  if (other > busyMachine) console.warn(`bench: the machine is still busy (${other.toFixed(2)} cores of other work); measuring anyway`);
  const pace = scenario.rate === undefined ? '' : ` at ${scenario.rate} req/s`;
  console.log(`bench: ${scenario.label}: ${scenario.method} ${scenario.url}${pace} (${of}${settings.warmupSeconds} s warm-up + ${settings.durationSeconds} s)`);
  const m = await measure(scenario, settings, () => stopping);
  console.log(`bench:   ${m.rps.toFixed(0)} req/s, p50 ${m.p50.toFixed(2)} ms, p99 ${m.p99.toFixed(2)} ms, non-2xx ${m.non2xx}, errors ${m.errors + m.timeouts}, proxy ${m.proxyCpuUs.toFixed(1)} µs CPU/req (${m.proxyCores.toFixed(2)} cores), RSS ${m.proxyRssMiB.toFixed(0)} MiB`);
  if (m.otherCores > busyMachine) console.warn(`bench:   warning: ${m.otherCores.toFixed(2)} cores were busy with something else during this run; its figures are noisy`);
  return m;
}

/**
 * The latency the gateway adds, at half of its own peak: each gateway scenario paced at half the
 * req/s it reached, and the same upstream request sent straight to the upstream at that pace. The
 * difference of the p99s is what a caller waits for the gateway when it is not saturated. With
 * `--rounds`, the set is run that many times in turn, so that a stall of the machine lands in one
 * round rather than deciding the figure.
 */
async function halfLoad(measured: Measurement[], upstreamUrl: string): Promise<HalfLoad[]> {
  const results: HalfLoad[] = [];
  for (const peak of measured.filter((m) => ['passthrough', 'pipeline', 'adapter'].includes(m.scenario.key))) {
    const rate = Math.max(1, Math.round(peak.rps / 2));
    const paced = (scenario: Scenario, label: string): Scenario => ({ ...scenario, key: `${scenario.key}-half`, label, rate });
    // The BKN simulator wants its own tokens: its latency is part of the adapter row, not subtracted.
    const path = new URL(peak.scenario.url).pathname.replace(/^\/sandbox\/v1/, '');
    const direct = peak.scenario.key === 'adapter'
      ? undefined
      : paced({ ...peak.scenario, url: upstreamUrl + path, proxyPid: peak.scenario.upstreamPid, observer: undefined }, `direct ${peak.scenario.method} ${path}, same pace`);
    // The baselines proxy the same GET: at the passthrough's pace they show what any proxy adds here.
    const baselines = peak.scenario.key === 'passthrough' ? measured.filter((m) => baselineKeys.includes(m.scenario.key)) : [];
    const rounds: HalfLoadRound[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      const of = settings.rounds > 1 ? `round ${round}/${settings.rounds}, ` : '';
      const gateway = await run(paced(peak.scenario, `${peak.scenario.label}, half load`), of);
      const upstreamAlone = direct && (await run(direct, of));
      const references: Measurement[] = [];
      for (const baseline of baselines) references.push(await run(paced(baseline.scenario, `${baseline.scenario.label}, the passthrough's half-load pace`), of));
      rounds.push({ gateway, ...(upstreamAlone ? { direct: upstreamAlone } : {}), ...(references.length > 0 ? { references } : {}) });
    }
    results.push(medianHalfLoad(peak, rounds));
  }
  return results;
}

/**
 * Waits up to `seconds` until, over one second, the machine is busy with less than `busyMachine`
 * cores besides the bench (whose children idle between scenarios). Returns the last reading.
 */
async function waitForQuiet(seconds: number): Promise<number> {
  const until = Date.now() + seconds * 1000;
  let other: number;
  do {
    const machine = machineBusyMicros();
    const own = process.cpuUsage();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const mine = process.cpuUsage(own);
    other = (machineBusyMicros() - machine - mine.user - mine.system) / 1e6;
    if (other < busyMachine / 2) return other;
  } while (Date.now() < until && !stopping);
  return other;
}

interface GatewayHello { url: string; admin: string; pid: number; logLevel: string; store: string }

async function startGatewayProcess(issuer: string, upstreams: Record<string, { url: string; credentials: Record<string, string> }>) {
  const logFile = join(work, 'gateway.log');
  const started = await forkHelper<GatewayHello>('gateway', here('./gateway-process.ts'), [
    '--issuer', issuer, '--upstreams', JSON.stringify(upstreams), '--data-dir', join(work, 'gateway-data'), '--log-level', args['log-level'], '--log-file', logFile,
    ...(args['store-url'] ? ['--store-url', args['store-url']] : []),
  ], 120_000, gatewayRuntime);
  return { ...started, logFile };
}

function describeSetup(gateway: GatewayHello | undefined, targets: Partial<Record<ScenarioKey, { url: string }>>): string[] {
  const notes = [
    'requests: GET `/perangkat-daerah/2.16` (a 120-byte JSON answer) with the same `Authorization: Bearer <token>` header for every GET row; the full pipeline row is `POST /sandbox/v1/surat` with a 180-byte JSON letter (`application/json`), answered 201 with a receipt',
    'processes: the sandbox upstream (adapters/sandbox/simulator.ts), the BKN SIASN simulator (adapters/bkn/simulator.ts) for the adapter row, nginx, the bare Node proxy, the express + hpm baseline and the gateway each in a process of their own; the load generator and the SSO (a real OIDC provider, idle once the token is issued and the key set fetched) in the bench process',
  ];
  if (targets.nginx) notes.push('nginx: `master_process off`, one process, `access_log off`, `upstream { keepalive 64; }`, `proxy_http_version 1.1`, `proxy_set_header Connection ""`, `keepalive_requests 1000000` both sides');
  if (targets.node) notes.push('bare Node proxy: bench/baseline-node-undici.ts, a `node:http` server and an undici `Pool` of 256 keep-alive connections (as the gateway\'s forwarder), `pool.stream`: method, path and the headers less the hop-by-hop ones forwarded, the body streamed both ways, nothing else (no routing, token check, validation, logging or traffic log)');
  if (targets.express) notes.push('express+hpm: bench/baseline-express-hpm.ts, express 5 + http-proxy-middleware 4 with the proxy options the gateway used before its undici forwarder (changeOrigin, xfwd, keep-alive agent of 256 sockets), nothing else');
  if (gateway) {
    notes.push(`gateway: bench/gateway-process.ts, the demo profile's pieces with the upstreams and the SSO in other processes: the bundled contracts, ${gateway.store === 'embedded' ? 'the embedded store (SQLite through node:sqlite, on the gateway process\'s own thread, so in its CPU and memory) in a temp data dir' : 'PostgreSQL (`--store-url`, its CPU and memory not counted)'}, configuration defaults otherwise (token cache 10000, traffic log batches of 500 every 200 ms, registry revision polled every 2 s; the rate limit raised so that it counts every request but refuses none)`);
    const deployed = [...Object.entries(gatewayRuntime.env).map(([name, value]) => `\`${name}=${value}\``), ...gatewayRuntime.nodeFlags.map((flag) => `\`node ${flag}\``)].join(', ');
    notes.push(`gateway environment: ${deployed ? `${deployed}, as deploy/penghubung.service sets it` : 'none of deploy/penghubung.service (`--no-deployed-env`)'}`);
    notes.push(`gateway log level: \`${gateway.logLevel}\` (${gateway.logLevel === 'info' ? 'as in production; with `log.exchanges: errors`, the default, a line for each refusal or failure, none for these 2xx exchanges' : 'not the production level'}), through pino's asynchronous destination to a file in the temp dir`);
    notes.push('passthrough row: `GET /sandbox/v1/perangkat-daerah/2.16`: token check (cached after the first call), routing, rate limit, path parameter validation, circuit breaker, forward, traffic-log row (keyed by time-ordered UUIDs, written in batches: a prepared insert per row in one SQLite transaction, or one `unnest` insert on PostgreSQL); full pipeline row adds reading the body and JSON-schema validation (ajv) of the letter; adapter row: `GET ' + adapterPath + '`, the BKN adapter (NIP check, two upstream tokens from its cache, undici pool, breaker, mapping of the SIASN answer to the canonical JSON)');
  }
  return notes;
}

async function gatewayAfterRun(gateway: Awaited<ReturnType<typeof startGatewayProcess>>): Promise<string> {
  const stats = await ask<{ traffic: Record<string, number>; memory: Record<string, number>; heapSpaces: Record<string, string> }>(gateway.child, { type: 'stats' }).catch(() => undefined);
  let logBytes = 0;
  try {
    logBytes = statSync(gateway.logFile).size;
  } catch {
    // no log written
  }
  const rss = rssParts(gateway.child.pid);
  const heap = stats ? `; main V8 heap ${stats.memory.heapTotal} MiB committed, ${stats.memory.heapUsed} MiB used (new space ${stats.heapSpaces.new_space}, old space ${stats.heapSpaces.old_space} MiB committed/used)` : '';
  return `gateway after the runs: traffic log ${stats ? JSON.stringify(stats.traffic) : '(no answer)'}, access log ${(logBytes / 2 ** 20).toFixed(1)} MiB, RSS ${rss ? `${rss.VmRSS.toFixed(0)} MiB (${rss.RssAnon.toFixed(0)} anonymous, ${rss.RssFile.toFixed(0)} mapped files: the node binary's code, shared with other node processes)` : '?'}${heap}`;
}

try {
  await main();
  await shutdown(process.exitCode === undefined ? 0 : Number(process.exitCode));
} catch (error) {
  console.error(`bench: ${(error as Error).stack ?? String(error)}`);
  await shutdown(1);
}
