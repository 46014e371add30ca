import type { Logger } from 'pino';
import { Client } from 'undici';
import { defaultUnhealthyThreshold, type BreakerSettings, type BreakerState, type Breakers, type UpstreamBreaker } from '../resilience/breakers.ts';
import { outcomeOfStatus } from '../resilience/outcomes.ts';
import { upstreamConnector } from './connector.ts';
import type { UpstreamTls } from './model.ts';

/** One upstream's active health check. */
export interface HealthCheckTarget {
  /** The upstream name (contract `upstream.name`): its breaker gets the verdicts. */
  upstream: string;
  /** The upstream's base URL (the route's `upstream`, config over contract). */
  url: URL;
  /** Below the base URL's path, like an operation path: `/health` on `https://h/api/1.0` probes `https://h/api/1.0/health`. May carry a query. */
  path: string;
  /** Pause between the end of one probe and the start of the next. */
  intervalMs: number;
  /** A probe that has not answered (headers and body) within this fails. */
  timeoutMs: number;
  /** Failed probes in a row that open the circuit (default 2). */
  unhealthyThreshold?: number;
  /** Which answers are healthy; default: all but 5xx (501 excepted), like the breaker's `outcomeOfStatus`. */
  healthyStatuses?: (status: number) => boolean;
  /** The contract's `resilience.breaker`, used if the probe is the first to need the breaker (else the first settings would be the defaults). */
  breaker?: Partial<BreakerSettings>;
  /** Mutual TLS towards the upstream (PEM contents), as the adapters' clients use it. */
  tls?: UpstreamTls;
}

/** One health check, for `/readyz` detail and the admin API. */
export interface HealthCheckStatus {
  upstream: string;
  intervalMs: number;
  /** The target's path, without its query (which may carry a key). */
  path: string;
  /** null: not probed yet. false once the latest probe failed (the circuit opens only at the threshold). */
  healthy: boolean | null;
  /** ISO 8601; null before the first probe. */
  lastCheckedAt: string | null;
  lastStatus: number | null;
  /** The latest probe's failure (`HTTP 503`, `ECONNREFUSED`, `timeout after 2000 ms`); null when it passed. */
  lastError: string | null;
  consecutiveFailures: number;
  unhealthyThreshold: number;
  /** The upstream's circuit now. */
  circuit: BreakerState;
}

/** Sends one probe and resolves with the answer's status (the body is read and dropped), or rejects. */
export type ProbeRequest = (probe: { url: URL; timeoutMs: number; signal: AbortSignal; tls?: HealthCheckTarget['tls'] }) => Promise<number>;

export interface HealthChecksOptions {
  /** Replaces the HTTP probe (tests); the default is an undici Client per target. */
  request?: ProbeRequest;
  now?: () => number;
}

/** One target's running check. */
interface Running {
  target: HealthCheckTarget;
  breaker: UpstreamBreaker;
  /** The probe's URL (never logged: it may carry a query). */
  url: URL;
  /** The target's path without its query: what logs and snapshots show. */
  shownPath: string;
  timer: NodeJS.Timeout | undefined;
  inFlight: { abort: AbortController; done: Promise<void> } | undefined;
  client: Client | undefined;
  stopped: boolean;
}

class ProbeTimeout extends Error {
  constructor(timeoutMs: number) {
    super(`timeout after ${timeoutMs} ms`);
    this.name = 'ProbeTimeout';
  }
}

const defaultHealthy = (status: number): boolean => outcomeOfStatus(status) === 'success';

/**
 * Active health checks of the upstreams: each target is probed with a GET on its own unref'd
 * timer, never two at once, and every outcome goes to the upstream's breaker
 * (`UpstreamBreaker.reportProbe`), which opens the circuit after `unhealthyThreshold` failures in a
 * row, without any live traffic, and half-opens it when a probe passes again.
 */
export class HealthChecks {
  private readonly breakers: Breakers;
  private readonly log: Logger;
  private readonly request: ProbeRequest | undefined;
  private readonly now: () => number;
  private readonly running = new Map<string, Running>();
  /** Upstreams already warned about for two different health checks. */
  private readonly warned = new Set<string>();

  constructor(breakers: Breakers, log: Logger, options: HealthChecksOptions = {}) {
    this.breakers = breakers;
    this.log = log;
    this.request = options.request;
    this.now = options.now ?? Date.now;
  }

