import { createServer, type Server } from 'node:http';
import { Problem } from '../errors/problem.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import type { Exchange } from '../pipeline/exchange.ts';
import { exchangeListener } from './exchange-listener.ts';
import type { Health } from './health.ts';

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}

/** If-None-Match wins when sent (RFC 9110 13.2.2); If-Modified-Since serves harvesters that keep only dates. */
function notModified(headers: Exchange['req']['headers'], answer: { headers: Record<string, string> }): boolean {
  const etag = answer.headers.etag;
  if (headers['if-none-match'] !== undefined) return etag !== undefined && etagMatches(headers['if-none-match'], etag);
  const since = Date.parse(headers['if-modified-since'] ?? '');
  const modified = Date.parse(answer.headers['last-modified'] ?? '');
  return Number.isFinite(since) && Number.isFinite(modified) && modified <= since;
}

/** The one stage of a public call: find the adapter's feed, answer it (304 when the caller's copy is current). */
async function servePublic(ex: Exchange, ctx: PipelineContext): Promise<void> {
  if (ex.method !== 'GET' && ex.method !== 'HEAD') {
    throw new Problem('METHOD_NOT_ALLOWED', 'The public listener is read-only: use GET or HEAD.', {}, { allow: 'GET, HEAD' });
  }
  const route = ctx.adapters.publicRoute(ex.table, ex.pathname);
  if (!route) throw new Problem('NOT_FOUND', `No public feed at ${ex.pathname}.`);
  const answer = await route.handle({ method: ex.method, path: ex.pathname, headers: ex.req.headers });
  for (const [name, value] of Object.entries(answer.headers)) ex.res.setHeader(name, value);
  if (answer.status === 200 && notModified(ex.req.headers, answer)) {
    ex.res.statusCode = 304;
    ex.res.removeHeader('content-length');
    ex.res.end();
    return;
  }
  ex.res.statusCode = answer.status;
  ex.res.setHeader('content-length', answer.body.length);
  ex.res.end(ex.method === 'HEAD' ? undefined : answer.body);
  ex.bytesOut = answer.body.length;
  ex.responseHash.update(answer.body);
}

/**
 * The public listener: unauthenticated, read-only feeds published by adapters (the JDIHN harvest
 * feed), each call in the traffic log like any other exchange. Off unless `public.enabled`.
 */
export function createPublicServer(ctx: PipelineContext, health: Health, isDraining: () => boolean): Server {
  const stages = [servePublic];
  return createServer({ keepAliveTimeout: 65_000, requestTimeout: 60_000 }, exchangeListener(ctx, health, { listener: 'public', trustProxy: false, isDraining, stagesFor: () => stages }));
}
