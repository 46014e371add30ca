import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { languageHeaders, preferredLanguage } from '../errors/language.ts';
import { Problem } from '../errors/problem.ts';

/** An answer on its way to the caller, as the response filters see it. */
export interface OutgoingAnswer {
  status: number;
  /** Lower-case names; a filter may change them. */
  headers: OutgoingHttpHeaders;
  /** The whole body, or null when it streams from the upstream (a filter then sees the head only). */
  body: Buffer | null;
}

/** The caller's request id (echoed as `X-Request-Id`) and the gateway's own exchange id (`Penghubung-Exchange-Id`). */
export interface ExchangeIds { requestId: string; exchangeId: string }

/** Sees each answer before it is written: the response phase's filters (the field classification filter of DESIGN.md). */
export type AnswerFilter = (answer: OutgoingAnswer) => void;

/**
 * Seals a whole answer (filtered, as it will be sent) before its head goes out: returns the
 * headers to add, a signed receipt over the body. Never rejects: a seal that fails adds nothing.
 */
export type AnswerSeal = (answer: OutgoingAnswer & { body: Buffer }) => Promise<OutgoingHttpHeaders>;

/** A streamed answer held whole until it can be sealed. */
interface HeldAnswer { status: number; headers: OutgoingHttpHeaders; statusMessage: string | undefined; chunks: Buffer[]; bytes: number }

/**
 * The answer of one exchange (fastify's reply): the only writer of the caller's response. Every
 * way of answering (a stage's own JSON, an adapter's canonical answer, an idempotent replay, a
 * 202 of store-and-forward, a refusal, the upstream's stream) goes through it, so each byte is
 * counted and hashed for the traffic log, each answer passes the response filters, and
 * idempotency keeps a copy without patching the response.
 */
export class Reply {
  /** SHA-256 of the body bytes answered (of what a HEAD answer would have carried). */
  readonly hash = createHash('sha256');
  /** Body bytes answered. */
  bytes = 0;
  private readonly res: ServerResponse;
  private filters: readonly AnswerFilter[] = [];
  private keptChunks: Buffer[] | null = null;
  private keptBytes = 0;
  private keepLimit = 0;
  private keptOverflow = false;
  private seal: { sign: AnswerSeal; holdLimit: number } | null = null;
  private held: HeldAnswer | null = null;
  /** A sealed answer is being signed: it is the answer, though not one byte of it is out yet. */
  private sealing = false;
  /** Why the held answer cannot be sent: it outgrew the bound (the upstream feeding it should stop). */
  overflow: Problem | undefined;

  private readonly ids: ExchangeIds;

  constructor(res: ServerResponse, ids: ExchangeIds) {
    this.res = res;
    this.ids = ids;
    res.setHeader('x-request-id', ids.requestId);
    res.setHeader('penghubung-exchange-id', ids.exchangeId);
  }

  /** The response filters of the exchange's pipeline, once it is chosen. */
  useFilters(filters: readonly AnswerFilter[]): void {
    this.filters = filters;
  }

  /** The status line is out: from here on the answer can only be completed or cut. */
  get started(): boolean {
    return this.res.headersSent;
  }

  /** The whole answer reached the socket. */
  get finished(): boolean {
    return this.res.writableFinished;
  }

  /** A response was ended (written whole, or its stream ended, or being sealed): no further stage answers. */
  get ended(): boolean {
    return this.sealing || this.res.writableEnded;
  }

  /** The caller closed its connection before the answer was complete. */
  get callerGone(): boolean {
    return this.res.destroyed && !this.res.writableFinished;
  }

  get status(): number {
    return this.res.statusCode;
  }

  /** The headers set so far (or sent), lower-case names. */
  get headers(): OutgoingHttpHeaders {
    return this.res.getHeaders();
  }

  /** A header for whichever answer comes (request id, rate-limit state); ignored once started. */
  header(name: string, value: string | number | readonly string[]): this {
    if (!this.res.headersSent) this.res.setHeader(name, value);
    return this;
  }

  /**
   * Runs `then` once the response is over: answered, cut off, or its caller gone; at once when it
   * already is (the caller left while a stage waited), where a `close` listener added now would
   * never run. Returns a function that cancels it.
   */
  onClose(then: () => void): () => void {
    if (this.res.closed) {
      then();
      return () => {};
    }
    this.res.once('close', then);
    return () => void this.res.off('close', then);
  }

  /**
   * From here on every answer is sealed (`sign`) before its head goes out: a streamed one is held
   * whole, up to `holdLimit` bytes, and sent once it is complete. Null: answers go out as they come
   * (an idempotent replay resends the kept answer with the receipt it had).
   */
  sealWith(sign: AnswerSeal | null, holdLimit = 0): void {
    this.seal = sign ? { sign, holdLimit } : null;
  }

