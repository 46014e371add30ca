import { Problem, type UpstreamResponse, parseUpstreamJson, upstreamAuthFailed, upstreamFailing, upstreamInvalid, upstreamNotFound, upstreamRejected } from '../../gateway/adapter-api/index.ts';
import type { SipdPushAnswer } from './types.ts';

/** The name callers see under `upstream.system`. */
export const system = 'SIPD';

/** SIPD reports a refused line as `ERROR: <what>` inside `log`, and still answers `code: 200`. */
const errorLine = /^\s*ERROR\s*:/i;

export function errorLines(log: readonly unknown[]): string[] {
  return log.filter((line): line is string => typeof line === 'string' && errorLine.test(line)).map((line) => line.trim());
}

function bodyMessage(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { msg?: unknown; message?: unknown };
    const text = typeof parsed.msg === 'string' ? parsed.msg : typeof parsed.message === 'string' ? parsed.message : undefined;
    return text?.slice(0, 500);
  } catch {
    return undefined;
  }
}

/**
 * A failure SIPD announced, by HTTP status or by the `code` in its JSON body (SIPD's PHP services
 * often answer HTTP 200 with the real code inside): the gateway's problem for it.
 */
export function sipdFailure(code: number, message: string | undefined): Problem {
  const fault = { system, code, ...(message === undefined ? {} : { message }) };
  if (code === 401 || code === 403) return upstreamAuthFailed(fault, 'SIPD refused the gateway\'s key for this region (the push key or the API token).');
  if (code === 404) return upstreamNotFound(fault);
  if (code >= 500) return upstreamFailing(fault, `SIPD failed with code ${code}; try again later.`);
  return upstreamRejected(fault);
}

/** HTTP-level failures, before the body is trusted to be SIPD's JSON (an HTML error page is common). */
export function checkHttpStatus(response: UpstreamResponse): void {
  if (response.status >= 200 && response.status < 300) return;
  throw sipdFailure(response.status, bodyMessage(response.body));
}

/** A push answer: its message and log when SIPD took the document, a problem otherwise. */
export function readPushAnswer(response: UpstreamResponse): { message: string; log: string[] } {
  checkHttpStatus(response);
  const answer = parseUpstreamJson<SipdPushAnswer | null>(system, response.body);
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer) || !('code' in answer)) {
    throw upstreamInvalid(system, 'the answer has no code');
  }
  const code = Number(answer.code);
  if (!Number.isInteger(code)) throw upstreamInvalid(system, 'the answer\'s code is not a number');
  const message = typeof answer.msg === 'string' ? answer.msg : '';
  const log = Array.isArray(answer.log) ? answer.log : [];
  if (code !== 200) throw sipdFailure(code, message || undefined);
  const errors = errorLines(log);
  if (errors.length > 0) {
    throw new Problem('UPSTREAM_REJECTED', `SIPD refused ${errors.length === 1 ? 'a line' : `${errors.length} lines`} of the document (its answer said code 200, but its log has ERROR lines). Correct the document and push it again.`, {
      upstream: { system, code: '200', message: errors.join('; ') },
      upstreamErrors: errors,
    });
  }
  return { message, log: log.filter((line): line is string => typeof line === 'string' && line.trim() !== '') };
}
