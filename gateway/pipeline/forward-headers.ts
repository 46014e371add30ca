import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { reservedRequestHeader } from '../registry/contract.ts';
import { traceparentOf, type Exchange } from './exchange.ts';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection and are never forwarded. `expect`
 * is answered by the gateway's own server (100 Continue), and undici refuses it on requests.
 */
const hopByHop = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'expect']);

/**
 * The caller's request headers an upstream gets, whatever its contract: what the request means to
 * an HTTP server (content negotiation, the body's type and coding, conditions and ranges, caching,
 * `Prefer`), the caller's `Idempotency-Key`, `User-Agent` and `tracestate` (the gateway sets
 * `traceparent`). Nothing else passes unless the contract names it in `forwardHeaders`: not the
 * caller's credentials, not what the gateway says about the call (who, which contract, from where:
 * `Forwarded`, `X-Real-IP`, `Via`, `X-Forwarded-*`), and not the headers that make an upstream
 * or a proxy before it do something else than the route the caller was authorized for (method
 * overrides, URL rewrites, `Max-Forwards`). docs/contracts.md lists them for contract authors.
 */
export const forwardedRequestHeaders: ReadonlySet<string> = new Set([
  'accept', 'accept-encoding', 'accept-language',
  'content-type', 'content-encoding', 'content-length',
  'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since', 'if-range', 'range',
  'cache-control', 'prefer', 'idempotency-key', 'user-agent', 'tracestate',
]);

/**
 * The caller's headers the upstream gets: those of the allow-list and those the contract names,
 * but none the `connection` header names (they are for this hop). `content-length` only when the
 * body streams through: a body read for validation is sent by undici with its own length.
 */
function callerHeadersForUpstream(headers: IncomingHttpHeaders, permitted: readonly string[] | undefined, sendsReadBody: boolean): Record<string, string | string[]> {
  const listed = headers.connection ? new Set(headers.connection.split(',').map((token) => token.trim().toLowerCase())) : undefined;
  const kept: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || listed?.has(name)) continue;
    const forwarded = forwardedRequestHeaders.has(name)
      ? !(name === 'content-length' && sendsReadBody)
      : (permitted?.includes(name) ?? false) && !reservedRequestHeader(name);
    if (forwarded) kept[name] = value;
  }
  return kept;
}

/**
 * A message's end-to-end headers: all but the hop-by-hop ones and those its `connection` header
 * names.
 */
function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const listed = headers.connection ? new Set(headers.connection.split(',').map((token) => token.trim().toLowerCase())) : undefined;
  const kept: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || hopByHop.has(name) || listed?.has(name)) continue;
    kept[name] = value;
  }
  return kept;
}

/** The headers the upstream gets: those of the caller's that the allow-list or the contract permit, and the gateway's own. */
export function upstreamRequestHeaders(ex: Exchange, upstream: URL, sendsReadBody: boolean): Record<string, string | string[]> {
  const incoming = ex.req.headers;
  const headers = callerHeadersForUpstream(incoming, ex.match!.route.contract.forwardHeaders, sendsReadBody);
  headers.host = upstream.host;
  headers['x-forwarded-for'] = ex.clientAddress;
  headers['x-forwarded-proto'] = (ex.req.socket as TLSSocket).encrypted ? 'https' : 'http';
  if (incoming.host) headers['x-forwarded-host'] = incoming.host;
  headers['x-request-id'] = ex.requestId;
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
