import { Problem } from '../errors/problem.ts';

/** The upstream's own words about a failure, passed to the caller under the `upstream` member. */
export interface UpstreamFault {
  /** Which national system or upstream (`BKN SIASN`, `SIPD`). */
  system: string;
  code?: string | number;
  message?: string;
}

/** The `upstream` member of a problem: the system's own code and message. */
export function upstreamMember(fault: UpstreamFault): Record<string, unknown> {
  return { upstream: { system: fault.system, ...(fault.code === undefined ? {} : { code: String(fault.code) }), ...(fault.message === undefined ? {} : { message: fault.message }) } };
}

export function upstreamRejected(fault: UpstreamFault, detail = `${fault.system} rejected the request.`): Problem {
  return new Problem('UPSTREAM_REJECTED', detail, upstreamMember(fault));
}

export function upstreamNotFound(fault: UpstreamFault, detail = `${fault.system} has no such record.`): Problem {
  return new Problem('UPSTREAM_NOT_FOUND', detail, upstreamMember(fault));
}

export function upstreamAuthFailed(fault: UpstreamFault, detail = `The gateway's credentials for ${fault.system} were refused.`): Problem {
  return new Problem('UPSTREAM_AUTH_FAILED', detail, upstreamMember(fault));
}

export function upstreamInvalid(system: string, reason: string): Problem {
  return new Problem('UPSTREAM_INVALID_RESPONSE', `${system} answered something the gateway cannot read: ${reason}.`, upstreamMember({ system }));
}

export function upstreamUnavailable(system: string, reason: string): Problem {
  return new Problem('UPSTREAM_UNAVAILABLE', `${system} could not be reached (${reason}).`, {}, { 'retry-after': '5' });
}

/** The upstream said it cannot serve now (5xx, throttled): retryable, with its own words. */
export function upstreamFailing(fault: UpstreamFault, detail: string, retryAfterSeconds: number | string = 5): Problem {
  return new Problem('UPSTREAM_UNAVAILABLE', detail, upstreamMember(fault), { 'retry-after': String(retryAfterSeconds) });
}

export function upstreamTimeout(system: string, timeoutMs: number): Problem {
  return new Problem('UPSTREAM_TIMEOUT', `${system} did not answer within ${timeoutMs} ms.`);
}

/** Parses a JSON answer, or fails the exchange as UPSTREAM_INVALID_RESPONSE. */
export function parseUpstreamJson<T = unknown>(system: string, body: Buffer): T {
  try {
    return JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw upstreamInvalid(system, 'the body is not valid JSON');
  }
}
