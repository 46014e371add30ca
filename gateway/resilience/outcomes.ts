import type { ProblemCode } from '../errors/catalogue.ts';
import { Problem } from '../errors/problem.ts';
import { isCircuitOpen } from './circuit-open.ts';

/** How one upstream call went, for the breaker. */
export type UpstreamOutcome = 'success' | 'failure';

/**
 * Problems that say the upstream is unwell: it could not be reached or dropped the connection
 * (UPSTREAM_UNAVAILABLE, also what adapters answer for an upstream 5xx), did not answer in time,
 * or answered something unreadable or cut off.
 */
const upstreamFaults = new Set<ProblemCode>(['UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'UPSTREAM_INVALID_RESPONSE']);

/**
 * Whether a rejected upstream call counts against the upstream's breaker.
 * - the upstream faults above: yes;
 * - any other Problem: no. Either the caller is at fault (PAYLOAD_TOO_LARGE, BAD_REQUEST for a
 *   body cut off by the client, CONTRACT_VALIDATION_FAILED) or the upstream answered properly
 *   (UPSTREAM_REJECTED, UPSTREAM_NOT_FOUND, UPSTREAM_AUTH_FAILED: the upstream is up, opening the
 *   circuit would not help). opossum counts these as successes;
 * - anything that is not a Problem (an unmapped socket or client error): yes, to be safe.
 */
export function countsAsFailure(error: unknown): boolean {
  if (isCircuitOpen(error)) return false;
  if (error instanceof Problem) return upstreamFaults.has(error.code);
  return true;
}

/**
 * An answer's status as a breaker outcome: every 5xx but 501 (Not Implemented says nothing about
 * the upstream's health) is a failure. 429 is not: throttling is the upstream protecting itself
 * from one caller, and 4xx are the request's own fault.
 */
export function outcomeOfStatus(status: number | undefined): UpstreamOutcome {
  if (status === undefined) return 'failure';
  return status >= 500 && status !== 501 ? 'failure' : 'success';
}

/** Answers worth another try for an idempotent request: the upstream (or its own proxy) could not serve it. */
export const retryableStatuses: ReadonlySet<number> = new Set([502, 503, 504]);

/**
 * Whether a failed attempt may be tried again, once `retryable(method)` allowed retries at all:
 * - an open circuit: never (nothing was sent; the breaker says stay away);
 * - UPSTREAM_UNAVAILABLE (connection refused, reset or dropped, or an adapter's mapped 5xx): yes;
 * - UPSTREAM_TIMEOUT: yes, but only while the request's deadline leaves time (see `withRetries`);
 *   with the deadline equal to the contract timeout a timed-out attempt has spent it all;
 * - UPSTREAM_INVALID_RESPONSE: no (the upstream answered and may have acted; the same request
 *   would most likely get the same answer);
 * - any other Problem or error: no.
 */
export function isRetryableFailure(error: unknown): boolean {
  if (isCircuitOpen(error) || !(error instanceof Problem)) return false;
  return error.code === 'UPSTREAM_UNAVAILABLE' || error.code === 'UPSTREAM_TIMEOUT';
}
