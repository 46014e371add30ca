import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import type { Logger } from 'pino';
import { Problem } from '../errors/problem.ts';
import { circuitOpenProblem } from './circuit-open.ts';
import { countsAsFailure, type UpstreamOutcome } from './outcomes.ts';
import { RetryBudget, type RetryBudgetOptions } from './retry.ts';

/** Contract `resilience.breaker`. */
export interface BreakerSettings {
  /** The circuit opens when more than this share of the calls in the window failed... */
  errorThresholdPercentage: number;
  /** ...and the window holds at least this many calls. */
  volumeThreshold: number;
  /** How long an open circuit refuses before letting one trial call (the probe) through. */
  resetTimeoutMs: number;
  /** The rolling window of the counts. */
  rollingCountMs: number;
}

export const defaultBreakerSettings: Readonly<BreakerSettings> = Object.freeze({
  errorThresholdPercentage: 50,
  volumeThreshold: 10,
  resetTimeoutMs: 10_000,
  rollingCountMs: 10_000,
});

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Failed health probes in a row that open the circuit, unless the probe says otherwise. */
export const defaultUnhealthyThreshold = 2;

/** One active health probe's outcome (`HealthChecks`), reported to the upstream's breaker. */
export interface ProbeResult {
  healthy: boolean;
  /** The health endpoint's path, shown in the admin snapshot. */
  path?: string;
  /** The health endpoint's status, when it answered. */
  status?: number;
  /** Why it failed: `HTTP 503`, `ECONNREFUSED`, `timeout after 2000 ms`. Never the URL. */
  error?: string;
  /** Failed probes in a row that open the circuit; `defaultUnhealthyThreshold` if left out. */
  unhealthyThreshold?: number;
  /** When the probe settled, ms since the epoch; now if left out. */
  checkedAt?: number;
}

/** The latest health probe of an upstream, for `GET /admin/v1/upstreams`. */
export interface ProbeStatus {
  path: string | null;
  healthy: boolean;
  /** Failed probes in a row, the latest included; 0 once one passes. */
  consecutiveFailures: number;
  unhealthyThreshold: number;
  /** ISO 8601. */
  checkedAt: string;
  status: number | null;
  /** The latest probe's failure; null when it passed. */
  error: string | null;
}

/** One upstream's breaker, for `GET /admin/v1/upstreams`. */
export interface UpstreamStatus {
  upstream: string;
  /** False until a call or health probe uses the upstream: no breaker yet, the row shows the one it will get. */
  inUse: boolean;
  state: BreakerState;
  /** When the state last changed (or the breaker was created; while not in use, when the gateway started), ISO 8601. */
  since: string;
  /** When an open circuit lets its next probe through, ISO 8601; null unless open. */
  nextProbeAt: string | null;
  /** Counts in the rolling window, emptied when the circuit closes. */
  window: { calls: number; successes: number; failures: number; refused: number };
  retries: { requests: number; retries: number; allowed: number };
  settings: BreakerSettings;
  /** The latest active health probe; absent when the upstream has no health check. */
  probe?: ProbeStatus;
}

export interface UpstreamBreaker {
  readonly upstream: string;
  readonly state: BreakerState;
  /** Retries to this upstream, shared by every contract that names it. */
  readonly retryBudget: RetryBudget;
  /**
   * Runs one upstream call through the breaker. `call` must settle (the forwarder and the
   * UpstreamClient enforce the contract timeout: the breaker's own is off). A resolved value
   * counts as `judge(value)` says, but is returned to the caller either way; a rejection counts as
   * `countsAsFailure` says and is passed on. Open: rejects at once with the open-circuit problem
   * (Retry-After = seconds until the probe, at least 1) without invoking `call`. Half-open: the
   * first caller is the probe, the others are refused until it settles.
   */
  run<T>(call: () => Promise<T>, judge?: (value: T) => UpstreamOutcome): Promise<T>;
  /** The latest active health probe, null when none was reported (or it was cleared). */
  readonly probe: ProbeStatus | null;
  /**
   * Takes an active health probe into account (see README, "Active health checks"):
   * - failed, and `unhealthyThreshold` or more failed in a row: opens the circuit unless it is
   *   open already (a half-open circuit, or one a trial call closed, opens again);
   * - passed after a failed one: an open circuit goes half-open at once, so the next real call
   *   decides, instead of waiting out `resetTimeoutMs`. A passing probe never closes a circuit, and
   *   does nothing to a circuit that live traffic opened while the probes kept passing.
   */
  reportProbe(result: ProbeResult): void;
  /** Forgets the probes (the health check was removed or changed): the circuit is left as it is. */
  clearProbe(): void;
}

