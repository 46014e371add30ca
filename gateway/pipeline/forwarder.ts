import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { connectErrorCodes } from '../upstream/model.ts';
import type { UpstreamPools } from '../upstream/pools.ts';
import { Problem } from '../errors/problem.ts';
import { tooLarge } from './body.ts';
import type { Exchange } from './exchange.ts';
import { callerResponseHeaders, hasRequestBody, upstreamRequestHeaders } from './forward-headers.ts';

/** Settles one `forward` call: resolved once the answer reached the caller in full, rejected with a Problem. */
interface Settle {
  resolve: () => void;
  reject: (problem: Problem) => void;
}

/**
 * One attempt at the upstream, as an undici dispatch handler: the answer's status and headers go
 * to the caller, then its bytes, counted and hashed as they pass, with the caller's backpressure
 * passed on to the upstream connection. Settles exactly once.
 */
class UpstreamAttempt implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private readonly timer: NodeJS.Timeout;
  /** The upstream's status line arrived: the answer streams to the caller from here on. */
  private answering = false;
  private settled = false;
  /** The caller's socket is full: the upstream connection is paused until it drains. */
  private waitingForDrain = false;
  private readonly ex: Exchange;
  private readonly settle: Settle;
  private readonly upstreamName: string;

  constructor(ex: Exchange, settle: Settle, timeoutMs: number) {
    this.ex = ex;
    this.settle = settle;
    this.upstreamName = ex.match!.route.contract.upstream!.name;
    ex.upstream.startedAt = performance.now();
    this.timer = setTimeout(() => {
      ex.upstream.timedOut = true;
      this.fail(new Problem('UPSTREAM_TIMEOUT', this.answering
        ? `${this.upstreamName} stopped sending its answer for ${timeoutMs} ms.`
        : `${this.upstreamName} did not answer within ${ex.match!.route.contract.timeoutMs} ms.`));
    }, timeoutMs);
  }

  /** The caller went away before its answer was complete: the upstream call is abandoned, not held against the upstream. */
  callerGone(): void {
    if (!this.settled) this.fail(new Problem('BAD_REQUEST', 'The caller closed the connection before its answer was complete.'));
  }

  /** The caller's body grew past the limit while it streamed to the upstream. */
  bodyTooLarge(limit: number): void {
    this.fail(tooLarge(limit));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(new Error('attempt already settled'));
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    if (this.settled) return controller.abort(new Error('attempt already settled'));
    const { ex } = this;
    ex.upstream.status = statusCode;
    this.answering = true;
    // From here the timeout is an idle timeout: an answer that keeps flowing may take its time.
    this.timer.refresh();
    // undici's parser already refused names and values node would not send (HPE_ errors below).
    ex.reply.start(statusCode, callerResponseHeaders(headers), statusMessage);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    const { ex } = this;
    this.timer.refresh();
    if (ex.reply.write(chunk)) return;
    // An answer held whole for its receipt outgrew the bound: nothing of it went out yet.
    if (ex.reply.overflow) return this.fail(ex.reply.overflow);
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      controller.pause();
      ex.reply.onDrain(() => {
        this.waitingForDrain = false;
        controller.resume();
      });
    }
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.ex.upstream.ms = performance.now() - this.ex.upstream.startedAt!;
    this.ex.reply.end();
    this.settle.resolve();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.failedWith(error);
  }

  /** Names what went wrong, for the caller and the breaker. */
  failedWith(error: Error & { code?: string }): void {
    if (this.settled) return;
    const name = this.upstreamName;
    if (error.code && connectErrorCodes.has(error.code)) this.ex.upstream.connectFailed = true;
    if (error.code?.startsWith('HPE_')) {
      return this.fail(new Problem('UPSTREAM_INVALID_RESPONSE', `${name} answered something that is not HTTP (${error.code}).`));
    }
    if (this.answering) return this.fail(new Problem('UPSTREAM_INVALID_RESPONSE', `${name} cut its answer off.`));
    if (error.code === 'UND_ERR_INVALID_ARG') return this.fail(new Problem('BAD_REQUEST', `The request cannot be forwarded: ${error.message}.`));
    this.fail(new Problem('UPSTREAM_UNAVAILABLE', `${name} could not be reached (${error.code ?? 'connection error'}).`, {}, { 'retry-after': '5' }));
  }

  private fail(problem: Problem): void {
    if (this.settled) return;
    this.settled = true;
    const { ex } = this;
    clearTimeout(this.timer);
    if (ex.upstream.startedAt !== undefined) ex.upstream.ms = performance.now() - ex.upstream.startedAt;
    this.controller?.abort(problem);
    if (this.answering) {
      // The status line is already out: the caller learns of it by the cut connection. The problem
      // is set before the cut, so the traffic log (written on close) names it.
      ex.problem = problem;
      ex.reply.cut();
    }
    this.settle.reject(problem);
  }
}

