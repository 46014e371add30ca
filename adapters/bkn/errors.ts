// How BKN SIASN answers, read into the gateway's problems. Two layers answer a call: the WSO2 API
// Manager in front (faults with a six-digit code) and the SIASN service behind it (a `code`
// envelope for reads, a `success` answer for writes, and its own refusal of the SSO token).
import { Problem, type UpstreamResponse, upstreamAuthFailed, upstreamInvalid, upstreamNotFound, upstreamRejected, upstreamUnavailable } from '../../gateway/adapter-api/index.ts';

export const system = 'BKN SIASN';

/** WSO2 codes meaning "this access token is not (or no longer) good": drop it and fetch another. */
const staleGatewayTokenCodes = new Set(['900901', '900902']);
/** What SIASN answers an expired or invalid `Auth` (SSO) token with, as public clients test for it. */
const ssoRefusalMessage = 'invalid or expired jwt';
/** Answered when the SSO token belongs to an account that does not match the caller (public clients drop the token). */
const ssoMismatchData = 'Token SSO mismatch';

export interface Wso2Fault { code: string; message: string; description?: string }

function json(response: UpstreamResponse): unknown {
  try {
    return JSON.parse(response.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/**
 * A WSO2 API Manager fault: flat `{code, message, description}` (API Manager 3.x/4.x, what BKN's
 * answers look like to public clients) or the older `{fault: {code, message, description}}`.
 */
export function wso2Fault(response: UpstreamResponse): Wso2Fault | null {
  const body = record(json(response));
  const fault = record(body?.fault) ?? body;
  if (!fault) return null;
  const code = typeof fault.code === 'number' ? String(fault.code) : fault.code;
  if (typeof code !== 'string' || !/^\d{6}$/.test(code) || typeof fault.message !== 'string') return null;
  return { code, message: fault.message, ...(typeof fault.description === 'string' ? { description: fault.description } : {}) };
}

/** The SIASN service's refusal of the `Auth` header's SSO token, or null. */
export function ssoRefusal(response: UpstreamResponse): string | null {
  const body = record(json(response));
  if (!body) return null;
  if (response.status === 401 && body.message === ssoRefusalMessage) return ssoRefusalMessage;
  if (body.data === ssoMismatchData) return ssoMismatchData;
  return null;
}

export type Refusal = 'gateway' | 'sso';

/** Which of the two tokens the answer refuses, if any: the caller drops that one and retries. */
export function refusalOf(response: UpstreamResponse): Refusal | null {
  if (response.status === 401) {
    const fault = wso2Fault(response);
    if (fault && staleGatewayTokenCodes.has(fault.code)) return 'gateway';
  }
  return ssoRefusal(response) ? 'sso' : null;
}

/**
 * Failures that are not the operation's own answer: credentials refused (after the retry), the
 * API Manager throttling or failing, BKN down. Null when the answer is for the operation to read.
 */
export function transportProblem(response: UpstreamResponse): Problem | null {
  const fault = wso2Fault(response);
  if (fault && (response.status === 401 || response.status === 403)) {
    return upstreamAuthFailed({ system, code: fault.code, message: fault.message });
  }
  const sso = ssoRefusal(response);
  if (sso) return upstreamAuthFailed({ system, code: String(response.status), message: sso }, `${system} refused the gateway's SSO token.`);
  if (response.status === 400 && record(json(response))?.message === 'missing or malformed jwt') {
    return upstreamAuthFailed({ system, code: '400', message: 'missing or malformed jwt' }, `${system} did not receive the gateway's SSO token.`);
  }
  if (response.status === 429) return upstreamUnavailable(system, `throttled${fault ? `: ${fault.code} ${fault.message}` : ''}`);
  if (response.status >= 500) return upstreamUnavailable(system, `HTTP ${response.status}${fault ? `, ${fault.code} ${fault.message}` : ''}`);
  if (fault) return new Problem('UPSTREAM_INVALID_RESPONSE', `${system} API Manager answered fault ${fault.code}.`, { upstream: { system, code: fault.code, message: fault.message } });
  return null;
}

function parsed(response: UpstreamResponse): unknown {
  const type = String(response.headers['content-type'] ?? '');
  const text = response.body.toString('utf8').trimStart();
  if (type.includes('html') || text.startsWith('<')) throw upstreamInvalid(system, `an HTML page (HTTP ${response.status}) instead of JSON`);
  const value = json(response);
  if (value === undefined) throw upstreamInvalid(system, 'the body is not valid JSON');
  return value;
}

/**
 * The `data` of a read envelope `{"code": 1, "data": ...}`. Any other `code` means SIASN has no
 * such record: UPSTREAM_NOT_FOUND with SIASN's code and its words (a string `data`).
 */
export function readEnvelope(response: UpstreamResponse): unknown {
  const problem = transportProblem(response);
  if (problem) throw problem;
  const envelope = record(parsed(response));
  if (!envelope || !('code' in envelope)) throw upstreamInvalid(system, 'the answer has no code/data envelope');
  if (envelope.code !== 1 && envelope.code !== '1') {
    const message = typeof envelope.data === 'string' && envelope.data.trim() !== '' ? envelope.data : 'no record';
    throw upstreamNotFound({ system, code: String(envelope.code), message });
  }
  if (response.status < 200 || response.status > 299) throw upstreamInvalid(system, `code 1 with HTTP ${response.status}`);
  return envelope.data;
}

export interface WriteAnswer { message: string | null; mapData: Record<string, unknown> }

/** A write answer `{"success": true, "message": ..., "mapData": {...}}`; `success: false` is UPSTREAM_REJECTED with SIASN's message. */
export function writeAnswer(response: UpstreamResponse): WriteAnswer {
  const problem = transportProblem(response);
  if (problem) throw problem;
  const answer = record(parsed(response));
  if (!answer || typeof answer.success !== 'boolean') throw upstreamInvalid(system, 'the answer has no success flag');
  const message = typeof answer.message === 'string' && answer.message.trim() !== '' ? answer.message : null;
  if (!answer.success) throw upstreamRejected({ system, ...(message ? { message } : {}) });
  if (response.status < 200 || response.status > 299) throw upstreamInvalid(system, `success with HTTP ${response.status}`);
  return { message, mapData: record(answer.mapData) ?? {} };
}
