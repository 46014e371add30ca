import type { AdapterCall, CanonicalResponse, UpstreamRequest, UpstreamResponse } from './model.ts';
import type { UpstreamClient } from './upstream-client.ts';

/**
 * One operation of an adapter as two pure functions: the canonical request to the upstream's
 * request, and the upstream's answer to the canonical answer (or a thrown upstream problem).
 * Pure means testable with golden fixtures and no server.
 */
export interface OperationMapping<Settings = Record<string, unknown>> {
  toUpstream(call: AdapterCall<Settings>): UpstreamRequest;
  fromUpstream(response: UpstreamResponse, call: AdapterCall<Settings>): CanonicalResponse;
}

export type OperationMappings<Settings = Record<string, unknown>> = Record<string, OperationMapping<Settings>>;

/** An upstream's credential flow. */
export interface UpstreamAuth {
  /** The request with credentials added (headers, or a query token as SIPD wants). */
  authorize(request: UpstreamRequest): Promise<UpstreamRequest>;
  /**
   * Called with every answer: when it shows a token expired or revoked, drop that token and
   * return true; the call is then sent once more with fresh tokens.
   */
  refused?(response: UpstreamResponse, sent: UpstreamRequest): boolean;
}

export const noAuth: UpstreamAuth = { authorize: async (request) => request };

/**
 * The usual adapter flow: map, authorize, send, retry once if the upstream refused a stale token,
 * map back. Adapters with other needs implement `execute` themselves.
 */
export async function runMapped<Settings>(call: AdapterCall<Settings>, mapping: OperationMapping<Settings>, client: UpstreamClient, auth: UpstreamAuth = noAuth): Promise<CanonicalResponse> {
  const request = mapping.toUpstream(call);
  let sent = await auth.authorize(request);
  let response = await client.send(sent, call);
  if (auth.refused?.(response, sent)) {
    sent = await auth.authorize(request);
    response = await client.send(sent, call);
  }
  return mapping.fromUpstream(response, call);
}

/** The JSON canonical answer most operations give. */
export function ok(body: unknown, status = 200): CanonicalResponse {
  return { status, body };
}
