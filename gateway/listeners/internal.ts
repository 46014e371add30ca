import { createServer, type IncomingMessage, type Server } from 'node:http';
import { Problem, sendProblem } from '../errors/problem.ts';
import { buildOpenApi } from '../openapi/build.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { createExchange, type Exchange } from '../pipeline/exchange.ts';
import { identify } from '../pipeline/10-identify.ts';
import { runExchange } from '../pipeline/index.ts';
import type { Health } from './health.ts';
import { sendJson } from './json.ts';

function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = req.headers['x-forwarded-for'];
  if (trustProxy && typeof forwarded === 'string') return forwarded.split(',')[0]!.trim();
  return req.socket.remoteAddress ?? '';
}

/** `GET /openapi.json`: identify the caller, then describe what it may call. */
function describe(ex: Exchange, ctx: PipelineContext): void {
  const host = ex.req.headers.host ?? `${ctx.config.internal.host}:${ctx.config.internal.port}`;
  const document = buildOpenApi(ex.table.routes, { grants: ex.token!.grants, clearance: ex.consumer!.clearance }, `http://${host}`);
  const body = sendJson(ex.res, 200, document);
  ex.bytesOut = body.length;
  ex.responseHash.update(body);
}

/** The PD applications' listener: every call is an exchange through the pipeline. */
export function createInternalServer(ctx: PipelineContext, health: Health, isDraining: () => boolean): Server {
  const server = createServer({ keepAliveTimeout: 65_000, requestTimeout: 120_000 }, (req, res) => {
    const url = req.url ?? '/';
    if (req.method === 'GET' && (url === '/healthz' || url === '/readyz')) {
      void health.respond(url, res);
      return;
    }
    const ex = createExchange(req, res, 'internal', clientAddress(req, ctx.config.internal.trustProxy), ctx.registry.current);
    if (isDraining()) {
      ex.problem = new Problem('SERVICE_DRAINING', 'The gateway is restarting; retry shortly.', {}, { 'retry-after': '2', connection: 'close' });
      sendProblem(res, ex.problem, ex.id);
      return;
    }
    const stages = req.method === 'GET' && ex.pathname === '/openapi.json' ? [identify, describe] : undefined;
    void runExchange(ex, ctx, stages);
  });
  return server;
}