  /** A whole answer: filtered, sealed when asked, counted, hashed, written. */
  send(status: number, headers: OutgoingHttpHeaders, body: Buffer, statusMessage?: string): void {
    const answer: OutgoingAnswer = { status, headers, body };
    for (const filter of this.filters) filter(answer);
    const whole = { ...answer, body: answer.body ?? Buffer.alloc(0) };
    if (!this.seal) return this.writeWhole(whole, statusMessage);
    this.sealing = true;
    this.seal.sign(whole).catch((): OutgoingHttpHeaders => ({})).then((added) => {
      // The caller may have left while it was signed: nothing is written, nothing counted.
      if (!this.res.destroyed) this.writeWhole({ ...whole, headers: { ...whole.headers, ...added } }, statusMessage);
    }).catch(() => {
      // A header Node refuses: after the fact, as after a status line, the caller learns it by the cut.
      if (!this.res.writableFinished) this.res.destroy();
    });
  }

  /** A JSON document the gateway built itself, never cached. */
  json(status: number, document: unknown, headers: OutgoingHttpHeaders = {}): void {
    this.send(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers }, Buffer.from(JSON.stringify(document)));
  }

  /**
   * The refusal as an RFC 9457 problem document, in the language the request's `Accept-Language`
   * prefers (read here, as only a refusal is written in a language). Once the status line is out
   * the caller got that answer (cut off), not the problem: the connection is cut.
   */
  problem(problem: Problem): void {
    if (this.res.headersSent || this.sealing) {
      this.cut();
      return;
    }
    this.held = null;
    const language = preferredLanguage(this.res.req.headers['accept-language']);
    const headers = { ...problem.headers, 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...languageHeaders(language, problem.headers.vary ?? this.res.getHeader('vary')) };
    this.send(problem.status, headers, Buffer.from(JSON.stringify(problem.toDocument(this.ids.requestId, this.ids.exchangeId, language))));
  }

  /**
   * The head of a streamed answer (the upstream's status and headers); its body follows by `write`.
   * A sealed answer is held instead, and passes the filters whole at `end`.
   */
  start(status: number, headers: OutgoingHttpHeaders, statusMessage?: string): void {
    if (this.seal) {
      this.held = { status, headers, statusMessage, chunks: [], bytes: 0 };
      this.overflow = undefined;
      return;
    }
    const answer: OutgoingAnswer = { status, headers, body: null };
    for (const filter of this.filters) filter(answer);
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined) this.res.setHeader(name, value);
    if (statusMessage) this.res.writeHead(answer.status, statusMessage);
    else this.res.writeHead(answer.status);
  }

  /**
   * A chunk of a streamed answer; false when the caller's socket is full (wait for `onDrain`), or
   * when a held answer outgrew its bound (`overflow` says why: stop, and answer that instead).
   */
  write(chunk: Buffer): boolean {
    const held = this.held;
    if (held) {
      held.bytes += chunk.length;
      if (this.overflow) return false;
      if (held.bytes > this.seal!.holdLimit) {
        this.overflow = new Problem('UPSTREAM_INVALID_RESPONSE', `The answer is longer than ${this.seal!.holdLimit} bytes, the most an answer with a receipt may be (it is held whole to be signed); nothing of it was sent.`);
        held.chunks = [];
        return false;
      }
      held.chunks.push(chunk);
      return true;
    }
    this.count(chunk);
    return this.res.write(chunk);
  }

  onDrain(then: () => void): void {
    this.res.once('drain', then);
  }

  end(): void {
    const held = this.held;
    if (!held) return void this.res.end();
    this.held = null;
    if (this.overflow) return this.problem(this.overflow);
    this.send(held.status, held.headers, Buffer.concat(held.chunks, held.bytes), held.statusMessage);
  }

  /**
   * Cuts the connection: the caller learns of a failure after the status line only this way. A
   * held answer, of which nothing was sent, is dropped instead, so a problem can take its place.
   */
  cut(): void {
    if (this.held) {
      this.held = null;
      return;
    }
    if (!this.res.writableFinished) this.res.destroy();
  }

  /** Keeps a copy of the body from here on (idempotent replay), up to `limit` bytes. */
  keep(limit: number): void {
    this.keptChunks = [];
    this.keepLimit = limit;
  }

  /** The body kept since `keep`; null when it outgrew the limit. */
  kept(): Buffer | null {
    if (this.keptOverflow || !this.keptChunks) return null;
    return Buffer.concat(this.keptChunks, this.keptBytes);
  }

  private writeWhole(answer: OutgoingAnswer & { body: Buffer }, statusMessage: string | undefined): void {
    const { body } = answer;
    for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined) this.res.setHeader(name, value);
    this.res.statusCode = answer.status;
    if (statusMessage) this.res.statusMessage = statusMessage;
    // Node leaves the body out itself on a HEAD answer and on 204/304; it is counted as answered.
    if (answer.status !== 304 && answer.status !== 204) this.res.setHeader('content-length', body.length);
    this.count(body);
    this.res.end(body);
  }

  private count(bytes: Buffer): void {
    this.bytes += bytes.length;
    this.hash.update(bytes);
    if (!this.keptChunks || this.keptOverflow) return;
    this.keptBytes += bytes.length;
    if (this.keptBytes > this.keepLimit) {
      this.keptOverflow = true;
      this.keptChunks = [];
    } else {
      this.keptChunks.push(bytes);
    }
  }
}
