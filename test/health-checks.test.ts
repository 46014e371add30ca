import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Problem } from '../gateway/errors/problem.ts';
import type { Route } from '../gateway/registry/routing-table.ts';
import { Breakers, type BreakerSettings } from '../gateway/resilience/breakers.ts';
import { circuitOpenCode } from '../gateway/resilience/circuit-open.ts';
import { HealthChecks, probeUrl, type HealthCheckTarget, type ProbeRequest } from '../gateway/upstream/health-checks.ts';
import { healthCheckTargets, type HealthCheckedRoute } from '../gateway/upstream/health-targets.ts';
import { freePort } from './support/ports.ts';
import { rejection } from './support/problems.ts';

const settings: Partial<BreakerSettings> = { errorThresholdPercentage: 50, volumeThreshold: 4, resetTimeoutMs: 5_000, rollingCountMs: 10_000 };
const base = new URL('https://siasn.example/api/1.0');

let lines: Array<Record<string, unknown>>;
let breakers: Breakers;
let checks: HealthChecks | undefined;

function logger(): pino.Logger {
  lines = [];
  return pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
}

function target(overrides: Partial<HealthCheckTarget> = {}): HealthCheckTarget {
  return { upstream: 'bkn', url: base, path: '/health', intervalMs: 1_000, timeoutMs: 300, breaker: settings, ...overrides };
}

/** Circuit state changes as logged: [upstream, state, by]. */
function stateLines(): unknown[][] {
  return lines.filter((line) => typeof line.state === 'string').map((line) => [line.upstream, line.state, line.by]);
}

const ok = (): Promise<string> => Promise.resolve('ok');
const unavailable = (): Promise<never> => Promise.reject(new Problem('UPSTREAM_UNAVAILABLE', 'connection refused'));

afterEach(async () => {
  await checks?.stop();
  checks = undefined;
  breakers.close();
  vi.useRealTimers();
});

