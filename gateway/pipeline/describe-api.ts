import { isIPv6 } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { buildOpenApi, consumerMayCall } from '../openapi/build.ts';
import { agreementsInForce, regionalDay } from '../partners/agreement-check.ts';
import { clearanceCovers } from '../registry/contract.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

/** `GET /openapi.json` asks for the caller's API description rather than an exchange with an upstream. */
export function asksForOpenApi(ex: Exchange): boolean {
  return ex.method === 'GET' && ex.pathname === '/openapi.json';
}

/**
 * The listener's URL for `servers`: the configured `publicUrl`, else the address the connection
 * arrived on. Never the `Host` header: the caller writes it, and a description naming the
 * caller's host would send the next reader (a portal, a code generator) wherever it says.
 */
function listenerUrl(ex: Exchange, publicUrl: string | null): string {
  if (publicUrl) return publicUrl.replace(/\/$/, '');
  const { localAddress = '127.0.0.1', localPort } = ex.req.socket;
  const scheme = (ex.req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${isIPv6(localAddress) ? `[${localAddress}]` : localAddress}:${localPort}`;
}

/** `GET /openapi.json` on the internal listener, once the caller is identified: what its token and clearance let it call. */
export function describeForConsumer(ex: Exchange, ctx: PipelineContext): void {
  ex.reply.json(200, buildOpenApi(ex.table.routes, consumerMayCall({ grants: ex.token!.grants, clearance: ex.consumer!.clearance }), listenerUrl(ex, ctx.config.internal.publicUrl)));
}

/** `GET /openapi.json` for a partner: exactly what its agreements in force today cover. */
export function describeForPartner(ex: Exchange, ctx: PipelineContext): void {
  const inForce = agreementsInForce(ex.table.partners.agreementsByPartner.get(ex.partner!.id) ?? [], regionalDay(ex.receivedAt, ctx.config.timezone));
  ex.reply.json(200, buildOpenApi(
    ex.table.routes,
    (route) => inForce.some((a) => a.contracts.includes(route.contract.id) && clearanceCovers(a.maxClassification, route.contract.classification)),
    listenerUrl(ex, ctx.config.external.publicUrl),
    'mutualTLS',
  ));
}
