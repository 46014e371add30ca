import { Problem } from '../errors/problem.ts';
import { routePrefix } from '../registry/contract.ts';
import type { PipelineContext } from './context.ts';
import { callerOf, type Exchange } from './exchange.ts';

/** At the gateway's root, or under a contract's prefix (`/{integration}/v{major}`), as the 202's relative `Location` resolves. */
const deliveryPath = /^(\/[^/]+\/v\d+)?\/deliveries\/([0-9a-f-]{36})$/;

export function asksForDelivery(ex: Exchange): boolean {
  return ex.method === 'GET' && deliveryPath.test(ex.pathname);
}

/**
 * The `Location` of a 202: `deliveries/{id}` relative to the request's own URL, so that it
 * resolves (RFC 9110 10.2.2, RFC 3986 5.2) to `{prefix}/deliveries/{id}` through any proxy that
 * publishes the contract's prefix, SPLP included, where a path from the gateway's root would not.
 */
export function deliveryLocation(pathname: string, prefix: string, id: string): string {
  const below = pathname.slice(prefix.length);
  // An operation at the prefix itself (`/lapor/v1`): its last segment is the base's file name.
  if (below === '') return `${prefix.slice(prefix.lastIndexOf('/') + 1)}/deliveries/${id}`;
  return `${'../'.repeat(below.split('/').length - 2)}deliveries/${id}`;
}

/**
 * `GET /deliveries/{id}` or `GET {prefix}/deliveries/{id}` (the `Location` of a 202): where an
 * accepted request stands, for the caller that sent it. Under a prefix, only for a delivery of a
 * contract of that prefix, so that one published API cannot be used to read another's.
 */
export async function describeDelivery(ex: Exchange, ctx: PipelineContext): Promise<void> {
  const [, prefix, id] = deliveryPath.exec(ex.pathname) as unknown as [string, string | undefined, string];
  // A prefix no active contract has is a wrong address, as the router would say of any path under it.
  const prefixRoutes = prefix === undefined ? undefined : ex.table.routes.filter((route) => routePrefix(route.contract) === prefix);
  if (prefixRoutes?.length === 0) throw new Problem('CONTRACT_NOT_FOUND', `No active contract serves ${ex.method} ${ex.pathname}.`);
  const owner = callerOf(ex);
  const delivery = await ctx.deliveries.outbox.get(id);
  const underItsPrefix = prefixRoutes === undefined || prefixRoutes.some((route) => route.contract.id === delivery?.contract);
  if (!delivery || delivery.owner !== owner || !underItsPrefix) throw new Problem('DELIVERY_NOT_FOUND', `No delivery ${id} of this caller.`);
  ex.reply.json(200, {
    deliveryId: delivery.id,
    contract: delivery.contract,
    operation: delivery.operation,
    status: delivery.state,
    attempts: delivery.attempts,
    acceptedAt: delivery.createdAt,
    updatedAt: delivery.updatedAt,
    ...(delivery.state === 'pending' ? { nextAttemptAt: delivery.nextAttemptAt } : {}),
    ...(delivery.lastError ? { lastError: delivery.lastError } : {}),
    ...(delivery.response ? { response: delivery.response } : {}),
    // The caller's own URL, shown to the caller in full; `state` none until the delivery ends.
    ...(delivery.callback ? {
      callback: {
        url: delivery.callback.url,
        state: delivery.callback.state,
        attempts: delivery.callback.attempts,
        ...(delivery.callback.state === 'pending' && delivery.callback.nextAttemptAt ? { nextAttemptAt: delivery.callback.nextAttemptAt } : {}),
        ...(delivery.callback.lastError ? { lastError: delivery.callback.lastError } : {}),
      },
    } : {}),
  });
}
