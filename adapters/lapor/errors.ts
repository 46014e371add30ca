// LAPOR!'s answers as the gateway's problems. Its own code and message go to the caller under
// `upstream`, with one guard: a message that quotes what was sent (the reporter's identity, the
// complaint text, the token) has those values masked, so a problem body never carries them.
import { type Problem, type UpstreamResponse, upstreamAuthFailed, upstreamInvalid, upstreamNotFound, upstreamRejected, upstreamUnavailable } from '../../gateway/adapter-api/index.ts';
import { redactText } from '../kit/redact.ts';
import type { LaporFault, WireAnswer } from './wire.ts';

export const system = 'SP4N-LAPOR!';

export const masked = '[disamarkan]';

/** `message` with every occurrence of a sensitive value replaced; values under 3 characters are left alone. */
export const redact = (message: string, sensitive: readonly string[]): string => redactText(message, sensitive, masked);

export function problemForFault(fault: LaporFault, sensitive: readonly string[]): Problem {
  const upstream = { system, code: fault.code, ...(fault.message === undefined ? {} : { message: redact(fault.message, sensitive) }) };
  switch (fault.kind) {
    case 'auth':
      return upstreamAuthFailed(upstream, `${system} refused the region's token (upstreams.<name>.credentials.token).`);
    case 'not-found':
      return upstreamNotFound(upstream, `${system} has no complaint with this tracking id.`);
    case 'rejected':
      return upstreamRejected(upstream, `${system} refused the complaint.`);
  }
}

/**
 * The value of an answer, or the problem it amounts to: HTTP 5xx is an outage, a refusal is mapped
 * by its kind, anything unreadable is UPSTREAM_INVALID_RESPONSE (nothing of it passed on).
 */
export function settle<T>(response: UpstreamResponse, read: (status: number, body: Buffer) => WireAnswer<T>, sensitive: readonly string[]): T {
  if (response.status >= 500) throw upstreamUnavailable(system, `HTTP ${response.status}`);
  const answer = read(response.status, response.body);
  if (answer.kind === 'ok') return answer.value;
  if (answer.kind === 'fault') throw problemForFault(answer.fault, sensitive);
  throw upstreamInvalid(system, answer.reason);
}
