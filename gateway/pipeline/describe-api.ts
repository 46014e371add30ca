import { buildOpenApi, consumerMayCall } from '../openapi/build.ts';
import { agreementsInForce, regionalDay } from '../partners/agreement-check.ts';
import { clearanceCovers } from '../registry/contract.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

/** `GET /openapi.json` asks for the caller's API description rather than an exchange with an upstream. */
export function asksForOpenApi(ex: Exchange): boolean {
  return ex.method === 'GET' && ex.pathname === '/openapi.json';
}

/** `GET /openapi.json` on the internal listener, once the caller is identified: what its token and clearance let it call. */
export function describeForConsumer(ex: Exchange, ctx: PipelineContext): void {
  const host = ex.req.headers.host ?? `${ctx.config.internal.host}:${ctx.config.internal.port}`;
  const scheme = ctx.config.internal.tls.cert ? 'https' : 'http';
  ex.reply.json(200, buildOpenApi(ex.table.routes, consumerMayCall({ grants: ex.token!.grants, clearance: ex.consumer!.clearance }), `${scheme}://${host}`));
}

/** `GET /openapi.json` for a partner: exactly what its agreements in force today cover. */
export function describeForPartner(ex: Exchange, ctx: PipelineContext): void {
  const inForce = agreementsInForce(ex.table.partners.agreementsByPartner.get(ex.partner!.id) ?? [], regionalDay(ex.receivedAt, ctx.config.timezone));
  const host = ex.req.headers.host ?? `${ctx.config.external.host}:${ctx.config.external.port}`;
  ex.reply.json(200, buildOpenApi(
    ex.table.routes,
    (route) => inForce.some((a) => a.contracts.includes(route.contract.id) && clearanceCovers(a.maxClassification, route.contract.classification)),
    `https://${host}`,
    'mutualTLS',
  ));
}
