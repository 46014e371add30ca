import { callAdapter } from './adapter-call.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

/**
 * The upstream call. `passthrough` contracts stream through the forwarder; any other `forwarding`
 * names an adapter, which maps the canonical request to its upstream and the answer back
 * (transform -> forward -> transform of DESIGN.md, inside the adapter).
 */
export function forward(ex: Exchange, ctx: PipelineContext): Promise<void> {
  return ex.match!.route.contract.forwarding === 'passthrough' ? ctx.forwarder.forward(ex) : callAdapter(ex, ctx);
}
