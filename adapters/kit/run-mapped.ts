import type { AdapterCall, CanonicalResponse, UpstreamClient, UpstreamRequest, UpstreamResponse } from '../../gateway/adapter-api/index.ts';

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
   * Called with every answer: when it shows a token expired or revoked, drop that token and name
   * it (or return true when there is only one); the call is then sent again with fresh tokens.
   * Each credential is retried once per call, so an upstream with two tokens (BKN) that both
   * expired still succeeds, and a token refused twice ends the call.
   */
  refused?(response: UpstreamResponse, sent: UpstreamRequest): string | boolean;
}

export const noAuth: UpstreamAuth = { authorize: (request) => Promise.resolve(request) };

/** Sends with credentials; a refused credential is dropped and the call sent again, once per credential. */
export async function sendAuthorized(request: UpstreamRequest, call: Pick<AdapterCall, 'requestId' | 'traceparent' | 'timing'>, client: UpstreamClient, auth: UpstreamAuth = noAuth): Promise<UpstreamResponse> {
  const retried = new Set<string>();
  for (;;) {
    const sent = await auth.authorize(request);
    const response = await client.send(sent, call);
    const refused = auth.refused?.(response, sent) ?? false;
    if (refused === false) return response;
    const credential = refused === true ? 'token' : refused;
    if (retried.has(credential)) return response;
    retried.add(credential);
  }
}

/**
 * The usual adapter flow: map, authorize, send (again with fresh tokens if the upstream refused a
 * stale one), map back. Adapters with other needs implement `execute` themselves.
 */
export async function runMapped<Settings>(call: AdapterCall<Settings>, mapping: OperationMapping<Settings>, client: UpstreamClient, auth: UpstreamAuth = noAuth): Promise<CanonicalResponse> {
  return mapping.fromUpstream(await sendAuthorized(mapping.toUpstream(call), call, client, auth), call);
}

/** The JSON canonical answer most operations give. */
export function ok(body: unknown, status = 200): CanonicalResponse {
  return { status, body };
}
