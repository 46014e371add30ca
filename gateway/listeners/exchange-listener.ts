import type { IncomingMessage, RequestListener } from 'node:http';
import { Problem } from '../errors/problem.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { createExchange, type Exchange, type ListenerName } from '../pipeline/exchange.ts';
import { runExchange, type Pipeline } from '../pipeline/run.ts';
import { docsPage } from './docs-page.ts';
import type { Health } from './health.ts';
import { jwksPath, sendJwks } from './jwks.ts';

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustProxy && typeof forwarded === 'string') return forwarded.split(',')[0]!.trim();
  return req.socket.remoteAddress ?? '';
}

/**
 * More than one `Host` header: Node keeps the first, a proxy in front may have routed on another
 * (RFC 9112 3.2 asks for 400). Counted on the raw headers, which are few.
 */
export function hasOneHost(req: IncomingMessage): boolean {
  let count = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') count++;
  return count <= 1;
}

export const oneHostOnly = () => new Problem('BAD_REQUEST', 'Send exactly one Host header.', {}, { connection: 'close' });

export interface ExchangeListenerOptions {
  listener: ListenerName;
  trustProxy: boolean;
  isDraining: () => boolean;
  /** The listener's pipeline for this exchange (`GET /openapi.json` gets its own). */
  pipelineFor: (ex: Exchange) => Pipeline;
}

/**
 * The request handler every exchange listener shares: health on `/healthz` and `/readyz`, the
 * signing keys on `/.well-known/jwks.json`, the docs page on `/docs` (internal and partner
 * listeners), an Exchange for everything else, refused while
 * draining or while it could not be recorded, then the listener's pipeline.
 */
export function exchangeListener(ctx: PipelineContext, health: Health, options: ExchangeListenerOptions): RequestListener {
  // Static files, like health: not an exchange. The document the page loads is one.
  const docs = options.listener === 'public' ? null : docsPage(options.listener === 'internal' ? 'bearer' : 'mutualTLS');
  return (req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'GET' && (url === '/healthz' || url === '/readyz')) {
      void health.respond(url, res, { detail: false });
      return;
    }
    if (req.method === 'GET' && url === jwksPath && ctx.keys) return sendJwks(res, ctx.keys);
    if (docs?.serve(req, res)) return;
    const ex = createExchange(req, res, options.listener, clientAddress(req, options.trustProxy), ctx.registry.current);
    // Refused before any stage: not an exchange, so not a traffic-log row either.
    const refuse = (problem: Problem) => {
      ex.problem = problem;
      ex.reply.problem(problem);
    };
    if (!hasOneHost(req)) return refuse(oneHostOnly());
    if (options.isDraining()) return refuse(new Problem('SERVICE_DRAINING', 'The gateway is restarting; retry shortly.', {}, { 'retry-after': '2', connection: 'close' }));
    if (!ctx.traffic.accepting) {
      ctx.traffic.countRefused();
      return refuse(new Problem('TRAFFIC_LOG_UNAVAILABLE', 'The gateway cannot record exchanges at the moment (traffic log store and spool unavailable); nothing was sent upstream.', {}, { 'retry-after': '5' }));
    }
    // runExchange answers every failure itself; a fault in that answer must not end the process.
    runExchange(ex, ctx, options.pipelineFor(ex)).catch((error: unknown) => ctx.log.error({ reqId: ex.requestId, exchangeId: ex.id, err: error }, 'pipeline fault'));
  };
}
