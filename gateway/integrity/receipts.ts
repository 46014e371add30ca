import { createHash } from 'node:crypto';
import { compactVerify, createLocalJWKSet, decodeProtectedHeader, errors, type JSONWebKeySet } from 'jose';

/** The `typ` of a receipt's JWS header: a partner's verifier refuses any other signed object of the gateway. */
export const receiptType = 'penghubung-receipt+jws';

/** The response header that carries the receipt. */
export const receiptHeader = 'penghubung-receipt';

/**
 * What the gateway signs for an exchange of a contract that asks for receipts (docs/integrity.md):
 * who asked what, when, and the SHA-256 of the bytes of the request as received and of the answer
 * as sent, so either party can later prove both.
 */
export interface Receipt {
  requestId: string;
  exchangeId: string;
  contract: string;
  version: string;
  operation: string;
  caller: { consumer: string } | { partner: string; agreement: string | null };
  receivedAt: string;
  answeredAt: string;
  requestSha256: string;
  responseSha256: string;
  status: number;
}

export interface ReceiptCheck {
  /** Every check passed. */
  valid: boolean;
  /** The first check that failed, in words. */
  failed?: string;
  /** The receipt's key id, when the JWS header names one. */
  kid?: string;
  /** The payload; decoded without trusting it when the signature failed. */
  receipt?: Receipt;
  signature: boolean;
  request?: { expected: string; actual: string };
  response?: { expected: string; actual: string };
}

/** A receipt that is not even a JWS: the caller gave something else (exit 2, not 1). */
export class MalformedReceipt extends Error {
  override name = 'MalformedReceipt';
}

const compactJws = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

function decodePayload(jws: string): Receipt | undefined {
  try {
    return JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as Receipt;
  } catch {
    return undefined;
  }
}

/**
 * Checks a receipt as a partner would, offline: the signature against the JWKS (EdDSA only), the
 * header's `typ`, then the SHA-256 of the request and response bodies against the receipt's.
 */
export async function verifyReceipt(jws: string, bodies: { request: Buffer; response: Buffer }, jwks: JSONWebKeySet): Promise<ReceiptCheck> {
  const text = jws.trim();
  if (!compactJws.test(text)) throw new MalformedReceipt('not a compact JWS (three base64url parts separated by dots)');
  let kid: string | undefined;
  try {
    kid = decodeProtectedHeader(text).kid;
  } catch {
    throw new MalformedReceipt('the JWS header is not base64url JSON');
  }
  const check: ReceiptCheck = { valid: false, signature: false, ...(kid ? { kid } : {}) };
  const unverified = decodePayload(text);
  if (unverified) check.receipt = unverified;
  let header;
  try {
    header = (await compactVerify(text, createLocalJWKSet(jwks), { algorithms: ['EdDSA'] })).protectedHeader;
  } catch (error) {
    const why = error instanceof errors.JWKSNoMatchingKey ? `no key ${kid ?? '(none named)'} in the JWKS` : error instanceof errors.JWSSignatureVerificationFailed ? 'the signature does not match the receipt' : (error as Error).message;
    return { ...check, failed: `signature: ${why}` };
  }
  check.signature = true;
  if (header.typ !== receiptType) return { ...check, failed: `signature: typ is ${String(header.typ)}, not ${receiptType}` };
  const receipt = check.receipt;
  if (!receipt || typeof receipt.requestSha256 !== 'string' || typeof receipt.responseSha256 !== 'string') return { ...check, failed: 'payload: not a receipt (no requestSha256 and responseSha256)' };
  check.request = { expected: receipt.requestSha256, actual: sha256(bodies.request) };
  check.response = { expected: receipt.responseSha256, actual: sha256(bodies.response) };
  if (check.request.expected !== check.request.actual) return { ...check, failed: 'request: its SHA-256 differs from the receipt\'s requestSha256' };
  if (check.response.expected !== check.response.actual) return { ...check, failed: 'response: its SHA-256 differs from the receipt\'s responseSha256' };
  return { ...check, valid: true };
}
