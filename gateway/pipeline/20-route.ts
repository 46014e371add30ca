import { Problem } from '../errors/problem.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

/** Which contract and operation: method + path against the routing table in force. */
export function route(ex: Exchange, _ctx: PipelineContext): void {
  const match = ex.table.match(ex.method, ex.pathname);
  if (!match) throw new Problem('CONTRACT_NOT_FOUND', `No active contract serves ${ex.method} ${ex.pathname}.`);
  ex.match = match;
}
