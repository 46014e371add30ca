import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { traceparentOf, type Exchange } from './exchange.ts';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded. `expect`
 * is answered by the gateway's own server (100 Continue), and undici refuses it on requests.
 */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect']);

/**
 * Request headers that stay at the gateway: the caller's SSO token and cookies are for the
 * gateway, `host` becomes the upstream's, and what the gateway says about the call (who, which
 * contract, from where) is never taken from the caller.
 */
const keptAtGateway = new Set(['host', 'authorization', 'cookie', 'proxy-authorization', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port']);
const gatewayPrefix = 'x-penghubung-';

/** Header names the `connection` header lists are hop-by-hop for that message too. */
function connectionTokens(headers: IncomingHttpHeaders): Set<string> | undefined {
  const listed = headers.connection;
  if (!listed) return undefined;
  return new Set(listed.split(',').map((token) => token.trim().toLowerCase()));
}

/** The headers the upstream gets: the caller's end-to-end headers and the gateway's own. */
export function upstreamRequestHeaders(ex: Exchange, upstream: URL, sendsReadBody: boolean): Record<string, string | string[]> {
  const incoming = ex.req.headers;
  const listed = connectionTokens(incoming);
  const headers: Record<string, string | string[]> = {};
  for (const name in incoming) {
    const value = incoming[name];
    if (value === undefined || hopByHop.has(name) || keptAtGateway.has(name) || name.startsWith(gatewayPrefix) || listed?.has(name)) continue;
    // The body was read for validation: the gateway sends those bytes, and their length.
    if (sendsReadBody && name === 'content-length') continue;
    headers[name] = value;
  }
  headers.host = upstream.host;
  headers['x-forwarded-for'] = ex.clientAddress;
  headers['x-forwarded-proto'] = (ex.req.socket as TLSSocket).encrypted ? 'https' : 'http';
  if (incoming.host) headers['x-forwarded-host'] = incoming.host;
  headers['x-request-id'] = ex.id;
  headers.traceparent = traceparentOf(ex.trace);
  headers['x-penghubung-contract'] = ex.match!.route.contract.id;
  if (ex.consumer) headers['x-penghubung-consumer'] = ex.consumer.clientId;
  if (ex.partner) headers['x-penghubung-partner'] = ex.partner.id;
  if (ex.agreement) headers['x-penghubung-agreement'] = ex.agreement.number;
  return headers;
}

/** The upstream's answer headers the caller gets: all but the hop-by-hop ones (Node frames the body itself). */
export function callerResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = connectionTokens(headers);
  const kept: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || hopByHop.has(name) || listed?.has(name)) continue;
    kept[name] = value;
  }
  return kept;
}

/** Whether the caller sends a body: one announced by length or by chunked framing. */
export function hasRequestBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
