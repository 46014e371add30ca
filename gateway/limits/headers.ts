import type { LimitDecision } from './limits.ts';

/**
 * Response headers for a decision: `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`
 * (IETF httpapi RateLimit header fields draft, delta seconds) and, when refused, `Retry-After`
 * (RFC 9110 section 10.2.3, delay-seconds).
 */
export function rateLimitHeaders(decision: LimitDecision): Record<string, string> {
  const headers: Record<string, string> = {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(decision.resetSeconds),
  };
  if (!decision.allowed) headers['Retry-After'] = String(decision.retryAfterSeconds ?? decision.resetSeconds);
  return headers;
}

/**
 * When an exchange passes several limits (rate rule, then daily quota), the headers describe
 * the tightest one: the refused decision if any, else the one with the least remaining.
 */
export function tightest(decisions: readonly LimitDecision[]): LimitDecision | undefined {
  let pick: LimitDecision | undefined;
  for (const decision of decisions) {
    if (!pick) pick = decision;
    else if (!decision.allowed && pick.allowed) pick = decision;
    else if (decision.allowed === pick.allowed && decision.remaining < pick.remaining) pick = decision;
  }
  return pick;
}