  /**
   * Replaces the set of checks (call it on start and whenever the routing table changes). A target
   * whose upstream, URL, path, interval, timeout, threshold, statuses and TLS are unchanged keeps
   * running with its state; a changed one starts over (first probe at once); a removed one stops and
   * its breaker forgets the probes. One check per upstream: a second target for the same upstream
   * is ignored, with a warning if it differs.
   */
  configure(targets: readonly HealthCheckTarget[]): void {
    const wanted = new Map<string, HealthCheckTarget>();
    for (const target of targets) {
      const first = wanted.get(target.upstream);
      if (!first) wanted.set(target.upstream, target);
      else if (!sameTarget(first, target) && !this.warned.has(target.upstream)) {
        this.warned.add(target.upstream);
        this.log.warn({ upstream: target.upstream, inUse: summary(first), ignored: summary(target) }, 'contracts disagree on the health check of this upstream: the first one is used');
      }
    }
    for (const [upstream, running] of this.running) {
      const target = wanted.get(upstream);
      if (target && sameTarget(running.target, target)) continue;
      void this.halt(running);
      this.running.delete(upstream);
      running.breaker.clearProbe();
    }
    for (const [upstream, target] of wanted) {
      if (this.running.has(upstream)) continue;
      const running: Running = {
        target,
        breaker: this.breakers.for(upstream, target.breaker ?? {}),
        url: probeUrl(target.url, target.path),
        shownPath: withoutQuery(target.path),
        timer: undefined,
        inFlight: undefined,
        client: undefined,
        stopped: false,
      };
      running.breaker.clearProbe();
      this.running.set(upstream, running);
      this.schedule(running, 0);
    }
  }

  /** Every check and its latest outcome, by upstream name. */
  snapshot(): HealthCheckStatus[] {
    return [...this.running.values()]
      .map(({ target, breaker, shownPath }) => {
        const probe = breaker.probe;
        return {
          upstream: target.upstream,
          path: shownPath,
          intervalMs: target.intervalMs,
          healthy: probe ? probe.healthy : null,
          lastCheckedAt: probe?.checkedAt ?? null,
          lastStatus: probe?.status ?? null,
          lastError: probe?.error ?? null,
          consecutiveFailures: probe?.consecutiveFailures ?? 0,
          unhealthyThreshold: target.unhealthyThreshold ?? defaultUnhealthyThreshold,
          circuit: breaker.state,
        };
      })
      .sort((a, b) => a.upstream.localeCompare(b.upstream));
  }

  /**
   * A `/readyz` check: always ok (an upstream down is that upstream's problem, not this instance's:
   * other routes still serve, and its callers get a prompt 503), with each upstream's verdict as
   * detail: `bkn-siasn down (2 failed probes: HTTP 503, circuit open); dukcapil up; lapor not probed yet`.
   */
  readiness(): { ok: boolean; detail: string } {
    const checks = this.snapshot();
    if (checks.length === 0) return { ok: true, detail: 'no upstream health checks' };
    return { ok: true, detail: checks.map(verdict).join('; ') };
  }

  /** Stops every check: no timer, probe or connection is left. Resolves when in-flight probes have settled. */
  async stop(): Promise<void> {
    const settling: Promise<unknown>[] = [];
    for (const running of this.running.values()) settling.push(this.halt(running));
    this.running.clear();
    await Promise.allSettled(settling);
  }

  /** Stops one check: its timer, its probe in flight, its connection. */
  private halt(running: Running): Promise<unknown> {
    running.stopped = true;
    clearTimeout(running.timer);
    running.timer = undefined;
    running.inFlight?.abort.abort();
    const done = running.inFlight?.done ?? Promise.resolve();
    const client = running.client;
    running.client = undefined;
    return Promise.allSettled([done, client?.destroy()]);
  }

  private schedule(running: Running, delayMs: number): void {
    running.timer = setTimeout(() => {
      running.timer = undefined;
      const abort = new AbortController();
      running.inFlight = { abort, done: this.probe(running, abort) };
    }, delayMs);
    running.timer.unref();
  }

