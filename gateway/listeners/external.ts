import { createServer, type Server } from 'node:https';
import { buildOpenApi } from '../openapi/build.ts';
import { agreementsInForce, regionalDay } from '../partners/agreement-check.ts';
import type { TlsMaterial } from '../partners/tls-material.ts';
import { clearanceCovers } from '../registry/contract.ts';
import type { PipelineContext } from '../pipeline/context.ts';
import type { Exchange } from '../pipeline/exchange.ts';
import { identifyPartner } from '../pipeline/12-identify-partner.ts';
import { asksForDelivery, describeDelivery } from '../pipeline/delivery-status.ts';
import { partnerStages } from '../pipeline/index.ts';
import { answerJson } from '../pipeline/answer-json.ts';
import { asksForOpenApi, exchangeListener } from './exchange-listener.ts';
import type { Health } from './health.ts';

/** `GET /openapi.json` for a partner: exactly what its agreements in force today cover. */
function describeForPartner(ex: Exchange, ctx: PipelineContext): void {
  const inForce = agreementsInForce(ex.table.partners.agreementsByPartner.get(ex.partner!.id) ?? [], regionalDay(ex.receivedAt, ctx.config.timezone));
  const host = ex.req.headers.host ?? `${ctx.config.external.host}:${ctx.config.external.port}`;
  const document = buildOpenApi(
    ex.table.routes,
    (route) => inForce.some((a) => a.contracts.includes(route.contract.id) && clearanceCovers(a.maxClassification, route.contract.classification)),
    `https://${host}`,
    'mutualTLS',
  );
  answerJson(ex, document);
}

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
    stagesFor: (ex) => (asksForOpenApi(ex) ? [identifyPartner, describeForPartner] : asksForDelivery(ex) ? [identifyPartner, describeDelivery] : partnerStages),
  }));
  material.watch(ctx.config.tlsReloadSeconds, () => server.setSecureContext(material.contextOptions()));
  return server;
}