export interface BreakersOptions {
  /** Per upstream retry budget settings (gateway-wide, not per contract). */
  retryBudget?: RetryBudgetOptions;
}

/** One call as opossum's action sees it. */
interface Invocation {
  call: () => Promise<unknown>;
  judge: ((value: unknown) => UpstreamOutcome) | undefined;
}

/** A value the judge ruled a failure: rejected towards opossum so it counts, unwrapped for the caller. */
class JudgedFailure extends Error {
  readonly value: unknown;
  constructor(value: unknown) {
    super('the upstream answered with a failure');
    this.value = value;
  }
}

async function invoke({ call, judge }: Invocation): Promise<unknown> {
  const value = await call();
  if (judge?.(value) === 'failure') throw new JudgedFailure(value);
  return value;
}

const bucketCount = 10;

/** Half-open by a passing health probe (opossum 9 has no public way to half-open a circuit). */
interface Trial {
  inFlight: boolean;
}

class OpossumBreaker implements UpstreamBreaker {
  readonly upstream: string;
  readonly settings: BreakerSettings;
  readonly retryBudget: RetryBudget;
  private readonly circuit: CircuitBreaker<[Invocation], unknown>;
  /** Drives opossum's window, so closing can empty it (opossum keeps counts across a close). */
  private readonly rotation = new EventEmitter();
  private readonly rotationTimer: NodeJS.Timeout;
  private changedAt = Date.now();
  private readonly log: Logger;
  private probeStatus: ProbeStatus | null = null;
  /**
   * Set while half-open because a health probe passed: opossum's circuit is closed, and `run` lets
   * one trial call through, refusing the others, until it settles (success: closed; failure: open).
   */
  private trial: Trial | null = null;
  /** Calls refused while a trial call ran (opossum does not see them); zeroed with the window. */
  private trialRefusals = 0;
  /** What opens the circuit next, for the log line: live calls unless a probe or trial says otherwise. */
  private openedBy: 'calls' | 'health probe' | 'trial call' = 'calls';

  constructor(upstream: string, settings: BreakerSettings, log: Logger, budget: RetryBudgetOptions) {
    this.upstream = upstream;
    this.log = log;
    this.settings = settings;
    this.retryBudget = new RetryBudget(budget);
    this.circuit = new CircuitBreaker(invoke, {
      name: upstream,
      // The forwarder and UpstreamClient time calls out with the contract's timeoutMs; their
      // UPSTREAM_TIMEOUT rejection counts as a failure here.
      timeout: false,
      errorThresholdPercentage: settings.errorThresholdPercentage,
      volumeThreshold: settings.volumeThreshold,
      resetTimeout: settings.resetTimeoutMs,
      rollingCountTimeout: settings.rollingCountMs,
      rollingCountBuckets: bucketCount,
      rollingPercentilesEnabled: false,
      enableSnapshots: false,
      rotateBucketController: this.rotation,
      // Filtered errors count as successes: the caller's own faults and proper upstream refusals.
      errorFilter: (error: unknown) => !(error instanceof JudgedFailure) && !countsAsFailure(error),
    });
    this.rotationTimer = setInterval(() => this.rotation.emit('rotate'), settings.rollingCountMs / bucketCount);
    this.rotationTimer.unref();

    this.circuit.on('open', () => {
      this.changedAt = Date.now();
      this.trial = null;
      const by = this.openedBy;
      this.openedBy = 'calls';
      const { fires, failures, rejects } = this.circuit.stats;
      log.warn({ upstream, state: 'open', by, calls: fires - rejects, failures, probeInMs: settings.resetTimeoutMs }, 'circuit opened: calls to the upstream are refused until a probe succeeds');
    });
    this.circuit.on('halfOpen', () => {
      this.changedAt = Date.now();
      log.info({ upstream, state: 'half-open' }, 'circuit half-open: letting one probe call through');
    });
    this.circuit.on('close', () => {
      this.changedAt = Date.now();
      // A fresh window: the failures that opened it, and the refusals since, are history.
      for (let i = 0; i < bucketCount; i++) this.rotation.emit('rotate');
      this.trialRefusals = 0;
      // Closing opossum's circuit is how a passing probe half-opens it (see `startTrial`).
      if (this.trial) log.info({ upstream, state: 'half-open', by: 'health probe' }, 'circuit half-open: a health probe passed, letting one call through');
      else log.info({ upstream, state: 'closed' }, 'circuit closed: the upstream answers again');
    });
  }

