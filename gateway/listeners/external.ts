import { createServer, type Server } from 'node:https';
import type { TlsMaterial } from '../partners/tls-material.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import { externalPipelines } from '../pipeline/for-external.ts';
import { exchangeListener } from './exchange-listener.ts';
import type { Health } from './health.ts';

/**
 * The partner listener (Pasal 21-22 of Perbup 001, Pasal 46 of Perbup 004: it is the one to put
 * in the DMZ). TLS 1.2 or newer; a client certificate is requested but a missing or bad one does
 * not fail the handshake: `identifyPartner` answers each case with its own problem code, and the
 * exchange is in the traffic log like every other.
 */
export function createExternalServer(ctx: PipelineContext, material: TlsMaterial, health: Health, isDraining: () => boolean): Server {
  const partnerCtx: PipelineContext = { ...ctx, revocations: material };
  const server = createServer({
    ...material.contextOptions(),
    requestCert: true,
    rejectUnauthorized: false,
    minVersion: ctx.config.external.tls.minVersion,
    keepAliveTimeout: 65_000,
    requestTimeout: 120_000,
  }, exchangeListener(partnerCtx, health, {
    listener: 'external',
    trustProxy: ctx.config.external.trustProxy,
    isDraining,
    pipelineFor: externalPipelines,
  }));
  material.watch(ctx.config.tlsReloadSeconds, () => server.setSecureContext(material.contextOptions()));
  return server;
}
