import { Problem, type UpstreamResponse, upstreamAuthFailed, upstreamFailing, upstreamMember, upstreamNotFound, upstreamRejected, type UpstreamFault } from '../../gateway/adapter-api/index.ts';
import { system } from './settings.ts';

/**
 * The failure answers of a WSO2 API Manager gateway (SPLP runs WSO2 APIM) and of the APIs behind
 * it, as the gateway's problems. Error codes and HTTP statuses: WSO2 APIM "Error Handling"
 * (https://apim.docs.wso2.com/en/latest/troubleshooting/error-handling/).
 */

/** `{"fault":{"code":900901,"message":"Invalid Credentials","description":"..."}}` from the gateway's handlers. */
export interface Wso2Fault {
  code: string;
  message?: string;
  description?: string;
  /** Throttling faults: `2026-Sep-09 00:00:00+0000 UTC`. */
  nextAccessTime?: string;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** WSO2's own codes: handler faults (9xxxxx, 700700) and Synapse transport faults (10xxxx). */
const wso2Code = /^(700700|9\d{5}|10\d{4})$/;

/**
 * The gateway's own fault, in any of its shapes: API-M 3.x's `{"fault":{"code":900901,...}}`,
 * API-M 4.x's bare `{"code":"900901","message":...,"description":...}`, or the Synapse sequences'
 * `{"code":"404","type":"Status report",...}` (resource mismatch, unknown API). `undefined` for an
 * answer of the API behind SPLP.
 */
export function readWso2Fault(body: Buffer): Wso2Fault | undefined {
  const parsed = parseJson(body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  const bare = record.type === 'Status report' || (wso2Code.test(String(record.code)) && (text(record.message) ?? text(record.description)) !== undefined);
  const fault = typeof record.fault === 'object' && record.fault !== null ? (record.fault as Record<string, unknown>) : bare ? record : undefined;
  if (!fault || (typeof fault.code !== 'number' && typeof fault.code !== 'string')) return undefined;
  const result: Wso2Fault = { code: String(fault.code) };
  // A Status report's message is generic ("Runtime Error"); its description says what happened.
  const message = fault === record && record.type === 'Status report' ? text(fault.description) ?? text(fault.message) : text(fault.message);
  const description = text(fault.description);
  const nextAccessTime = text(fault.nextAccessTime);
  if (message) result.message = message;
  if (description) result.description = description;
  if (nextAccessTime) result.nextAccessTime = nextAccessTime;
  return result;
}

/** The API's own words in an error body: the usual `message` / `error` / `detail` members, or nothing. */
function backendMessage(body: Buffer): string | undefined {
  const parsed = parseJson(body);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const record = parsed as Record<string, unknown>;
  return text(record.message) ?? text(record.error_description) ?? text(record.detail) ?? text(record.error) ?? text(record.title);
}

/** Faults that say the token or key the gateway sent is not (or no longer) valid. */
export const invalidTokenCodes: ReadonlySet<string> = new Set(['900901', '900903', '900904']);
/** Credential and subscription faults: the Dinas must fix its SPLP application, the caller can do nothing. */
const authCodes = new Set(['900901', '900902', '900903', '900904', '900905', '900907', '900908', '900909', '900910', '900911', '900805']);
/** "No matching resource found in the API for the given request". */
const noResourceCode = '900906';
/** Rate limits of the SPLP subscription or API (900800-900807 except the admin block 900805). */
const throttleCodes = new Set(['900800', '900802', '900803', '900804', '900806', '900807']);
/** SPLP cannot serve now: key validation unreachable (900900), API blocked (700700), hard limit (900801). */
const unavailableCodes = new Set(['900900', '700700', '900801']);
/** Synapse transport faults: connection to the API behind SPLP timed out (101504), or its set-up did (101508). */
const timeoutCodes = new Set(['101504', '101508']);

const months: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/**
 * Seconds until a throttled subscription may call again: WSO2's `nextAccessTime` against the
 * answer's own `Date` header (both the SPLP clock, and the mapping stays pure). Default 60 s, at
 * most an hour; a `Retry-After` header, if SPLP ever sends one, wins.
 */
export function retryAfterSeconds(response: UpstreamResponse, fault: Wso2Fault): string {
  const header = response.headers['retry-after'];
  if (typeof header === 'string' && /^\d+$/.test(header.trim())) return header.trim();
  const next = fault.nextAccessTime?.match(/^(\d{4})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})/);
  const date = response.headers.date;
  if (next && typeof date === 'string' && months[next[2]!] !== undefined) {
    const at = Date.UTC(Number(next[1]), months[next[2]!], Number(next[3]), Number(next[4]), Number(next[5]), Number(next[6]));
    const now = Date.parse(date);
    if (Number.isFinite(now)) return String(Math.min(3600, Math.max(1, Math.ceil((at - now) / 1000))));
  }
  return '60';
}


/** A non-2xx answer from SPLP as the problem the caller gets. */
export function splpProblem(response: UpstreamResponse): Problem {
  const fault = readWso2Fault(response.body);
  const status = response.status;
  if (fault) {
    const words: UpstreamFault = { system, code: fault.code, ...(fault.message ? { message: fault.message } : {}) };
    if (authCodes.has(fault.code)) return upstreamAuthFailed(words, `SPLP refused the gateway's credentials or subscription (${fault.message ?? fault.code}).`);
    if (fault.code === noResourceCode || (fault.code === '404' && status === 404)) {
      return upstreamNotFound(words, 'SPLP has no resource matching the request: the API or resource is not (or no longer) published, or the contract\'s adapter.operations path is wrong.');
    }
    if (throttleCodes.has(fault.code) || status === 429) {
      return upstreamFailing(words, 'SPLP throttled the gateway\'s subscription; retry after the time given.', retryAfterSeconds(response, fault));
    }
    if (timeoutCodes.has(fault.code) || status === 504) {
      return new Problem('UPSTREAM_TIMEOUT', `The API behind SPLP did not answer SPLP in time (${fault.message ?? fault.code}).`, upstreamMember(words));
    }
    if (unavailableCodes.has(fault.code) || status >= 500) {
      return upstreamFailing(words, `SPLP could not serve the request (${fault.message ?? fault.code}).`);
    }
    return upstreamRejected(words);
  }
  const message = backendMessage(response.body);
  const words: UpstreamFault = { system, code: `HTTP ${status}`, ...(message ? { message } : {}) };
  if (status === 404) return upstreamNotFound(words);
  // The API itself refusing SPLP's call: SPLP's endpoint security towards it, not the caller.
  if (status === 401) return upstreamAuthFailed(words);
  if (status === 429) return upstreamFailing(words, 'The API behind SPLP throttled the request; retry later.', retryAfterSeconds(response, { code: `HTTP ${status}` }));
  if (status >= 500) return upstreamFailing(words, `The API behind SPLP failed (HTTP ${status}).`);
  return upstreamRejected(words);
}
