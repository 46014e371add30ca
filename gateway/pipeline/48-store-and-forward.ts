import type { TrafficRow } from '../traffic/row.ts';
import { createHash, randomUUID } from 'node:crypto';
import { acceptCallback } from '../delivery/callbacks.ts';
import { Outbox, type StoredRequest } from '../delivery/outbox.ts';
import { routePrefix } from '../registry/contract.ts';
import { insertTrafficRows } from '../traffic/traffic-log.ts';
import { parseJson, readBody } from './body.ts';
import type { PipelineContext } from './context.ts';
import { callerOf, type Exchange } from './exchange.ts';
import { trafficRowOf } from './60-record.ts';
import { deliveryLocation } from './delivery-status.ts';

class CallerLeft extends Error {}

/** RFC 6901 JSON pointer, for the order key of a delivery. */
function pointer(document: unknown, path: string): string {
  let value: unknown = document;
  for (const token of path.split('/').slice(1).map((t) => t.replaceAll('~1', '/').replaceAll('~0', '~'))) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[token] : undefined;
  }
  return value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Store-and-forward (`delivery: async` in the contract): the validated request is written to the
 * outbox in one transaction with its traffic-log row, and answered 202 with the delivery id and a
 * `Location` to poll. The worker sends it when the upstream can take it, across restarts; the
 * caller no longer waits on a national system that may be out of reach for hours. A
 * `Penghubung-Callback` header (allowed origins only) is stored with it and notified when it ends;
 * the header is refused before anything is stored, also on an operation that is not async.
 */
export async function storeAndForward(ex: Exchange, ctx: PipelineContext): Promise<void> {
  const { route, params, rest } = ex.match!;
  const delivery = route.operation.delivery;
  // `headersDistinct` builds a copy of every header: only asked for when the header is there.
  const callbackHeader = ex.req.headers['penghubung-callback'] === undefined ? undefined : ex.req.headersDistinct['penghubung-callback'];
  const callbackUrl = acceptCallback(callbackHeader, delivery?.mode === 'async', ctx.config.delivery.callbacks);
  if (delivery?.mode !== 'async') return;
  if (ex.body === undefined && ex.method !== 'GET' && ex.method !== 'HEAD') {
    ex.body = await readBody(ex.req, ctx.config.limits.bodyBytes);
    ex.bytesIn = ex.body.length;
    ex.requestHash.update(ex.body);
  }
  const id = randomUUID();
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(ex.search)) if (name in route.operation.query && !(name in query)) query[name] = value;
  const request: StoredRequest = {
    method: ex.method,
    rest,
    search: ex.search,
    params,
    query,
    contentType: typeof ex.req.headers['content-type'] === 'string' ? ex.req.headers['content-type'] : null,
    body: ex.body && ex.body.length > 0 ? ex.body.toString('base64') : null,
    requestId: ex.requestId,
    traceId: ex.trace.traceId,
    consumer: ex.consumer?.clientId ?? null,
    partner: ex.partner?.id ?? null,
    agreement: ex.agreement?.number ?? null,
  };
  const document = ex.document ?? (ex.body && ex.body.length > 0 && delivery.orderKey ? parseJson(ex.body) : undefined);
  const orderKey = delivery.orderKey ? `${route.contract.id}:${pointer(document, delivery.orderKey)}` : null;
  const owner = callerOf(ex);
  const location = deliveryLocation(ex.pathname, routePrefix(route.contract), id);
  const body = Buffer.from(JSON.stringify({ deliveryId: id, status: 'pending', location }));
  let early: TrafficRow | undefined;
  const accepted = await ctx.store.transaction(async (tx) => {
    await Outbox.add(tx, { id, owner, contract: route.contract.id, operation: route.operation.id, request, orderKey, maxAttempts: delivery.maxAttempts ?? ctx.config.delivery.defaultMaxAttempts, callbackUrl });
    // A caller that left while the store was slow would never learn the delivery id: without it
    // the delivery is not accepted (rolled back), so its retry does not file it twice. (No
    // deadline of the exchange's own bounds this wait, unlike the idempotency claim: a late
    // acceptance could not be undone before the worker sends it. `store.queryTimeoutSeconds` does.)
    if (ex.reply.callerGone) throw new CallerLeft();
    // Logged with the answer it is about to get; the exchange counts that answer only once it is
    // accepted (should the transaction fail, the caller gets a problem, hashed as sent).
    early = { ...trafficRowOf(ex, 202), bytesOut: body.length, responseSha256: createHash('sha256').update(body).digest('hex') };
    await insertTrafficRows(tx, [early]);
    return true;
  }).catch((error: unknown) => {
    if (error instanceof CallerLeft) return false;
    throw error;
  });
  if (!accepted) return;
  // Written unchained in the outbox's transaction: the writer gives it its place in the chain.
  ctx.traffic.chainStored(early!);
  ex.deliveryId = id;
  ex.reply.send(202, { location, 'content-type': 'application/json' }, body);
  void ctx.deliveries.worker.tick();
}
