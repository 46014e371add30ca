import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { buildOpenApi, consumerMayCall } from '../openapi/build.ts';
import { noRevocations, type TlsMaterial } from '../partners/tls-material.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import type { Exchange } from '../pipeline/exchange.ts';
import { identify } from '../pipeline/10-identify.ts';
import { bindCertificate } from '../pipeline/11-bind-certificate.ts';
import { asksForDelivery, describeDelivery } from '../pipeline/delivery-status.ts';
import { certificateBoundStages, exchangeStages, type Stage } from '../pipeline/index.ts';
import { answerJson } from '../pipeline/answer-json.ts';
import { asksForOpenApi, exchangeListener } from './exchange-listener.ts';
import type { Health } from './health.ts';

/** `GET /openapi.json`: identify the caller, then describe what it may call. */
function describe(ex: Exchange, ctx: PipelineContext): void {
  const host = ex.req.headers.host ?? `${ctx.config.internal.host}:${ctx.config.internal.port}`;
  const scheme = ctx.config.internal.tls.cert ? 'https' : 'http';
  answerJson(ex, buildOpenApi(ex.table.routes, consumerMayCall({ grants: ex.token!.grants, clearance: ex.consumer!.clearance }), `${scheme}://${host}`));
}

/**
 * The PD applications' listener: every call is an exchange through the pipeline. Plain HTTP on
 * the intra network by default; HTTPS when `internal.tls.cert` is set, and with
 * `internal.requireClientCert` the token's consumer must hold the connection's client certificate.
 */
export function createInternalServer(ctx: PipelineContext, health: Health, isDraining: () => boolean, material: TlsMaterial | null): Server {
  const internalCtx: PipelineContext = { ...ctx, revocations: material ?? noRevocations };
  const bound = ctx.config.internal.requireClientCert;
  const stages = bound ? certificateBoundStages : exchangeStages;
  const describeStages: readonly Stage[] = bound ? [identify, bindCertificate, describe] : [identify, describe];
  const deliveryStages: readonly Stage[] = bound ? [identify, bindCertificate, describeDelivery] : [identify, describeDelivery];
  const handler = exchangeListener(internalCtx, health, {
    listener: 'internal',
    trustProxy: ctx.config.internal.trustProxy,
    isDraining,
    stagesFor: (ex) => (asksForOpenApi(ex) ? describeStages : asksForDelivery(ex) ? deliveryStages : stages),
  });
  const timeouts = { keepAliveTimeout: 65_000, requestTimeout: 120_000 };
  if (!material) return createHttpServer(timeouts, handler);
  const server = createHttpsServer({
    ...material.contextOptions(),
    ...timeouts,
    requestCert: bound,
    rejectUnauthorized: false,
    minVersion: ctx.config.internal.tls.minVersion,
  }, handler);
  material.watch(ctx.config.tlsReloadSeconds, () => server.setSecureContext(material.contextOptions()));
  return server;
}
