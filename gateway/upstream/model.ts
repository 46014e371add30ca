/**
 * Outbound HTTP, as every upstream client of the gateway sees it: the passthrough forwarder, the
 * adapters' clients, the delivery worker and the health checks.
 */

export type UpstreamMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface UpstreamTiming {
  startedAt?: number; ms?: number; status?: number; timedOut?: boolean;
  /** The connection was never made (refused, no route, unknown host): nothing reached the upstream. */
  connectFailed?: boolean;
}

/**
 * How long to wait for a connection, within a request's `timeoutMs`: half of it, between 250 ms
 * and 10 s. A dropped uplink (packets lost, nothing refused) thus fails as a connect timeout,
 * known to have sent nothing and safe to try again, rather than as a request timeout, whose
 * outcome is unknown. Enforced by `upstreamConnector` (connector.ts).
 */
export function connectTimeoutFor(timeoutMs: number): number {
  return Math.max(250, Math.min(10_000, Math.floor(timeoutMs / 2)));
}

/** Mutual TLS towards an upstream: the gateway's client certificate and key, extra CAs (PEM contents). */
export interface UpstreamTls { cert: string; key: string; ca?: string[] }

/** Connection errors that mean no byte of the request left the gateway. */
export const connectErrorCodes: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** The exchange an upstream request belongs to: its ids go upstream, its timing comes back. */
export interface UpstreamCallInfo {
  requestId: string;
  /** W3C traceparent for the hop to the upstream. */
  traceparent: string;
  /** Filled in by the client; the traffic log reads it. */
  timing: UpstreamTiming;
}

/**
 * What an adapter does with its upstream's client (`AdapterEnvironment.upstreamClient`): send a
 * request under the contract's timeout, breaker and retry budget, and close it at a stop.
 * upstream-client.ts implements it.
 */
export interface UpstreamClient {
  send(request: UpstreamRequest, call?: UpstreamCallInfo): Promise<UpstreamResponse>;
  close(): Promise<void>;
}

export interface UpstreamRequest {
  method: UpstreamMethod;
  /** Below the upstream's base URL, e.g. `/pns/data-utama/199001012015031001`. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}
