import { Agent as HttpAgent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { createProxyMiddleware, type RequestHandler } from 'http-proxy-middleware';
import { connectErrorCodes } from '../../adapters/kit/model.ts';
import { Problem } from '../errors/problem.ts';
import { tooLarge } from './body.ts';
import { traceparentOf, type Exchange } from './exchange.ts';

interface InFlight {
  ex: Exchange;
  resolve: () => void;
  reject: (problem: Problem) => void;
  proxyReq?: ClientRequest;
  proxyRes?: IncomingMessage;
  timer?: NodeJS.Timeout;
  /** The upstream's status line arrived: the answer streams to the caller from here on. */
  answering: boolean;
  /** The promise is settled (answer ended, or failed). */
  settled: boolean;
  overLimit: boolean;
}

/**
 * Per-exchange state rides on the request under a symbol. (A WeakMap keyed by requests was
 * measured at ~40 µs per exchange: every short-lived key is an ephemeron the GC must trace.)
 */
const inFlight = Symbol('penghubung.inFlight');
type CarryingState = IncomingMessage & { [inFlight]?: InFlight };

function stateOf(req: IncomingMessage): InFlight | undefined {
  return (req as CarryingState)[inFlight];
}

/** Headers of the caller that stay at the gateway: its SSO token is for the gateway, not the upstream. */
const strippedHeaders = ['authorization', 'cookie', 'proxy-authorization'];

/**
 * Passthrough forwarding: streams the request to the contract's upstream with
 * http-proxy-middleware (on httpxy) over keep-alive connections, and the answer back, hashing and
 * counting both directions on the way. One proxy per upstream.
 */
export class Forwarder {
  private readonly proxies = new Map<string, RequestHandler>();
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
  private readonly bodyLimit: number;

  constructor(bodyLimit: number) {
    this.bodyLimit = bodyLimit;
  }

  private proxyFor(upstream: URL): RequestHandler {
    let proxy = this.proxies.get(upstream.href);
    if (proxy) return proxy;
    proxy = createProxyMiddleware<IncomingMessage, ServerResponse>({
      target: upstream.href,
      changeOrigin: true,
      xfwd: true,
      agent: upstream.protocol === 'https:' ? this.httpsAgent : this.httpAgent,
      ejectPlugins: true,
      plugins: [
        (server) => {
          server.on('proxyReq', (proxyReq, req) => this.onProxyReq(proxyReq, req as IncomingMessage));
          server.on('proxyRes', (proxyRes, req) => this.onProxyRes(proxyRes, req as IncomingMessage));
          server.on('error', (error, req) => this.onError(error, req as IncomingMessage));
        },
      ],
    });
    this.proxies.set(upstream.href, proxy);
    return proxy;
  }

  /**
   * Resolves once the upstream's answer has streamed to the caller in full. Rejects with a Problem
   * when there is no answer in time, or when the answer stops (no byte for the contract's
   * timeout) or is cut off after it started: the caller's connection is then cut too, since its
   * status line is already out, and the exchange and the breaker record the failure.
   */
  forward(ex: Exchange, timeoutMs = ex.match!.route.contract.timeoutMs): Promise<void> {
    const { route, rest } = ex.match!;
    const upstream = route.contract.upstream!.name;
    if (ex.upstream.connectFailed) ex.upstream.connectFailed = false; // a retry: this attempt decides
    return new Promise<void>((resolve, reject) => {
      const state: InFlight = { ex, resolve, reject, answering: false, settled: false, overLimit: false };
      (ex.req as CarryingState)[inFlight] = state;
      ex.upstream.startedAt = performance.now();
      state.timer = setTimeout(() => {
        ex.upstream.timedOut = true;
        this.fail(state, new Problem('UPSTREAM_TIMEOUT', state.answering
          ? `${upstream} stopped sending its answer for ${timeoutMs} ms.`
          : `${upstream} did not answer within ${route.contract.timeoutMs} ms.`));
      }, timeoutMs);
      // httpxy appends req.url to the target's own path.
      ex.req.url = rest === '/' ? ex.search : rest + ex.search;
      void this.proxyFor(route.upstream!)(ex.req, ex.res, (error?: unknown) => {
        if (error) this.onError(error as Error, ex.req);
      });
    });
  }

  private onProxyReq(proxyReq: ClientRequest, req: IncomingMessage): void {
    const state = stateOf(req);
    if (!state) return;
    state.proxyReq = proxyReq;
    const { ex } = state;
    if (state.settled || state.answering) {
      proxyReq.destroy();
      return;
    }
    for (const name of strippedHeaders) proxyReq.removeHeader(name);
    proxyReq.setHeader('x-request-id', ex.id);
    proxyReq.setHeader('traceparent', traceparentOf(ex.trace));
    if (ex.consumer) proxyReq.setHeader('x-penghubung-consumer', ex.consumer.clientId);
    if (ex.partner) proxyReq.setHeader('x-penghubung-partner', ex.partner.id);
    if (ex.agreement) proxyReq.setHeader('x-penghubung-agreement', ex.agreement.number);
    proxyReq.setHeader('x-penghubung-contract', ex.match!.route.contract.id);
    if (ex.body) {
      // The body was read for validation; the stream is spent, so send the bytes themselves.
      proxyReq.setHeader('content-length', ex.body.length);
      proxyReq.write(ex.body);
      return;
    }
    req.on('data', (chunk: Buffer) => {
      ex.bytesIn += chunk.length;
      if (ex.bytesIn > this.bodyLimit) {
        if (!state.overLimit) {
          state.overLimit = true;
          this.fail(state, tooLarge(this.bodyLimit));
          proxyReq.destroy();
        }
        return;
      }
      ex.requestHash.update(chunk);
    });
  }

  private onProxyRes(proxyRes: IncomingMessage, req: IncomingMessage): void {
    const state = stateOf(req);
    if (!state || state.settled || state.answering) {
      proxyRes.destroy();
      return;
    }
    const { ex } = state;
    state.answering = true;
    state.proxyRes = proxyRes;
    ex.upstream.status = proxyRes.statusCode;
    // From here the timeout is an idle timeout: an answer that keeps flowing may take its time.
    state.timer?.refresh();
    proxyRes.on('data', (chunk: Buffer) => {
      state.timer?.refresh();
      ex.bytesOut += chunk.length;
      ex.responseHash.update(chunk);
    });
    proxyRes.on('end', () => {
      if (state.settled) return;
      state.settled = true;
      clearTimeout(state.timer);
      ex.upstream.ms = performance.now() - ex.upstream.startedAt!;
      state.resolve();
    });
    proxyRes.on('close', () => {
      if (!proxyRes.complete) this.fail(state, new Problem('UPSTREAM_INVALID_RESPONSE', `${ex.match!.route.contract.upstream!.name} cut its answer off.`));
    });
  }

  private onError(error: Error & { code?: string }, req: IncomingMessage): void {
    const state = stateOf(req);
    if (!state) return;
    const name = state.ex.match!.route.contract.upstream!.name;
    if (error.code && connectErrorCodes.has(error.code)) state.ex.upstream.connectFailed = true;
    if (error.code?.startsWith('HPE_')) {
      this.fail(state, new Problem('UPSTREAM_INVALID_RESPONSE', `${name} answered something that is not HTTP (${error.code}).`));
      return;
    }
    this.fail(state, new Problem('UPSTREAM_UNAVAILABLE', `${name} could not be reached (${error.code ?? 'connection error'}).`, {}, { 'retry-after': '5' }));
  }

  private fail(state: InFlight, problem: Problem): void {
    if (state.settled) return;
    state.settled = true;
    clearTimeout(state.timer);
    if (state.ex.upstream.startedAt !== undefined) state.ex.upstream.ms = performance.now() - state.ex.upstream.startedAt;
    state.proxyReq?.destroy();
    if (state.answering) {
      // The status line is already out: the caller learns of it by the cut connection. The problem
      // is set before the cut, so the traffic log (written on close) names it.
      state.ex.problem = problem;
      state.proxyRes?.destroy();
      if (!state.ex.res.writableFinished) state.ex.res.destroy();
    }
    state.reject(problem);
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}