  private async probe(running: Running, abort: AbortController): Promise<void> {
    const { target } = running;
    const deadline = setTimeout(() => abort.abort(new ProbeTimeout(target.timeoutMs)), target.timeoutMs);
    deadline.unref();
    let status: number | undefined;
    let error: string | undefined;
    try {
      const request: ProbeRequest = this.request ?? ((probe) => this.send(running, probe));
      status = await request({ url: running.url, timeoutMs: target.timeoutMs, signal: abort.signal, ...(target.tls ? { tls: target.tls } : {}) });
      if (!(target.healthyStatuses ?? defaultHealthy)(status)) error = `HTTP ${status}`;
    } catch (failure) {
      error = abort.signal.reason instanceof ProbeTimeout || timeoutCodes.has(codeOf(failure)) ? `timeout after ${target.timeoutMs} ms` : reasonOf(failure);
    } finally {
      clearTimeout(deadline);
      running.inFlight = undefined;
    }
    // Removed or replaced meanwhile: its verdict is about a check that no longer exists.
    if (running.stopped) return;
    running.breaker.reportProbe({
      healthy: error === undefined,
      path: running.shownPath,
      ...(status === undefined ? {} : { status }),
      ...(error === undefined ? {} : { error }),
      unhealthyThreshold: target.unhealthyThreshold ?? defaultUnhealthyThreshold,
      checkedAt: this.now(),
    });
    this.schedule(running, target.intervalMs);
  }

  /** The default probe: GET over the target's own connection, body dropped. */
  private async send(running: Running, { url, timeoutMs, signal, tls }: Parameters<ProbeRequest>[0]): Promise<number> {
    running.client ??= new Client(url.origin, {
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      // As every upstream client connects: a dropped uplink fails as a connect timeout.
      connect: upstreamConnector(timeoutMs, tls),
    });
    const { statusCode, body } = await running.client.request({
      method: 'GET',
      path: `${url.pathname}${url.search}`,
      headers: { 'user-agent': 'penghubung-health-check', accept: '*/*' },
      signal,
    });
    // Read (up to 64 KiB, then the connection is dropped) so the connection can serve the next probe.
    await body.dump({ limit: 64 * 1024, signal });
    return statusCode;
  }
}

/** The probe's URL: `path` below the base URL's path, as the adapters' clients join operation paths. */
export function probeUrl(base: URL, path: string): URL {
  const url = new URL(base.href);
  const [pathname = '', query] = path.split(/\?(.*)/s, 2);
  url.pathname = `${base.pathname.replace(/\/$/, '')}/${pathname.replace(/^\//, '')}`;
  url.search = query ? `?${query}` : '';
  url.hash = '';
  return url;
}

function withoutQuery(path: string): string {
  return path.split('?', 1)[0] ?? '';
}

/** undici's own timeouts (connect, headers, body), set to the probe's timeout like the deadline. */
const timeoutCodes = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function codeOf(failure: unknown): string {
  const code = (failure as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** A short, URL-free reason: the socket error's code (`ECONNREFUSED`), else the error's name. */
function reasonOf(failure: unknown): string {
  return codeOf(failure) || (failure instanceof Error ? failure.name : 'probe failed');
}

function sameTarget(a: HealthCheckTarget, b: HealthCheckTarget): boolean {
  return (
    a.upstream === b.upstream &&
    a.url.href === b.url.href &&
    a.path === b.path &&
    a.intervalMs === b.intervalMs &&
    a.timeoutMs === b.timeoutMs &&
    (a.unhealthyThreshold ?? defaultUnhealthyThreshold) === (b.unhealthyThreshold ?? defaultUnhealthyThreshold) &&
    a.healthyStatuses === b.healthyStatuses &&
    a.tls?.cert === b.tls?.cert &&
    a.tls?.key === b.tls?.key &&
    (a.tls?.ca ?? []).join('\n') === (b.tls?.ca ?? []).join('\n')
  );
}

/** What the warning about disagreeing checks shows: no URL (it may carry a query), no TLS material. */
function summary(target: HealthCheckTarget): Record<string, unknown> {
  return { path: withoutQuery(target.path), intervalMs: target.intervalMs, timeoutMs: target.timeoutMs, unhealthyThreshold: target.unhealthyThreshold ?? defaultUnhealthyThreshold };
}

function verdict(check: HealthCheckStatus): string {
  if (check.healthy === null) return `${check.upstream} not probed yet`;
  if (check.healthy) return `${check.upstream} up${check.circuit === 'closed' ? '' : ` (circuit ${check.circuit})`}`;
  const failures = `${check.consecutiveFailures} failed probe${check.consecutiveFailures === 1 ? '' : 's'}`;
  const state = check.consecutiveFailures >= check.unhealthyThreshold ? 'down' : 'failing';
  return `${check.upstream} ${state} (${failures}: ${check.lastError ?? 'unhealthy'}, circuit ${check.circuit})`;
}
