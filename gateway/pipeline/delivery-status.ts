import { Problem } from '../errors/problem.ts';
import { answerJson } from '../listeners/exchange-listener.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

const deliveryPath = /^\/deliveries\/([0-9a-f-]{36})$/;

export function asksForDelivery(ex: Exchange): boolean {
  return ex.method === 'GET' && deliveryPath.test(ex.pathname);
}

/** `GET /deliveries/{id}` (the `Location` of a 202): where an accepted request stands, for the caller that sent it. */
export async function describeDelivery(ex: Exchange, ctx: PipelineContext): Promise<void> {
  const id = deliveryPath.exec(ex.pathname)![1]!;
  const owner = ex.consumer ? `consumer:${ex.consumer.clientId}` : `partner:${ex.partner!.id}`;
  const delivery = await ctx.deliveries.outbox.get(id);
  if (!delivery || delivery.owner !== owner) throw new Problem('DELIVERY_NOT_FOUND', `No delivery ${id} of this caller.`);
  answerJson(ex, {
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