  get state(): BreakerState {
    if (this.circuit.opened) return 'open';
    if (this.circuit.halfOpen || this.trial) return 'half-open';
    return 'closed';
  }

  get probe(): ProbeStatus | null {
    return this.probeStatus;
  }

  run<T>(call: () => Promise<T>, judge?: (value: T) => UpstreamOutcome): Promise<T> {
    const trial = this.trial;
    if (!trial) return this.fire(call, judge);
    if (trial.inFlight) {
      this.trialRefusals += 1;
      return Promise.reject(circuitOpenProblem(this.upstream, 1));
    }
    trial.inFlight = true;
    return this.fire(call, judge, (outcome) => this.endTrial(trial, outcome)).finally(() => {
      // Refused by opossum without an outcome (shut down): the next call is the trial.
      trial.inFlight = false;
    });
  }

  /** One call through opossum; `onOutcome` hears how it counted (not called for opossum's own refusals). */
  private async fire<T>(call: () => Promise<T>, judge: ((value: T) => UpstreamOutcome) | undefined, onOutcome?: (outcome: UpstreamOutcome) => void): Promise<T> {
    try {
      const value = (await this.circuit.fire({ call, judge: judge as Invocation['judge'] })) as T;
      onOutcome?.('success');
      return value;
    } catch (error) {
      if (error instanceof JudgedFailure) {
        onOutcome?.('failure');
        return error.value as T;
      }
      if (error instanceof Error && CircuitBreaker.isOurError(error)) throw this.refusal(error);
      onOutcome?.(countsAsFailure(error) ? 'failure' : 'success');
      throw error;
    }
  }

  reportProbe(result: ProbeResult): void {
    if (this.circuit.isShutdown) return;
    const threshold = result.unhealthyThreshold ?? defaultUnhealthyThreshold;
    const previous = this.probeStatus;
    const failures = result.healthy ? 0 : (previous?.consecutiveFailures ?? 0) + 1;
    this.probeStatus = {
      path: result.path ?? null,
      healthy: result.healthy,
      consecutiveFailures: failures,
      unhealthyThreshold: threshold,
      checkedAt: new Date(result.checkedAt ?? Date.now()).toISOString(),
      status: result.status ?? null,
      error: result.healthy ? null : (result.error ?? 'unhealthy'),
    };
    const fields = { upstream: this.upstream, path: result.path, status: result.status, error: result.error };
    if (!result.healthy) {
      if (failures === threshold) this.log.warn({ ...fields, health: 'down', consecutiveFailures: failures }, 'health probes failing: the upstream is taken as down');
      else this.log.debug({ ...fields, health: failures > threshold ? 'down' : 'failing', consecutiveFailures: failures }, 'health probe failed');
      if (failures >= threshold && !this.circuit.opened) {
        this.openedBy = 'health probe';
        this.circuit.open();
      }
      return;
    }
    if (previous && !previous.healthy) {
      this.log.info({ ...fields, health: 'up' }, 'health probe passes again');
      if (this.circuit.opened) this.startTrial();
    }
  }

  clearProbe(): void {
    this.probeStatus = null;
  }

  /** Open -> half-open at once: the next real call is the trial. */
  private startTrial(): void {
    this.trial = { inFlight: false };
    this.circuit.close(); // clears opossum's reset timer; the 'close' handler logs half-open
  }

  private endTrial(trial: Trial, outcome: UpstreamOutcome): void {
    // Opened meanwhile (a failed probe, or opossum's own threshold): that decision stands.
    if (this.trial !== trial) return;
    this.trial = null;
    this.changedAt = Date.now();
    if (outcome === 'failure') {
      this.openedBy = 'trial call';
      this.circuit.open();
    } else {
      this.log.info({ upstream: this.upstream, state: 'closed' }, 'circuit closed: the upstream answers again');
    }
  }

  private refusal(error: Error & { code?: string }): Problem {
    if (error.code === 'ESHUTDOWN') return new Problem('SERVICE_DRAINING', 'The gateway is shutting down; retry shortly.', {}, { 'retry-after': '2' });
    // Half-open with the probe in flight: its answer is due within the upstream's timeout.
    if (!this.circuit.opened) return circuitOpenProblem(this.upstream, 1);
    return circuitOpenProblem(this.upstream, (this.nextProbeAt() - Date.now()) / 1000);
  }

