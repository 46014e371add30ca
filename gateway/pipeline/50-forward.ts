import { Problem } from '../errors/problem.ts';
import { outcomeOfStatus } from '../resilience/index.ts';
import { callAdapter } from './adapter-call.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

/** The upstream's concurrency cap (`upstream.maxConcurrent`): a slot held until the answer is over. */
function takeSlot(ex: Exchange, ctx: PipelineContext): void {
  const upstream = ex.match!.route.contract.upstream;
  if (!upstream?.maxConcurrent) return;
  const release = ctx.limits.acquire(`upstream:${upstream.name}`, upstream.maxConcurrent);
  if (!release) {
    throw new Problem('UPSTREAM_BUSY', `${upstream.name} already has ${upstream.maxConcurrent} calls in flight from this gateway.`, {}, { 'retry-after': '1' });
  }
  ex.res.once('close', release);
}

/**
 * The upstream call. `passthrough` contracts stream through the forwarder, inside the upstream's
 * circuit breaker (an answer that already streams to the caller is never retried: a 5xx only
 * counts against the breaker). Any other `forwarding` names an adapter, which maps the canonical
 * request to its upstream and the answer back (transform -> forward -> transform of DESIGN.md);
 * its client runs each upstream request through the same breaker, with retries where safe.
 */
export async function forward(ex: Exchange, ctx: PipelineContext): Promise<void> {
  const { contract } = ex.match!.route;
  takeSlot(ex, ctx);
  if (contract.forwarding !== 'passthrough') return callAdapter(ex, ctx);
  const breaker = ctx.breakers.for(contract.upstream!.name, contract.resilience?.breaker);
  // No retries here (the answer streams to the caller), so the breaker alone, without the retry wrapper on the hot path.
  await breaker.run(() => ctx.forwarder.forward(ex), () => outcomeOfStatus(ex.upstream.status ?? 0));
}
