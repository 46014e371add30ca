export {
  Breakers,
  defaultBreakerSettings,
  defaultUnhealthyThreshold,
  type BreakerSettings,
  type BreakerState,
  type BreakersOptions,
  type ProbeResult,
  type ProbeStatus,
  type UpstreamBreaker,
  type UpstreamStatus,
} from './breakers.ts';
export { circuitOpenCode, circuitOpenProblem, isCircuitOpen } from './circuit-open.ts';
export { guardedCall, type GuardedCallOptions } from './guarded-call.ts';
export { countsAsFailure, isRetryableFailure, outcomeOfStatus, retryableStatuses, type UpstreamOutcome } from './outcomes.ts';
export {
  backoffDelay,
  defaultRetryBudget,
  defaultRetryPolicy,
  retryable,
  RetryBudget,
  withRetries,
  type AttemptInfo,
  type RetryBudgetOptions,
  type RetryPolicy,
  type WithRetriesOptions,
} from './retry.ts';
export { takeUpstreamSlot } from './upstream-slot.ts';
