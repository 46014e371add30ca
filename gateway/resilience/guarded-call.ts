import type { UpstreamBreaker } from './breakers.ts';
import { isRetryableFailure, type UpstreamOutcome } from './outcomes.ts';
import { defaultRetryPolicy, retryable, withRetries, type AttemptInfo, type RetryPolicy } from './retry.ts';

export interface GuardedCallOptions<T> {
  /** The request's method: retried only if idempotent (`retryable`). */
  method: string;
  /** Contract `resilience.retries` over the defaults. */
  policy?: Partial<RetryPolicy>;
  /** The breaker outcome of a resolved attempt (e.g. `outcomeOfStatus(answer.status)`); success if left out. */
  judge?: (value: T) => UpstreamOutcome;
  /**
   * Whether a resolved attempt may be tried again: only for answers the caller has not seen yet
   * (an adapter's buffered answer with a status in `retryableStatuses`), never for a passthrough
   * answer that already streams to the caller.
   */
  retryValue?: (value: T) => boolean;
  /**
   * Whether the request can still be sent again: false once the caller has seen part of the
   * answer (a passthrough answer streams) or when its body cannot be sent a second time.
   */
  repeatable?: () => boolean;
  /** The request's whole time budget (the contract's timeoutMs): retries never run past it. */
  deadlineMs?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/**
 * One upstream request with the upstream's breaker and retries: each attempt runs through the
 * breaker; a failed one is retried only for a retryable request (`retryable`), a retryable failure
 * (`isRetryableFailure`) or value (`retryValue`), a closed circuit, time left before the deadline
 * and a retry granted by the upstream's budget.
 */
export function guardedCall<T>(breaker: UpstreamBreaker, attempt: (info: AttemptInfo) => Promise<T>, options: GuardedCallOptions<T>): Promise<T> {
  const allowed = retryable(options.method);
  const policy = policyOf(options.policy);
  // A circuit that opened (or is probing) while we failed: the next attempt would be refused anyway.
  const mayRepeat = (): boolean => allowed && breaker.state === 'closed' && (options.repeatable?.() ?? true);
  return withRetries((info) => breaker.run(() => attempt(info), options.judge), {
    policy,
    budget: breaker.retryBudget,
    shouldRetry: (error) => mayRepeat() && isRetryableFailure(error),
    shouldRetryValue: (value) => mayRepeat() && options.retryValue?.(value) === true,
    ...(options.deadlineMs === undefined ? {} : { deadlineMs: options.deadlineMs }),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
}

// A contract's `resilience.retries` object lives as long as its routing table: merged once, not per call.
const mergedPolicies = new WeakMap<Partial<RetryPolicy>, RetryPolicy>();

function policyOf(overrides: Partial<RetryPolicy> | undefined): RetryPolicy {
  if (!overrides) return defaultRetryPolicy;
  let policy = mergedPolicies.get(overrides);
  if (!policy) {
    const defined = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined)) as Partial<RetryPolicy>;
    policy = { ...defaultRetryPolicy, ...defined };
    mergedPolicies.set(overrides, policy);
  }
  return policy;
}
