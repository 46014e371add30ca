import { guardedCall, outcomeOfStatus, retryable, takeUpstreamSlot } from '../resilience/index.ts';
import { callAdapter } from './adapter-call.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';
import { hasRequestBody } from './forward-headers.ts';

/** The upstream's concurrency cap: a slot held until the answer is over. */
function takeSlot(ex: Exchange, ctx: PipelineContext): void {
  const release = takeUpstreamSlot(ctx.limits, ex.match!.route.contract.upstream);
  if (release) ex.reply.onClose(release);
}

/**
 * A passthrough request the gateway can send again by itself: an idempotent method (RFC 9110
 * §9.2.2) whose body is either absent or already read (validated), so nothing of the caller's
 * stream is spent. A POST, even with an idempotency key, is not: whether the upstream honours the
 * key is not known to the gateway.
 */
function repeatable(ex: Exchange): boolean {
  if (!retryable(ex.method)) return false;
  return ex.body !== undefined || !hasRequestBody(ex.req);
}

/**
 * The upstream call. `passthrough` contracts stream through the forwarder, inside the upstream's
 * circuit breaker. A repeatable request whose attempt failed before any of the answer reached the
 * caller (connection refused or reset, a timeout with time left) is tried again with backoff,
 * within the contract's timeout and the upstream's retry budget; an answer that streams to the
 * caller is never retried, its 5xx only counts against the breaker. Any other `forwarding` names
 * an adapter, which maps the canonical request to its upstream and the answer back (transform ->
 * forward -> transform of DESIGN.md); its client runs each upstream request through the same
 * breaker, with retries where safe.
 */
export async function forward(ex: Exchange, ctx: PipelineContext): Promise<void> {
  const { contract } = ex.match!.route;
  takeSlot(ex, ctx);
  if (contract.forwarding !== 'passthrough') return callAdapter(ex, ctx);
  const breaker = ctx.breakers.for(contract.upstream!.name, contract.resilience?.breaker);
  const judge = () => outcomeOfStatus(ex.upstream.status ?? 0);
  // Not repeatable: the breaker alone, without the retry wrapper on the hot path.
  if (!repeatable(ex)) return breaker.run(() => ctx.forwarder.forward(ex), judge);
  await guardedCall(breaker, ({ remainingMs }) => ctx.forwarder.forward(ex, remainingMs), {
    method: ex.method,
    policy: contract.resilience?.retries,
    judge,
    // Not for a caller that has gone meanwhile: nobody would get the answer.
    repeatable: () => !ex.reply.started && !ex.reply.callerGone,
    deadlineMs: contract.timeoutMs,
  });
}
