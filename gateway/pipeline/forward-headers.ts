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

/**
 * A message's end-to-end headers: all but the hop-by-hop ones, those its `connection` header
 * names, and those `skip` keeps back.
 */
function endToEnd(headers: IncomingHttpHeaders, skip?: (name: string) => boolean): Record<string, string | string[]> {
  const listed = headers.connection ? new Set(headers.connection.split(',').map((token) => token.trim().toLowerCase())) : undefined;
  const kept: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || hopByHop.has(name) || listed?.has(name) || skip?.(name)) continue;
    kept[name] = value;
  }
  return kept;
}

const keptFromUpstream = (name: string) => keptAtGateway.has(name) || name.startsWith(gatewayPrefix);
// The body was read for validation: the gateway sends those bytes, and undici their length.
const keptFromUpstreamWithReadBody = (name: string) => keptFromUpstream(name) || name === 'content-length';

/** The headers the upstream gets: the caller's end-to-end headers and the gateway's own. */
export function upstreamRequestHeaders(ex: Exchange, upstream: URL, sendsReadBody: boolean): Record<string, string | string[]> {
  const incoming = ex.req.headers;
  const headers = endToEnd(incoming, sendsReadBody ? keptFromUpstreamWithReadBody : keptFromUpstream);
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
  return endToEnd(headers);
}

/** Whether the caller sends a body: one announced by length or by chunked framing. */
export function hasRequestBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
