import type { IncomingHttpHeaders } from 'node:http';
import { Problem } from '../errors/problem.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/** If-None-Match wins when sent (RFC 9110 13.2.2); If-Modified-Since serves harvesters that keep only dates. */
function notModified(headers: IncomingHttpHeaders, answer: { headers: Record<string, string> }): boolean {
  const etag = answer.headers.etag;
  if (headers['if-none-match'] !== undefined) return etag !== undefined && etagMatches(headers['if-none-match'], etag);
  const since = Date.parse(headers['if-modified-since'] ?? '');
  const modified = Date.parse(answer.headers['last-modified'] ?? '');
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since;
}

/** The one request stage of a public call: find the adapter's feed, answer it (304 when the caller's copy is current). */
export async function servePublic(ex: Exchange, ctx: PipelineContext): Promise<void> {
  if (ex.method !== 'GET' && ex.method !== 'HEAD') {
    throw new Problem('METHOD_NOT_ALLOWED', 'The public listener is read-only: use GET or HEAD.', {}, { allow: 'GET, HEAD' });
  }
  const route = ctx.adapters.publicRoute(ex.table, ex.pathname);
  if (!route) throw new Problem('NOT_FOUND', `No public feed at ${ex.pathname}.`);
  const answer = await route.handle({ method: ex.method, path: ex.pathname, headers: ex.req.headers });
  if (answer.status === 200 && notModified(ex.req.headers, answer)) {
    const { 'content-length': _length, ...headers } = answer.headers;
    ex.reply.send(304, headers, Buffer.alloc(0));
    return;
  }
  ex.reply.send(answer.status, answer.headers, answer.body);
}
