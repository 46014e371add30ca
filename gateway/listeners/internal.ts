import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { noRevocations, type TlsMaterial } from '../partners/tls-material.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { internalPipelines } from '../pipeline/for-internal.ts';
import { exchangeListener } from './exchange-listener.ts';
import type { Health } from './health.ts';

/**
 * The PD applications' listener: every call is an exchange through the pipeline. Plain HTTP on
 * the intra network by default; HTTPS when `internal.tls.cert` is set, and with
 * `internal.requireClientCert` the token's consumer must hold the connection's client certificate.
 */
export function createInternalServer(ctx: PipelineContext, health: Health, isDraining: () => boolean, material: TlsMaterial | null): Server {
  const internalCtx: PipelineContext = { ...ctx, revocations: material ?? noRevocations };
  const bound = ctx.config.internal.requireClientCert;
  const handler = exchangeListener(internalCtx, health, {
    listener: 'internal',
    trustProxy: ctx.config.internal.trustProxy,
    isDraining,
    pipelineFor: internalPipelines(bound),
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
