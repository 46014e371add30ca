// BKN SIASN wants two tokens on every call: the WSO2 API Manager's access token in
// `Authorization: Bearer` (client credentials with the consumer key and secret, about 1 h) and the
// SIASN SSO token in `Auth: bearer` (Keycloak password grant with an operator account, about 12 h).
// Each has its own cache, refreshed ahead of expiry with one fetch in flight, and each is dropped
// on its own when BKN refuses it.
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { Credentials, UpstreamRequest, UpstreamResponse } from '../../gateway/adapter-api/index.ts';
import { fetchOAuthToken, readCredentials } from '../kit/oauth2.ts';
import type { UpstreamAuth } from '../kit/run-mapped.ts';
import { TokenCache } from '../kit/token-cache.ts';
import { refusalOf, system, wso2Fault, type Refusal } from './errors.ts';

export const credentialNames = ['consumerKey', 'consumerSecret', 'ssoUsername', 'ssoPassword'] as const;

export interface SiasnAuthOptions {
  credentials: Credentials;
  tokenUrl: string;
  ssoTokenUrl: string;
  ssoClientId: string;
  timeoutMs: number;
  log: Logger;
  /** The adapter's `env.dispatcher` (client certificate for mutual TLS, when configured). */
  dispatcher: Dispatcher | undefined;
}

const bearer = (header: string | undefined): string => (header ?? '').replace(/^bearer\s+/i, '');

export class SiasnAuth implements UpstreamAuth {
  readonly gateway: TokenCache;
  readonly sso: TokenCache;
  private readonly log: Logger;

  constructor(options: SiasnAuthOptions) {
    const { credentials, timeoutMs, dispatcher } = options;
    this.log = options.log;
    // Credentials are read at each fetch, so a rotated secret file is used from the next token on.
    this.gateway = new TokenCache(async () => {
      const { consumerKey, consumerSecret } = await readCredentials(credentials, ['consumerKey', 'consumerSecret'], system);
      const token = await fetchOAuthToken({
        system: `${system} API Manager`,
        tokenUrl: options.tokenUrl,
        form: { grant_type: 'client_credentials' },
        basic: { clientId: consumerKey, clientSecret: consumerSecret },
        timeoutMs,
        dispatcher,
      });
      this.log.debug({ token: 'gateway', expiresInSeconds: token.expiresInSeconds }, 'BKN API Manager token fetched');
      return token;
    });
    this.sso = new TokenCache(async () => {
      const { ssoUsername, ssoPassword } = await readCredentials(credentials, ['ssoUsername', 'ssoPassword'], system);
      const token = await fetchOAuthToken({
        system: `${system} SSO`,
        tokenUrl: options.ssoTokenUrl,
        form: { grant_type: 'password', client_id: options.ssoClientId, username: ssoUsername, password: ssoPassword },
        timeoutMs,
        dispatcher,
      });
      this.log.debug({ token: 'sso', expiresInSeconds: token.expiresInSeconds }, 'BKN SSO token fetched');
      return token;
    });
  }

  async authorize(request: UpstreamRequest): Promise<UpstreamRequest> {
    const [gatewayToken, ssoToken] = await Promise.all([this.gateway.get(), this.sso.get()]);
    // SIASN's own header is spelled `Auth` with a lower-case `bearer`, as every public client sends it.
    return { ...request, headers: { ...request.headers, authorization: `Bearer ${gatewayToken}`, auth: `bearer ${ssoToken}` } };
  }

  /** Which token the answer refuses, after dropping it from its cache; false when none is. */
  refused(response: UpstreamResponse, sent: UpstreamRequest): Refusal | false {
    const refused = refusalOf(response);
    if (refused === 'gateway') {
      this.gateway.invalidate(bearer(sent.headers?.authorization));
      this.log.info({ refused, code: wso2Fault(response)?.code }, 'BKN refused the API Manager token; fetching a new one');
    } else if (refused === 'sso') {
      this.sso.invalidate(bearer(sent.headers?.auth));
      this.log.info({ refused }, 'BKN refused the SSO token; fetching a new one');
    }
    return refused ?? false;
  }
}
