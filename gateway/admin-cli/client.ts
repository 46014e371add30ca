import type { Dispatcher } from 'undici';
import { exchange, parseJson } from './http.ts';
import { CliFailure, exitCodes, oneLine } from './output.ts';

/**
 * The admin API as the commands see it: JSON in, JSON out, and every refusal turned into the
 * one line and exit code of a failed command. The token is asked for at the first call, so a
 * command that fails on its own input never reaches the SSO.
 */
export class AdminApi {
  #token: Promise<string> | undefined;
  readonly #base: URL;
  readonly #bearer: () => Promise<string>;
  readonly #dispatcher: Dispatcher;

  constructor(base: URL, bearer: () => Promise<string>, dispatcher: Dispatcher) {
    this.#base = base;
    this.#bearer = bearer;
    this.#dispatcher = dispatcher;
  }

  get<T>(path: string, query: Record<string, string | undefined> = {}): Promise<T> {
    const given = Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined);
    const search = new URLSearchParams(given).toString();
    return this.call<T>('GET', search ? `${path}?${search}` : path).then((answer) => answer.body);
  }

  post<T>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
    return this.call<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
    return this.call<T>('PUT', path, body);
  }

  /** A GET whose 404 is an answer (the object is not there yet), not a failure. */
  async find<T>(path: string): Promise<T | null> {
    try {
      return await this.get<T>(path);
    } catch (error) {
      if (error instanceof ApiRefusal && error.status === 404) return null;
      throw error;
    }
  }

  private async call<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    // A base with a path (the admin API behind a reverse proxy under /penghubung) keeps it.
    const url = new URL(`${this.#base.href.replace(/\/+$/, '')}${path}`);
    const token = await (this.#token ??= this.#bearer());
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json, application/problem+json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const answer = await exchange(this.#dispatcher, 'the admin API', url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const document = parseJson(answer);
    if (answer.status >= 200 && answer.status < 300) {
      if (document === undefined) throw new CliFailure(exitCodes.unreachable, `${url.origin} answered ${method} ${url.pathname} with HTTP ${answer.status} but no JSON: is it the gateway's admin listener?`);
      return { status: answer.status, body: document as T };
    }
    throw refusal(answer.status, document, url);
  }
}

/** An answer of the admin API other than 2xx: the status kept for the few callers that expect one. */
export class ApiRefusal extends CliFailure {
  readonly status: number;

  constructor(status: number, message: string) {
    super(status >= 400 && status < 500 ? exitCodes.refused : exitCodes.unreachable, message);
    this.status = status;
  }
}

/** A problem+json answer as one line: its stable code, its detail, the status and the request id to look it up by. */
function refusal(status: number, document: unknown, url: URL): ApiRefusal {
  const problem = (document ?? {}) as { code?: unknown; detail?: unknown; title?: unknown; instance?: unknown };
  const code = typeof problem.code === 'string' ? problem.code : `HTTP ${status}`;
  const detail = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : `from ${url.origin}${url.pathname}`;
  const request = typeof problem.instance === 'string' && problem.instance !== '' ? `, request ${problem.instance}` : '';
  return new ApiRefusal(status, `${code}: ${oneLine(detail)} (HTTP ${status}${request})`);
}
