import type { Credentials, UpstreamRequest } from '../../gateway/adapter-api/index.ts';
import { readCredentials } from '../kit/oauth2.ts';
import type { UpstreamAuth } from '../kit/run-mapped.ts';
import { system } from './errors.ts';

/** `pushKey`: the Bearer key of SIPD's `authentication` header; `apiToken`: vSIRUP's `_apitoken` query token. */
export const credentialNames = ['pushKey', 'apiToken'] as const;

/**
 * SIPD's two static credentials, added to one call's request after mapping. Pushes carry the key
 * in the non-standard `authentication: Bearer <key>` header (not `Authorization`); reference reads
 * carry a token in the query string (`_apitoken`), which is why the URL of an upstream request is
 * never logged or put into a message. Credentials are read at each call, so a rotated secret file
 * is used at the next call. One instance per call: it remembers what it revealed, for `redact`.
 */
export class SipdCallAuth implements UpstreamAuth {
  /** The secret values this call put on the wire. */
  readonly revealed: string[] = [];
  readonly #credentials: Credentials;

  constructor(credentials: Credentials) {
    this.#credentials = credentials;
  }

  async authorize(request: UpstreamRequest): Promise<UpstreamRequest> {
    if (request.path.startsWith('/run/serv/')) {
      const key = await this.#reveal('pushKey');
      return { ...request, headers: { ...request.headers, authentication: `Bearer ${key}` } };
    }
    const token = await this.#reveal('apiToken');
    return { ...request, query: { _apitoken: token, ...request.query } };
  }

  async #reveal(name: (typeof credentialNames)[number]): Promise<string> {
    const { [name]: secret } = await readCredentials(this.#credentials, [name], system);
    const value = secret.reveal();
    this.revealed.push(value);
    return value;
  }
}
