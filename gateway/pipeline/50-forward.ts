import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

/**
 * The upstream call. `passthrough` contracts stream through the forwarder; adapters (issue 4) will
 * plug in here by the contract's `forwarding` name, with the breaker and retries composed around.
 */
export function forward(ex: Exchange, ctx: PipelineContext): Promise<void> {
  return ctx.forwarder.forward(ex);
}
