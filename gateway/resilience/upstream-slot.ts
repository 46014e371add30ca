import { Problem } from '../errors/problem.ts';
import type { Limits } from '../limits/limits.ts';

/**
 * A slot of the upstream's concurrency cap (`upstream.maxConcurrent`), shared by the live
 * exchanges and the delivery worker, so queued deliveries cannot crowd out callers (or the other
 * way round) beyond what the upstream is allowed. Returns its release; without a cap, undefined.
 * At the cap: 503 `UPSTREAM_BUSY`, nothing sent.
 */
export function takeUpstreamSlot(limits: Limits, upstream: { name: string; maxConcurrent?: number } | undefined): (() => void) | undefined {
  if (!upstream?.maxConcurrent) return undefined;
  const release = limits.acquire(`upstream:${upstream.name}`, upstream.maxConcurrent);
  if (!release) {
    throw new Problem('UPSTREAM_BUSY', `${upstream.name} already has ${upstream.maxConcurrent} calls in flight from this gateway.`, {}, { 'retry-after': '1' });
  }
  return release;
}