/**
 * Passthrough forwarding: streams the request to the contract's upstream over a keep-alive undici
 * pool (one per upstream origin), and the answer back, hashing and counting both directions on the
 * way. undici's dispatcher API rather than a proxy library: measured on this hot path at about half
 * the CPU per request of http-proxy-middleware (docs/architecture.md, "The forwarder").
 */
export class Forwarder {
  private readonly bodyLimit: number;
  private readonly pools: UpstreamPools;

  constructor(bodyLimit: number, pools: UpstreamPools) {
    this.bodyLimit = bodyLimit;
    this.pools = pools;
  }

  /**
   * Resolves once the upstream's answer has streamed to the caller in full. Rejects with a Problem
   * when there is no answer in time, or when the answer stops (no byte for the contract's
   * timeout) or is cut off after it started: the caller's connection is then cut too, since its
   * status line is already out, and the exchange and the breaker record the failure.
   */
  forward(ex: Exchange, timeoutMs = ex.match!.route.contract.timeoutMs): Promise<void> {
    const { route, rest } = ex.match!;
    const upstream = route.upstream!;
    if (ex.upstream.connectFailed) ex.upstream.connectFailed = false; // a retry: this attempt decides
    return new Promise<void>((resolve, reject) => {
      let stopWatching = () => {};
      const attempt = new UpstreamAttempt(ex, {
        resolve: () => (stopWatching(), resolve()),
        reject: (problem) => (stopWatching(), reject(problem)),
      }, timeoutMs);
      stopWatching = ex.reply.onClose(() => attempt.callerGone());
      const base = upstream.pathname.endsWith('/') ? upstream.pathname.slice(0, -1) : upstream.pathname;
      const sendsReadBody = ex.body !== undefined;
      try {
        this.pools.poolFor(upstream, route.contract.upstream!.name, route.contract.timeoutMs).dispatch({
          path: (rest === '/' ? base || '/' : base + rest) + ex.search,
          method: ex.method,
          headers: upstreamRequestHeaders(ex, upstream, sendsReadBody),
          body: sendsReadBody ? ex.body : hasRequestBody(ex.req) ? this.countedBody(ex, attempt) : null,
        }, attempt);
      } catch (error) {
        // undici refuses a request it cannot send (an invalid header or method) before dispatching it.
        attempt.failedWith(error as Error);
      }
    });
  }

  /** The caller's body as it streams to the upstream: counted, hashed and held to the body limit. */
  private countedBody(ex: Exchange, attempt: UpstreamAttempt): Exchange['req'] {
    ex.req.on('data', (chunk: Buffer) => {
      ex.bytesIn += chunk.length;
      if (ex.bytesIn > this.bodyLimit) attempt.bodyTooLarge(this.bodyLimit);
      else ex.requestHash.update(chunk);
    });
    return ex.req;
  }

  close(): void {
    this.pools.close();
  }
}
