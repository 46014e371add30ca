import { Problem } from '../errors/problem.ts';

/**
 * The refusal of a call the gateway did not make because the upstream's circuit is open. Its own
 * code (503) rather than `UPSTREAM_UNAVAILABLE` (502): one status per code, and operators can tell
 * "we shed the load" from "the upstream refused us".
 */
export const circuitOpenCode = 'UPSTREAM_CIRCUIT_OPEN';

export function circuitOpenProblem(upstream: string, retryAfterSeconds: number): Problem {
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return new Problem(
    circuitOpenCode,
    `${upstream} failed too often recently; the gateway is not calling it for now. Retry after ${seconds} s.`,
    { upstream: { system: upstream } },
    { 'retry-after': String(seconds) },
  );
}

/** True for a refusal by an open (or probing) circuit: no upstream call was made, never retry it. */
export function isCircuitOpen(error: unknown): boolean {
  return error instanceof Problem && error.code === circuitOpenCode;
}