describe('health checks on a scripted health endpoint (fake clock)', () => {
  /** The health endpoint: `answer` is what the next probes get; 'hang' never answers (but honours the abort). */
  let endpoint: { answer: number | 'hang' | Error; urls: string[] };
  const request: ProbeRequest = ({ url, signal }) => {
    endpoint.urls.push(url.href);
    const { answer } = endpoint;
    if (answer === 'hang') return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error)));
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
  };

  beforeEach(() => {
    vi.useFakeTimers();
    breakers = new Breakers(logger());
    endpoint = { answer: 200, urls: [] };
    checks = new HealthChecks(breakers, pino({ level: 'silent' }), { request });
  });

  it('opens the circuit after unhealthyThreshold failed probes with no live traffic; calls are then refused without being made', async () => {
    endpoint.answer = 503;
    checks!.configure([target({ unhealthyThreshold: 3 })]);
    const breaker = breakers.for('bkn', settings);
    await vi.advanceTimersByTimeAsync(0); // the first probe goes at once
    expect(breaker.probe).toMatchObject({ path: '/health', healthy: false, consecutiveFailures: 1, status: 503, error: 'HTTP 503' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(breaker.state).toBe('closed'); // 2 of 3
    await vi.advanceTimersByTimeAsync(1_000);
    expect(breaker.state).toBe('open');
    expect(endpoint.urls).toEqual(Array(3).fill('https://siasn.example/api/1.0/health'));

    const call = vi.fn(ok);
    const refused = await rejection(breaker.run(call));
    expect(refused.code).toBe(circuitOpenCode);
    expect(call).not.toHaveBeenCalled();
    expect(stateLines()).toEqual([['bkn', 'open', 'health probe']]);
    expect(lines.filter((line) => line.health === 'down').map((line) => line.msg)).toEqual(['health probes failing: the upstream is taken as down']);
    expect(breakers.snapshot()[0]!.probe).toMatchObject({ healthy: false, consecutiveFailures: 3, unhealthyThreshold: 3 });
  });

  it('half-opens when a probe passes again: the next real call is the trial (others refused), and its success closes the circuit', async () => {
    endpoint.answer = new Error('refused'); // not a status: any rejection of the request fails the probe
    checks!.configure([target()]);
    const breaker = breakers.for('bkn', settings);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(breaker.state).toBe('open'); // the default threshold: 2

    endpoint.answer = 200;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(breaker.state).toBe('half-open'); // at once, not after resetTimeoutMs (5 s)

    const trial = Promise.withResolvers<string>();
    const trying = breaker.run(() => trial.promise);
    const concurrent = vi.fn(ok);
    const refused = await rejection(breaker.run(concurrent));
    expect([refused.code, refused.headers['retry-after']]).toEqual([circuitOpenCode, '1']);
    expect(concurrent).not.toHaveBeenCalled();
    trial.resolve('answered');
    await expect(trying).resolves.toBe('answered');
    expect(breaker.state).toBe('closed');
    await expect(breaker.run(concurrent)).resolves.toBe('ok');
    expect(stateLines()).toEqual([['bkn', 'open', 'health probe'], ['bkn', 'half-open', 'health probe'], ['bkn', 'closed', undefined]]);
    expect(breakers.snapshot()[0]!.window.refused).toBe(1);
  });

  it('opens again when the trial call fails, and then leaves the circuit to its reset timeout while the probes keep passing', async () => {
    endpoint.answer = 500;
    checks!.configure([target()]);
    const breaker = breakers.for('bkn', settings);
    await vi.advanceTimersByTimeAsync(1_000);
    endpoint.answer = 200;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(breaker.state).toBe('half-open');

    await expect(breaker.run(unavailable)).rejects.toThrow('connection refused');
    expect(breaker.state).toBe('open');
    await vi.advanceTimersByTimeAsync(4_000); // four more passing probes: the real path failed, they say nothing about it
    expect(breaker.state).toBe('open');
    await vi.advanceTimersByTimeAsync(1_000); // resetTimeoutMs after the trial failed
    expect(breaker.state).toBe('half-open');
    expect(stateLines().map(([, state, by]) => [state, by])).toEqual([['open', 'health probe'], ['half-open', 'health probe'], ['open', 'trial call'], ['half-open', undefined]]);
  });

  it('does not fight live traffic: a circuit opened by failing calls stays open while the probes keep passing', async () => {
    checks!.configure([target()]);
    const breaker = breakers.for('bkn', settings);
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 4; i++) await breaker.run(unavailable).catch(() => undefined);
    expect(breaker.state).toBe('open');
    await vi.advanceTimersByTimeAsync(4_000);
    expect(endpoint.urls.length).toBe(5);
    expect(breaker.state).toBe('open');
    expect(breaker.probe).toMatchObject({ healthy: true, consecutiveFailures: 0 });
  });

  it('keeps a down upstream cut off: the half-open after resetTimeoutMs is opened again by the next failed probe', async () => {
    endpoint.answer = 503;
    checks!.configure([target({ intervalMs: 1_500 })]); // probes at 0, 1.5 s (opens), 3, 4.5, 6, 7.5 s
    const breaker = breakers.for('bkn', settings);
    await vi.advanceTimersByTimeAsync(1_500);
    expect(breaker.state).toBe('open');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(breaker.state).toBe('half-open'); // 6.5 s: opossum's own reset timeout
    await vi.advanceTimersByTimeAsync(1_000);
    expect(breaker.state).toBe('open');
    expect(stateLines()).toEqual([['bkn', 'open', 'health probe'], ['bkn', 'half-open', undefined], ['bkn', 'open', 'health probe']]);
  });

  it('never overlaps probes, times a probe out after timeoutMs, and waits intervalMs from the end of the last probe', async () => {
    endpoint.answer = 'hang';
    checks!.configure([target({ timeoutMs: 3_000, intervalMs: 1_000 })]);
    const breaker = breakers.for('bkn', settings);
    await vi.advanceTimersByTimeAsync(2_999);
    expect(endpoint.urls.length).toBe(1); // three intervals have passed, but the first probe still runs
    expect(breaker.probe).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(breaker.probe).toMatchObject({ healthy: false, error: 'timeout after 3000 ms', status: null });
    await vi.advanceTimersByTimeAsync(999);
    expect(endpoint.urls.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(endpoint.urls.length).toBe(2);
  });

  it('configure replaces the set: unchanged checks keep running with their state, changed ones start over, removed ones stop; stop() leaves no timer', async () => {
    breakers.for('bkn', settings);
    const lapor = breakers.for('lapor', settings);
    const timers = vi.getTimerCount(); // the breakers' own
    endpoint.answer = 503;
    checks!.configure([target(), target({ upstream: 'lapor', url: new URL('http://lapor.example/'), path: 'ping' })]);
    expect(vi.getTimerCount()).toBe(timers + 2);
    await vi.advanceTimersByTimeAsync(0);
    expect(endpoint.urls).toEqual(['https://siasn.example/api/1.0/health', 'http://lapor.example/ping']);

    checks!.configure([target(), target({ upstream: 'lapor', url: new URL('http://lapor.example/'), path: '/status' })]);
    expect(checks!.snapshot().map((check) => [check.upstream, check.path, check.consecutiveFailures, check.healthy])).toEqual([
      ['bkn', '/health', 1, false],
      ['lapor', '/status', 0, null],
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(endpoint.urls.slice(2)).toEqual(['http://lapor.example/status']); // only the changed check probed at once

    checks!.configure([target()]);
    expect(lapor.probe).toBeNull();
    expect(vi.getTimerCount()).toBe(timers + 1);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(endpoint.urls.filter((url) => url.includes('lapor'))).toHaveLength(2);
    expect(breakers.snapshot().find((status) => status.upstream === 'bkn')!.probe).toMatchObject({ consecutiveFailures: 4 });

    await checks!.stop();
    expect(vi.getTimerCount()).toBe(timers + 1); // + bkn's reset timer: its circuit opened
    breakers.close();
    expect(vi.getTimerCount()).toBe(0);
  });

  it('reports every check in snapshot() and as /readyz detail, which never makes the gateway unready', async () => {
    const lastProbe = new Date(Date.now() + 2_000).toISOString();
    checks!.configure([
      target({ upstream: 'bkn', path: '/health?key=not-for-logs' }),
      target({ upstream: 'dukcapil', url: new URL('http://dukcapil.example'), path: '/health', intervalMs: 2_000 }),
    ]);
    await vi.advanceTimersByTimeAsync(0);
    endpoint.answer = 502;
    await vi.advanceTimersByTimeAsync(2_000);
    expect(checks!.snapshot()).toEqual([
      { upstream: 'bkn', path: '/health', intervalMs: 1_000, healthy: false, lastCheckedAt: lastProbe, lastStatus: 502, lastError: 'HTTP 502', consecutiveFailures: 2, unhealthyThreshold: 2, circuit: 'open' },
      { upstream: 'dukcapil', path: '/health', intervalMs: 2_000, healthy: false, lastCheckedAt: lastProbe, lastStatus: 502, lastError: 'HTTP 502', consecutiveFailures: 1, unhealthyThreshold: 2, circuit: 'closed' },
    ]);
    expect(checks!.readiness()).toEqual({ ok: true, detail: 'bkn down (2 failed probes: HTTP 502, circuit open); dukcapil failing (1 failed probe: HTTP 502, circuit closed)' });
    expect(endpoint.urls[0]).toBe('https://siasn.example/api/1.0/health?key=not-for-logs');
    expect(JSON.stringify(lines)).not.toContain('not-for-logs');
    expect(JSON.stringify(breakers.snapshot())).not.toContain('not-for-logs');

    endpoint.answer = 'hang';
    checks!.configure([target({ upstream: 'lapor' })]);
    expect(checks!.readiness()).toEqual({ ok: true, detail: 'lapor not probed yet' });
    checks!.configure([]);
    expect(checks!.readiness()).toEqual({ ok: true, detail: 'no upstream health checks' });
  });
});

describe('health checks over HTTP (loopback servers)', () => {
  let servers: Server[] = [];

  beforeEach(() => {
    breakers = new Breakers(logger());
    checks = new HealthChecks(breakers, pino({ level: 'silent' }));
  });

  afterEach(async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    servers = [];
  });

  /** A health endpoint whose status can change; counts requests and open connections. */
  async function upstream(handler: (req: IncomingMessage) => number | 'hang'): Promise<{ url: URL; hits: IncomingMessage[]; sockets: Set<Socket> }> {
    const hits: IncomingMessage[] = [];
    const sockets = new Set<Socket>();
    const server = createServer((req, res) => {
      hits.push(req);
      const status = handler(req);
      if (status !== 'hang') res.writeHead(status, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    });
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.keepAliveTimeout = 60_000; // idle connections stay open unless the client closes them
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    return { url: new URL(`http://127.0.0.1:${address.port}/api/`), hits, sockets };
  }

  const quick = { timeout: 5_000, interval: 10 };

  it('GETs the configured path every intervalMs, and stop() ends the probes and closes their connection', async () => {
    const server = await upstream(() => 200);
    checks!.configure([target({ url: server.url, path: '/health', intervalMs: 50, timeoutMs: 1_000 })]);
    await vi.waitFor(() => expect(server.hits.length).toBeGreaterThanOrEqual(3), quick);
    expect(server.hits.map((req) => `${req.method} ${req.url} ${req.headers['user-agent']}`)).toEqual(Array(server.hits.length).fill('GET /api/health penghubung-health-check'));
    expect(breakers.for('bkn', settings).probe).toMatchObject({ healthy: true, status: 200 });

    await checks!.stop();
    const probed = server.hits.length;
    await vi.waitFor(() => expect(server.sockets.size).toBe(0), quick);
    await new Promise((resolve) => setTimeout(resolve, 200)); // four intervals
    expect(server.hits.length).toBe(probed);
  });

  it('opens the breaker on a 500 health endpoint without live traffic, and lets traffic back after it recovers', async () => {
    let status = 500;
    const breaker = breakers.for('bkn', settings);
    const circuitAtHit: string[] = [];
    const server = await upstream(() => {
      circuitAtHit.push(breaker.state);
      return status;
    });
    checks!.configure([target({ url: server.url, intervalMs: 50, timeoutMs: 1_000 })]);
    await vi.waitFor(() => expect(breaker.state).toBe('open'), quick);
    expect(circuitAtHit.slice(0, 2)).toEqual(['closed', 'closed']); // opened by the second failed probe
    expect(breaker.probe).toMatchObject({ healthy: false, status: 500, error: 'HTTP 500' });
    expect(stateLines()).toEqual([['bkn', 'open', 'health probe']]);

    status = 200;
    await vi.waitFor(() => expect(breaker.state).toBe('half-open'), quick); // long before resetTimeoutMs (5 s)
    await expect(breaker.run(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
  });

  it('counts a refused connection as a failed probe', async () => {
    const port = await freePort();
    checks!.configure([target({ url: new URL(`http://127.0.0.1:${port}`), intervalMs: 50, timeoutMs: 1_000 })]);
    const breaker = breakers.for('bkn', settings);
    await vi.waitFor(() => expect(breaker.state).toBe('open'), quick);
    expect(breaker.probe).toMatchObject({ healthy: false, error: 'ECONNREFUSED', status: null });
  });

  it('gives up on a probe after timeoutMs and drops its request', async () => {
    const dropped = Promise.withResolvers<void>();
    const server = await upstream((req) => {
      req.socket.once('close', () => dropped.resolve());
      return 'hang';
    });
    checks!.configure([target({ url: server.url, intervalMs: 5_000, timeoutMs: 100 })]);
    const breaker = breakers.for('bkn', settings);
    await vi.waitFor(() => expect(breaker.probe).toMatchObject({ healthy: false, error: 'timeout after 100 ms', consecutiveFailures: 1 }), quick);
    await dropped.promise; // the gateway closed the connection: nothing is left waiting on the upstream
    expect(server.hits.length).toBe(1);
  });
});

describe('health check targets from the routing table', () => {
  beforeEach(() => {
    breakers = new Breakers(pino({ level: 'silent' }));
  });

  const route = (name: string, healthCheck?: { path: string; intervalSeconds?: number; timeoutMs?: number; unhealthyThreshold?: number }, url: URL | null = base): HealthCheckedRoute => ({
    contract: { upstream: { name, ...(healthCheck ? { healthCheck } : {}) }, resilience: { breaker: settings } },
    upstream: url,
  });

  it('makes one target per upstream with a check, applying defaults and the config override', () => {
    // The routing table's routes fit as they are.
    void (healthCheckTargets satisfies (routes: readonly Route[]) => HealthCheckTarget[]);
    const routes = [
      route('bkn', { path: '/health' }),
      route('bkn', { path: '/health' }), // a second operation of the same contract
      route('dukcapil', { path: '/ping', intervalSeconds: 1, unhealthyThreshold: 3 }),
      route('lapor', { path: '/health' }),
      route('jdihn'), // no check in the contract, one in the config
      route('esign'), // no check at all
      route('sipd', { path: '/health' }, null), // no upstream URL
    ];
    const overrides: Record<string, { path?: string; intervalSeconds?: number } | false> = { lapor: false, jdihn: { path: '/status', intervalSeconds: 30 }, bkn: { intervalSeconds: 5 } };
    const targets = healthCheckTargets(routes, { override: (name) => overrides[name] });
    expect(targets.map(({ upstream, url, path, intervalMs, timeoutMs, unhealthyThreshold, breaker }) => ({ upstream, url: url.href, path, intervalMs, timeoutMs, unhealthyThreshold, breaker }))).toEqual([
      { upstream: 'bkn', url: base.href, path: '/health', intervalMs: 5_000, timeoutMs: 2_000, unhealthyThreshold: undefined, breaker: settings },
      { upstream: 'dukcapil', url: base.href, path: '/ping', intervalMs: 1_000, timeoutMs: 1_000, unhealthyThreshold: 3, breaker: settings },
      { upstream: 'jdihn', url: base.href, path: '/status', intervalMs: 30_000, timeoutMs: 2_000, unhealthyThreshold: undefined, breaker: settings },
    ]);
  });

  it('joins the path below the base URL path and keeps its query', () => {
    expect(probeUrl(new URL('https://h.example/api/1.0'), '/health?deep=1').href).toBe('https://h.example/api/1.0/health?deep=1');
    expect(probeUrl(new URL('http://h.example/?x=1'), 'healthz').href).toBe('http://h.example/healthz');
  });

  it('keeps the first check when contracts disagree on an upstream, with one warning', () => {
    const log = logger();
    const request = vi.fn<ProbeRequest>(() => Promise.resolve(200));
    checks = new HealthChecks(breakers, log, { request });
    checks.configure([target(), target({ path: '/other' })]);
    checks.configure([target(), target({ path: '/other' })]);
    expect(checks.snapshot().map((check) => check.path)).toEqual(['/health']);
    expect(lines.filter((line) => line.level === 40).map((line) => line.msg)).toEqual(['contracts disagree on the health check of this upstream: the first one is used']);
  });
});
