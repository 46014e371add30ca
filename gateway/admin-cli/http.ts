import { Agent, request, type Dispatcher } from 'undici';
import { CliFailure, exitCodes, oneLine } from './output.ts';

export interface Answer { status: number; contentType: string; text: string }

/**
 * One agent per command run, closed when it ends: a keep-alive socket left in the global pool
 * would hold the process open after its output. Timeouts so that a gateway that accepts the
 * connection and never answers is reported as unreachable instead of hanging a script.
 */
export function commandAgent(): Agent {
  return new Agent({ connect: { timeout: 10_000 }, headersTimeout: 30_000, bodyTimeout: 30_000 });
}

/** Why a request got no answer, in the words the system used (`ECONNREFUSED`, `UND_ERR_CONNECT_TIMEOUT`). */
function reasonOf(error: unknown): string {
  const { code, cause, name } = error as { code?: unknown; cause?: { code?: unknown }; name?: string };
  if (typeof code === 'string') return code;
  if (typeof cause?.code === 'string') return cause.code;
  return name ?? 'error';
}

/**
 * An HTTP exchange whose failure to happen at all is exit code 3, naming `what` and where:
 * the caller decides what each status means.
 */
export async function exchange(dispatcher: Dispatcher, what: string, url: URL, options: { method: 'GET' | 'POST' | 'PUT'; headers?: Record<string, string>; body?: string }): Promise<Answer> {
  try {
    const answer = await request(url, { dispatcher, method: options.method, headers: options.headers ?? {}, ...(options.body === undefined ? {} : { body: options.body }) });
    const text = await answer.body.text();
    const type = answer.headers['content-type'];
    return { status: answer.statusCode, contentType: (Array.isArray(type) ? type[0] : type) ?? '', text };
  } catch (error) {
    throw new CliFailure(exitCodes.unreachable, `${what} at ${url.origin} is unreachable (${reasonOf(error)})`);
  }
}

export function parseJson(answer: Answer): unknown {
  if (!/[/+]json\b/.test(answer.contentType)) return undefined;
  try {
    return JSON.parse(answer.text) as unknown;
  } catch {
    return undefined;
  }
}

/** An http(s) URL given by the user, or a usage error naming where it came from. */
export function httpUrl(value: string, from: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliFailure(exitCodes.usage, `${from} is not a URL: ${oneLine(value, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliFailure(exitCodes.usage, `${from} must be an http or https URL, got ${url.protocol}`);
  return url;
}
