import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { Problem } from '../errors/problem.ts';
import type { KeyClaim, Outcome, StoredAnswer } from '../idempotency/store.ts';
import { StoreUnavailable } from '../errors/store-unavailable.ts';
import { readBody } from './body.ts';
import type { PipelineContext } from './context.ts';
import { withinExchangeTime } from './store-deadline.ts';
import { callerOf, timeOrderedUuid, type Exchange } from './exchange.ts';

// An sf-string ("...") or a bare token of printable ASCII, as the IETF draft's examples use both.
const keyPattern = /^"?([\x21\x23-\x7e]{1,255})"?$/;
/** Answers larger than this are not kept for replay: repeats are told so (410), with the first status. */
const maxStoredBytes = 8 * 1024 * 1024;
/** Headers that belong to one answer, not to its replay. */
const unstored = new Set(['connection', 'keep-alive', 'transfer-encoding', 'date', 'content-length', 'x-request-id', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']);
/** Refusals given before anything reached the upstream: the key is released so a retry runs. */
const nothingSent = new Set(['UPSTREAM_BUSY', 'UPSTREAM_CIRCUIT_OPEN']);

function parseKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = typeof header === 'string' ? keyPattern.exec(header.trim()) : null;
  if (!match) throw new Problem('IDEMPOTENCY_KEY_INVALID', 'Send one Idempotency-Key header of 1-255 printable ASCII characters.');
  return match[1];
}

/** What makes two requests with one key the same request: method, path with query, and body. */
export function requestFingerprint(method: string, pathAndQuery: string, body: Buffer): string {
  return createHash('sha256').update(`${method} ${pathAndQuery}\n`).update(body).digest('hex');
}

function storedHeaders(sent: OutgoingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(sent)) {
    if (value !== undefined && !unstored.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  }
  return headers;
}

/** A problem kept as a key's answer, replayed to every repeat. */
function problemAnswer(problem: Problem, ex: Pick<Exchange, 'id' | 'requestId'>): StoredAnswer {
  return { status: problem.status, headers: { 'content-type': 'application/problem+json' }, body: Buffer.from(JSON.stringify(problem.toDocument(ex.requestId, ex.id))) };
}

const outcomeUnknown = (ex: Pick<Exchange, 'id' | 'requestId'>, why: string) => problemAnswer(new Problem('IDEMPOTENCY_OUTCOME_UNKNOWN', `The first request with this Idempotency-Key reached the upstream, but ${why}; the upstream may have acted. Check with the service before sending it under a new key.`), ex);

function replay(ex: Exchange, answer: StoredAnswer): void {
  // The kept answer as it was, with the receipt it had (it covers these very bytes): not signed again.
  ex.reply.sealWith(null);
  ex.reply.send(answer.status, { ...answer.headers, 'idempotent-replayed': 'true' }, answer.body);
}

/**
 * `Idempotency-Key` (IETF draft) on POST and PATCH: the first request with a key is executed and
 * its answer kept (`idempotency.retentionHours`); a repeat with the same method, path and body
 * gets that answer again, marked `Idempotent-Replayed: true`, without reaching the upstream; a
 * repeat with another body is refused (422), one while the first still runs gets 409. If nothing
 * reached the upstream (refused before sending), the key is given back so a retry runs.
 */
export async function idempotency(ex: Exchange, ctx: PipelineContext): Promise<void> {
  if (ex.method !== 'POST' && ex.method !== 'PATCH') return;
  const { operation } = ex.match!.route;
  const key = parseKey(ex.req.headers['idempotency-key']);
  if (key === undefined) {
    if (operation.idempotency === 'required') throw new Problem('IDEMPOTENCY_KEY_MISSING', `${operation.id} needs an Idempotency-Key header.`);
    return;
  }
  if (ex.body === undefined) {
    // The fingerprint needs the body; the forwarder then sends these bytes instead of the stream.
    ex.body = await readBody(ex.req, ctx.config.limits.bodyBytes);
    ex.bytesIn = ex.body.length;
    ex.requestHash.update(ex.body);
  }
  const owner = callerOf(ex);
  const fingerprint = requestFingerprint(ex.method, `${ex.pathname}${ex.search}`, ex.body);
  // A running exchange keeps its key alive (below): a key not kept alive for the contract's
  // timeout plus the grace was left by a gateway that stopped mid-exchange.
  const abandonment = {
    afterSeconds: ex.match!.route.contract.timeoutMs / 1000 + ctx.config.idempotency.inFlightGraceSeconds,
    answer: () => outcomeUnknown(ex, 'the gateway stopped before its answer came back'),
  };
  const claimed: KeyClaim = { owner, key, claimId: timeOrderedUuid(), reqId: ex.requestId };
  const giveBack = () => void ctx.idempotency.finish(claimed, 'release');
  const claiming = ctx.idempotency.claim(claimed, fingerprint, abandonment);
  // A claim the store did not confirm (the connection lost, no answer in time) may still land
  // later: it is given back once the store is back, so that it holds the key for nobody.
  claiming.catch((error: unknown) => {
    if (error instanceof StoreUnavailable) giveBack();
  });
  const claim = await withinExchangeTime(ex, claiming, (late) => {
    // Claimed after the caller was answered 503: nothing was sent, so the key is given back.
    if (late.kind === 'claimed') giveBack();
  });
  if (claim.kind === 'reused') throw new Problem('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a request with another method, path or body.');
  if (claim.kind === 'in-flight') throw new Problem('IDEMPOTENCY_REQUEST_IN_FLIGHT', 'The first request with this Idempotency-Key is still running.', {}, { 'retry-after': '1' });
  if (claim.kind === 'replay') {
    replay(ex, claim.answer);
    return;
  }
  ex.reply.keep(maxStoredBytes);
  // Only an exchange that outlives a third of the bound (a long streamed answer) writes this.
  const heartbeat = setInterval(() => {
    ctx.idempotency.keepAlive(owner, key).catch((error: unknown) => ctx.log.warn({ reqId: ex.requestId, exchangeId: ex.id, err: (error as Error).message }, 'idempotency key not kept alive'));
  }, (abandonment.afterSeconds * 1000) / 3).unref();
  // The caller may have left while the claim waited for the store: then the key is given back now.
  ex.reply.onClose(() => {
    clearInterval(heartbeat);
    // An accepted async delivery counts as done: a retry must get the same delivery, not a second one.
    // An adapter acts on what it is handed even when no upstream is called (it answers from the
    // gateway's own store): its answer is kept like an upstream's.
    const handedOver = ex.upstream.startedAt !== undefined || ex.handedToAdapter === true;
    const reachedUpstream = ex.deliveryId !== undefined || (handedOver && !ex.upstream.connectFailed && !(ex.problem && nothingSent.has(ex.problem.code)));
    const outcome = (): Outcome => {
      if (!reachedUpstream) return 'release';
      // Cut off after the upstream was called: its outcome is unknown, so a retry must not run it again.
      if (!ex.reply.finished) return { answer: outcomeUnknown(ex, 'its answer was cut off') };
      const body = ex.reply.kept();
      if (body) return { answer: { status: ex.reply.status, headers: storedHeaders(ex.reply.headers), body } };
      const tooLarge = new Problem('IDEMPOTENCY_ANSWER_NOT_KEPT', `The first request with this Idempotency-Key was answered with status ${ex.reply.status}, but the answer was over ${maxStoredBytes / 2 ** 20} MiB and not kept for replay.`, { originalStatus: ex.reply.status });
      return { answer: problemAnswer(tooLarge, ex) };
    };
    void ctx.idempotency.finish(claimed, outcome());
  });
}