  private nextProbeAt(): number {
    return this.changedAt + this.settings.resetTimeoutMs;
  }

  status(): UpstreamStatus {
    const { fires, successes, failures, rejects } = this.circuit.stats;
    const state = this.state;
    return {
      upstream: this.upstream,
      inUse: true,
      state,
      since: new Date(this.changedAt).toISOString(),
      nextProbeAt: state === 'open' ? new Date(this.nextProbeAt()).toISOString() : null,
      window: { calls: fires - rejects, successes, failures, refused: rejects + this.trialRefusals },
      retries: this.retryBudget.snapshot(),
      settings: { ...this.settings },
      ...(this.probeStatus ? { probe: { ...this.probeStatus } } : {}),
    };
  }

  shutdown(): void {
    this.trial = null;
    clearInterval(this.rotationTimer);
    this.circuit.shutdown();
  }
}

/** The breakers of the gateway's upstreams, one per upstream name, shared by its contracts. */
export class Breakers {
  private readonly log: Logger;
  private readonly options: BreakersOptions;
  private readonly breakers = new Map<string, OpossumBreaker>();
  /** Upstreams already warned about for contracts disagreeing on the settings. */
  private readonly warned = new Set<string>();
  private readonly startedAt = Date.now();

  constructor(log: Logger, options: BreakersOptions = {}) {
    this.log = log;
    this.options = options;
  }

  /**
   * The breaker of one upstream, created on first use with `settings` over the defaults. Later
   * calls reuse it: the first settings win, and a different set is logged once (contracts naming
   * one upstream should agree).
   */
  for(upstream: string, settings: Partial<BreakerSettings> = {}): UpstreamBreaker {
    const wanted = { ...defaultBreakerSettings, ...definedOnly(settings) };
    const existing = this.breakers.get(upstream);
    if (existing) {
      if (!sameSettings(existing.settings, wanted) && !this.warned.has(upstream)) {
        this.warned.add(upstream);
        this.log.warn({ upstream, inUse: existing.settings, ignored: wanted }, 'contracts disagree on the circuit breaker settings of this upstream: the first ones stay in use');
      }
      return existing;
    }
    const breaker = new OpossumBreaker(upstream, wanted, this.log, this.options.retryBudget ?? {});
    this.breakers.set(upstream, breaker);
    return breaker;
  }

  /** Every breaker's state and counts, by upstream name. */
  snapshot(): UpstreamStatus[] {
    return [...this.breakers.values()].map((breaker) => breaker.status()).sort((a, b) => a.upstream.localeCompare(b.upstream));
  }

  /**
   * Every breaker, and beside them a row for each of `upstreams` (name -> its contracts' settings)
   * that has none yet, by upstream name. Makes no breaker: a read must not fix an upstream's
   * settings before its first real use (the first settings win), nor start its timers.
   */
  overview(upstreams: ReadonlyMap<string, Partial<BreakerSettings>>): UpstreamStatus[] {
    const unused = [...upstreams].filter(([upstream]) => !this.breakers.has(upstream)).map(([upstream, settings]): UpstreamStatus => ({
      upstream, inUse: false, state: 'closed', since: new Date(this.startedAt).toISOString(), nextProbeAt: null,
      window: { calls: 0, successes: 0, failures: 0, refused: 0 },
      retries: new RetryBudget(this.options.retryBudget ?? {}).snapshot(),
      settings: { ...defaultBreakerSettings, ...definedOnly(settings) },
    }));
    return [...this.snapshot(), ...unused].sort((a, b) => a.upstream.localeCompare(b.upstream));
  }

  /** Stops the breakers' timers; calls through them are refused from now on. */
  close(): void {
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.breakers.clear();
  }
}

function definedOnly(settings: Partial<BreakerSettings>): Partial<BreakerSettings> {
  return Object.fromEntries(Object.entries(settings).filter(([, value]) => value !== undefined));
}

function sameSettings(a: BreakerSettings, b: BreakerSettings): boolean {
  return a.errorThresholdPercentage === b.errorThresholdPercentage && a.volumeThreshold === b.volumeThreshold && a.resetTimeoutMs === b.resetTimeoutMs && a.rollingCountMs === b.rollingCountMs;
}
