import { Problem } from '../errors/problem.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';

/** A `.` or `..` segment, written plainly or percent-encoded: what a path normaliser further on would resolve. */
const dotSegment = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;

/**
 * Which contract and operation: method + path against the routing table in force. Dot segments
 * are refused rather than resolved: the gateway and an upstream behind it must never disagree on
 * which path was asked for.
 */
export function route(ex: Exchange, _ctx: PipelineContext): void {
  if (dotSegment.test(ex.pathname)) throw new Problem('BAD_REQUEST', 'The path has "." or ".." segments; send the path they stand for.');
  const match = ex.table.match(ex.method, ex.pathname);
  if (!match) {
    const retired = ex.table.retiredContract(ex.method, ex.pathname);
    if (retired) throw new Problem('CONTRACT_RETIRED', `Contract ${retired.id} (version ${retired.version}) that served ${ex.method} ${ex.pathname} is retired.`, { contract: retired.id, version: retired.version });
    throw new Problem('CONTRACT_NOT_FOUND', `No active contract serves ${ex.method} ${ex.pathname}.`);
  }
  ex.match = match;
  // RFC 9745 and RFC 8594: a deprecated version still serves, and says until when.
  const deprecation = match.route.deprecationHeaders;
  if (deprecation) for (const name in deprecation) ex.reply.header(name, deprecation[name]!);
}
