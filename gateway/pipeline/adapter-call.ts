import type { AdapterCall } from '../adapter-api/model.ts';
import { parseJson, readBody } from './body.ts';
import type { PipelineContext } from './context.ts';
import { traceparentOf, type Exchange } from './exchange.ts';

/** The body as JSON: already parsed by `validate` when the contract has a schema, read here otherwise. */
async function canonicalBody(ex: Exchange, ctx: PipelineContext): Promise<unknown> {
  if (ex.document !== undefined) return ex.document;
  if (ex.method === 'GET' || ex.method === 'HEAD' || ex.method === 'DELETE') return undefined;
  if (ex.body === undefined) {
    ex.body = await readBody(ex.req, ctx.config.limits.bodyBytes);
    ex.bytesIn = ex.body.length;
    ex.requestHash.update(ex.body);
  }
  return ex.body.length === 0 ? undefined : parseJson(ex.body);
}

/** The declared query parameters only: what validation did not check does not reach an adapter. */
function declaredQuery(search: string, declared: Readonly<Record<string, unknown>>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(search)) if (name in declared && !(name in query)) query[name] = value;
  return query;
}

/**
 * The adapter's side of `forward`: the validated canonical request handed to the contract's
 * adapter, its canonical answer written back. Upstream timing lands on `ex.upstream` directly.
 */
export async function callAdapter(ex: Exchange, ctx: PipelineContext): Promise<void> {
  const { route, params } = ex.match!;
  const call: AdapterCall = {
    requestId: ex.requestId,
    traceparent: traceparentOf(ex.trace),
    contractId: route.contract.id,
    operation: route.operation.id,
    consumer: ex.consumer?.clientId ?? `partner:${ex.partner!.id}`,
    params,
    query: declaredQuery(ex.search, route.operation.query),
    body: await canonicalBody(ex, ctx),
    settings: route.contract.adapterSettings,
    timing: ex.upstream,
  };
  const instance = ctx.adapters.instanceFor(route.contract, route.upstream);
  ex.handedToAdapter = true;
  const answer = await instance.execute(call);
  ex.reply.send(answer.status, { ...answer.headers, 'content-type': 'application/json' }, Buffer.from(JSON.stringify(answer.body)));
}
