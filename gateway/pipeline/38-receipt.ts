import { createHash } from 'node:crypto';
import type { OutgoingHttpHeaders } from 'node:http';
import { receiptHeader, receiptType, type Receipt } from '../integrity/receipts.ts';
import { givesReceipt } from '../registry/contract.ts';
import { checkDeclaredLength, readBody } from './body.ts';
import type { PipelineContext } from './context.ts';
import type { Exchange } from './exchange.ts';
import { hasRequestBody } from './forward-headers.ts';
import type { OutgoingAnswer } from './reply.ts';

/** The signed statement of one answer (docs/integrity.md): the request and the answer as hashes. */
export function receiptOf(ex: Exchange, answer: OutgoingAnswer & { body: Buffer }): Receipt {
  const { contract, operation } = ex.match!.route;
  return {
    requestId: ex.requestId,
    exchangeId: ex.id,
    contract: contract.id,
    version: contract.version,
    operation: operation.id,
    caller: ex.partner ? { partner: ex.partner.id, agreement: ex.agreement?.number ?? null } : { consumer: ex.consumer!.clientId },
    receivedAt: ex.receivedAt.toISOString(),
    answeredAt: new Date().toISOString(),
    // A copy: the traffic log reads the hash itself once the answer is over.
    requestSha256: ex.requestHash.copy().digest('hex'),
    responseSha256: createHash('sha256').update(answer.body).digest('hex'),
    status: answer.status,
  };
}

/**
 * Signed receipts (Pasal 27(6) of Perpres 003: non-repudiation by digital signature). For an
 * operation whose contract asks for them, every answer from here on carries `Penghubung-Receipt`:
 * a JWS over the receipt, made once the answer is complete and before its head goes out, so an
 * upstream's streamed answer is held whole (up to `limits.bodyBytes`).
 *
 * Refusals from here on get one too (a body that fails validation, an upstream that failed, a
 * conflicting idempotency key): proof of what was answered is the point, and a refusal is an
 * answer a caller may have to prove (the letter was not registered, and why) as much as an
 * acceptance. Refusals before this stage get none: an unidentified or unauthorized caller, or one
 * over its rate limit, has no exchange of the contract to prove, and signing for them would let
 * anyone with a token spend the gateway's CPU on signatures. A HEAD gets none: it carries no body.
 *
 * The request body is read here, whole, so the receipt's `requestSha256` is of every byte
 * received, whatever is refused later or however early an upstream answers; a body over the limit
 * is refused before the seal, as there is no whole request to prove.
 */
export async function receipt(ex: Exchange, ctx: PipelineContext): Promise<void> {
  const { contract, operation } = ex.match!.route;
  const keys = ctx.keys;
  if (!keys || !givesReceipt(contract, operation) || ex.method === 'HEAD') return;
  const limit = ctx.config.limits.bodyBytes;
  if (ex.body === undefined && hasRequestBody(ex.req)) {
    checkDeclaredLength(ex.req, limit);
    ex.body = await readBody(ex.req, limit);
    ex.bytesIn = ex.body.length;
    ex.requestHash.update(ex.body);
  }
  ex.reply.sealWith(async (answer): Promise<OutgoingHttpHeaders> => {
    try {
      return { [receiptHeader]: await keys.sign({ ...receiptOf(ex, answer) }, receiptType) };
    } catch (error) {
      // The answer still goes out: the upstream may have acted, and a caller told 500 would retry.
      // Without a receipt, also none an upstream put in its own answer's headers.
      ctx.log.error({ reqId: ex.requestId, exchangeId: ex.id, err: error }, 'receipt not signed');
      return { [receiptHeader]: undefined };
    }
  }, limit);
}
