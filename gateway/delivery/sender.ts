import { randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import type { AdapterCall } from '../adapter-api/model.ts';
import { upstreamConnector } from '../upstream/connector.ts';
import { connectErrorCodes, connectTimeoutFor, type UpstreamTiming } from '../upstream/model.ts';
import { Problem } from '../errors/problem.ts';
import type { AdapterHost } from '../adapter-host/adapter-host.ts';
import type { Route, RoutingTable } from '../registry/routing-table.ts';
import type { Limits } from '../limits/limits.ts';
import { guardedCall, outcomeOfStatus, retryableStatuses, takeUpstreamSlot, type Breakers } from '../resilience/index.ts';
import type { Delivery } from './outbox.ts';

export type Outcome =
  | { kind: 'delivered'; response: { status: number; body: unknown } }
  /** Nothing was done upstream (no connection, "try later" answer): send again later. */
  | { kind: 'retry'; error: string }
  /** The gateway held it back (circuit open, concurrency cap): try again then, without using up an attempt. */
  | { kind: 'wait'; error: string; delayMs: number }
  /** The upstream's final word (a refusal), or an outcome nobody can know (timeout): a person decides. */
  | { kind: 'park'; error: string; response?: { status: number; body: unknown } };

export interface SenderDeps { table: RoutingTable; adapters: AdapterHost; breakers: Breakers; limits: Limits; agents: DeliveryAgents }

function bodyOf(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A failed attempt: retried only when the upstream surely did nothing with it. */
function classify(error: unknown, timing: UpstreamTiming, requestId: string): Outcome {
  if (!(error instanceof Problem)) return { kind: 'park', error: `gateway fault: ${(error as Error).message}` };
  const words = `${error.code}: ${error.message}`;
  switch (error.code) {
    case 'UPSTREAM_CIRCUIT_OPEN':
    case 'UPSTREAM_BUSY':
      return { kind: 'wait', error: words, delayMs: Math.max(1, Number(error.headers['retry-after'] ?? 1)) * 1000 };
    case 'UPSTREAM_AUTH_FAILED': // the gateway's own credentials: fixed by the Dinas, then it goes out
      return { kind: 'retry', error: words };
    case 'UPSTREAM_UNAVAILABLE':
      if (timing.connectFailed || (timing.status !== undefined && retryableStatuses.has(timing.status))) return { kind: 'retry', error: words };
      return { kind: 'park', error: `outcome unknown (${words})` };
    case 'UPSTREAM_TIMEOUT':
      return { kind: 'park', error: `outcome unknown: ${words}` };
    default:
      return { kind: 'park', error: words, response: { status: error.status, body: error.toDocument(requestId) } };
  }
}

async function viaAdapter(delivery: Delivery, route: Route, deps: SenderDeps): Promise<Outcome> {
  const stored = delivery.request;
  const timing: UpstreamTiming = {};
  const call: AdapterCall = {
    requestId: stored.requestId,
    traceparent: `00-${stored.traceId}-${randomBytes(8).toString('hex')}-01`,
    contractId: route.contract.id,
    operation: route.operation.id,
    consumer: stored.consumer ?? `partner:${stored.partner ?? ''}`,
    params: stored.params,
    query: stored.query,
    body: stored.body === null ? undefined : JSON.parse(Buffer.from(stored.body, 'base64').toString('utf8')),
    settings: route.contract.adapterSettings,
    timing,
  };
  try {
    const answer = await deps.adapters.instanceFor(route.contract, route.upstream).execute(call);
    if (answer.status < 300) return { kind: 'delivered', response: { status: answer.status, body: answer.body } };
    return { kind: 'park', error: `answered ${answer.status}`, response: { status: answer.status, body: answer.body } };
  } catch (error) {
    return classify(error, timing, stored.requestId);
  }
}

/** Keep-alive agents of one worker's passthrough deliveries, by connect timeout (`connectTimeoutFor`). */
export class DeliveryAgents {
  private readonly agents = new Map<number, Agent>();

  for(timeoutMs: number): Agent {
    const connectMs = connectTimeoutFor(timeoutMs);
    let agent = this.agents.get(connectMs);
    if (!agent) this.agents.set(connectMs, (agent = new Agent({ connect: upstreamConnector(timeoutMs) })));
    return agent;
  }

  async close(): Promise<void> {
    const all = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(all.map((agent) => agent.close()));
  }
}

async function viaPassthrough(delivery: Delivery, route: Route, deps: SenderDeps): Promise<Outcome> {
  const stored = delivery.request;
  const { contract } = route;
  const timing: UpstreamTiming = {};
  const base = route.upstream!;
  const url = new URL(`${base.pathname.replace(/\/$/, '')}${stored.rest === '/' ? '' : stored.rest}${stored.search}`, base);
  const headers: Record<string, string> = { 'x-request-id': stored.requestId, traceparent: `00-${stored.traceId}-${randomBytes(8).toString('hex')}-01`, 'x-penghubung-contract': contract.id };
  if (stored.contentType) headers['content-type'] = stored.contentType;
  if (stored.consumer) headers['x-penghubung-consumer'] = stored.consumer;
  if (stored.partner) headers['x-penghubung-partner'] = stored.partner;
  if (stored.agreement) headers['x-penghubung-agreement'] = stored.agreement;
  try {
    const answer = await guardedCall(deps.breakers.for(contract.upstream!.name, contract.resilience?.breaker), async () => {
      timing.startedAt = performance.now();
      try {
        const res = await request(url, { dispatcher: deps.agents.for(contract.timeoutMs), method: stored.method as 'POST', headers, body: stored.body === null ? null : Buffer.from(stored.body, 'base64'), signal: AbortSignal.timeout(contract.timeoutMs) });
        timing.status = res.statusCode;
        return { status: res.statusCode, text: await res.body.text() };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if ((error as Error).name === 'TimeoutError') throw new Problem('UPSTREAM_TIMEOUT', `${contract.upstream!.name} did not answer within ${contract.timeoutMs} ms.`);
        if (code && connectErrorCodes.has(code)) timing.connectFailed = true;
        throw new Problem('UPSTREAM_UNAVAILABLE', `${contract.upstream!.name} could not be reached (${code ?? 'connection error'}).`);
      }
    }, { method: stored.method, policy: { attempts: 0 }, judge: (a) => outcomeOfStatus(a.status) });
    const response = { status: answer.status, body: bodyOf(answer.text) };
    if (answer.status < 300) return { kind: 'delivered', response };
    if (retryableStatuses.has(answer.status)) return { kind: 'retry', error: `answered ${answer.status}` };
    return { kind: 'park', error: `answered ${answer.status}`, response };
  } catch (error) {
    return classify(error, timing, stored.requestId);
  }
}

/**
 * One delivery attempt with the routing table in force: the contract's adapter or its passthrough
 * upstream, within the upstream's concurrency cap like any live exchange (at the cap it waits).
 */
export async function sendDelivery(delivery: Delivery, deps: SenderDeps): Promise<Outcome> {
  const route = deps.table.routes.find((r) => r.contract.id === delivery.contract && r.operation.id === delivery.operation);
  if (!route) return { kind: 'park', error: `contract ${delivery.contract} (${delivery.operation}) is no longer active` };
  let release: (() => void) | undefined;
  try {
    release = takeUpstreamSlot(deps.limits, route.contract.upstream);
  } catch (error) {
    return classify(error, {}, delivery.request.requestId);
  }
  try {
    return await (route.contract.forwarding === 'passthrough' ? viaPassthrough(delivery, route, deps) : viaAdapter(delivery, route, deps));
  } finally {
    release?.();
  }
}
