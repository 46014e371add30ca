import { isCircuitOpen } from './circuit-open.ts';

/** Retries of one request (contract `resilience.retries`). */
export interface RetryPolicy {
  /** Retries after the first try (0 = none). The contract schema allows 0 to 5. */
  attempts: number;
  /** Cap of the first retry's backoff; doubles for each later retry. */
  baseDelayMs: number;
  /** No backoff is longer than this. */
  maxDelayMs: number;
}

export const defaultRetryPolicy: Readonly<RetryPolicy> = Object.freeze({ attempts: 2, baseDelayMs: 100, maxDelayMs: 1000 });

/** Idempotent by RFC 9110 §9.2.2: repeating them has the effect of sending them once. */
const idempotentMethods = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Whether the gateway may send a request again by itself: idempotent methods only. Not a POST or
 * PATCH, even with an `Idempotency-Key`: the key guards the gateway's callers against running a
 * request twice, but national systems do not take it, so a POST sent again after its first attempt
 * may have reached them could act twice there. When that attempt never left (no connection), the
 * key is given back and the caller's own retry is executed (stage 45-idempotency).
 */
export function retryable(method: string): boolean {
  return idempotentMethods.has(method.toUpperCase());
}

/**
 * Backoff before retry `retry` (0 for the first retry): exponential with "full jitter",
 * `random() * min(maxDelayMs, baseDelayMs * 2^retry)`, so retries of many callers spread out
 * instead of arriving together.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * cap);
}

export interface RetryBudgetOptions {
  /** Retries allowed per request in the window (0.2 = one retry for five requests). */
  ratio?: number;
  /** Retries allowed per second of the window whatever the traffic, so a quiet upstream still gets some. */
  minPerSecond?: number;
  /** How long requests and retries are remembered. */
  windowMs?: number;
  now?: () => number;
}

export const defaultRetryBudget = Object.freeze({ ratio: 0.2, minPerSecond: 1, windowMs: 10_000 });

const bucketCount = 10;

/**
 * Bounds the retries to one upstream (after Finagle's RetryBudget and Envoy's retry budgets):
 * within the last `windowMs`, retries may not exceed `ratio` x requests + `minPerSecond` x window
 * seconds. A failing upstream thus sees at most (1 + ratio) times its normal traffic plus a small
 * constant, never `attempts` times it: no retry storm. Counted in ten buckets of a tenth of the window.
 */
export class RetryBudget {
  private readonly ratio: number;
  private readonly reserve: number;
  private readonly bucketMs: number;
  private readonly now: () => number;
  private readonly epochs: number[] = new Array<number>(bucketCount).fill(-1);
  private readonly requests: number[] = new Array<number>(bucketCount).fill(0);
  private readonly retries: number[] = new Array<number>(bucketCount).fill(0);

  constructor(options: RetryBudgetOptions = {}) {
    this.ratio = options.ratio ?? defaultRetryBudget.ratio;
    const windowMs = options.windowMs ?? defaultRetryBudget.windowMs;
    this.reserve = (options.minPerSecond ?? defaultRetryBudget.minPerSecond) * (windowMs / 1000);
    this.bucketMs = windowMs / bucketCount;
    this.now = options.now ?? Date.now;
  }

  /** Every request that reached the upstream, retried or not, earns `ratio` of a retry. */
  recordRequest(): void {
    this.requests[this.bucket()]! += 1;
  }

  /** Takes one retry from the budget; false (and nothing taken) when it is spent. */
  tryRetry(): boolean {
    const index = this.bucket();
    const { requests, retries } = this.totals();
    if (retries >= this.ratio * requests + this.reserve) return false;
    this.retries[index]! += 1;
    return true;
  }

  /** Requests and retries in the window and the retries allowed now, for the admin API. */
  snapshot(): { requests: number; retries: number; allowed: number } {
    this.bucket();
    const { requests, retries } = this.totals();
    return { requests, retries, allowed: Math.ceil(this.ratio * requests + this.reserve) };
  }

  /** The current bucket's index, emptied first when it last served an older epoch. */
  private bucket(): number {
    const epoch = Math.floor(this.now() / this.bucketMs);
    const index = epoch % bucketCount;
    if (this.epochs[index] !== epoch) {
      this.epochs[index] = epoch;
      this.requests[index] = 0;
      this.retries[index] = 0;
    }
    return index;
  }

  private totals(): { requests: number; retries: number } {
    const oldest = Math.floor(this.now() / this.bucketMs) - bucketCount + 1;
    let requests = 0;
    let retries = 0;
    for (let i = 0; i < bucketCount; i++) {
      if (this.epochs[i]! < oldest) continue;
      requests += this.requests[i]!;
      retries += this.retries[i]!;
    }
    return { requests, retries };
  }
}

export interface WithRetriesOptions<T> {
  policy: RetryPolicy;
  budget: RetryBudget;
  /** Whether a failed attempt may be tried again (method, failure kind, breaker state). */
  shouldRetry: (error: unknown) => boolean;
  /** Whether a resolved attempt is worth another try (a 503 answer the caller has not seen yet). */
  shouldRetryValue?: (value: T) => boolean;
  /** Time allowed for all attempts and backoffs together, from the call; none when left out. */
  deadlineMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** What an attempt is told: its number (0 = first try) and the time left until the deadline. */
export interface AttemptInfo {
  attempt: number;
  /** Infinity without a deadline; the caller bounds the attempt's own timeout by it. */
  remainingMs: number;
}

const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `attempt` and retries it while `shouldRetry` (or `shouldRetryValue`) says so, the policy
 * has retries left, the deadline leaves time after the backoff, and the budget grants one. Never
 * retries an open-circuit refusal. Gives up with the last error, or resolves with the last value.
 */
export async function withRetries<T>(attempt: (info: AttemptInfo) => Promise<T>, options: WithRetriesOptions<T>): Promise<T> {
  const { policy, budget } = options;
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const deadline = options.deadlineMs === undefined ? Infinity : now() + options.deadlineMs;
  for (let n = 0; ; n++) {
    let outcome: { value: T } | { error: unknown };
    try {
      outcome = { value: await attempt({ attempt: n, remainingMs: deadline - now() }) };
    } catch (error) {
      outcome = { error };
    }
    // Requests an open circuit refused never reached the upstream: they earn no retries.
    if (n === 0 && !('error' in outcome && isCircuitOpen(outcome.error))) budget.recordRequest();
    const again = 'error' in outcome
      ? !isCircuitOpen(outcome.error) && options.shouldRetry(outcome.error)
      : options.shouldRetryValue?.(outcome.value) === true;
    if (!again || n >= policy.attempts) return settle(outcome);
    const delay = backoffDelay(n, policy, random);
    // A retry that could not start before the deadline would only make the caller wait longer.
    if (now() + delay >= deadline) return settle(outcome);
    if (!budget.tryRetry()) return settle(outcome);
    await sleep(delay);
  }
}

function settle<T>(outcome: { value: T } | { error: unknown }): T {
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}
