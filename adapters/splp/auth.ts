import type { AdapterEnvironment, UpstreamRequest, UpstreamResponse } from '../../gateway/adapter-api/index.ts';
import { fetchOAuthToken, readCredentials } from '../kit/oauth2.ts';
import type { UpstreamAuth } from '../kit/run-mapped.ts';
import { TokenCache } from '../kit/token-cache.ts';
import { invalidTokenCodes, readWso2Fault } from './errors.ts';
import { system, type SplpSettings } from './settings.ts';

/** Credential names, read from `upstreams.<name>.credentials`. */
export const oauth2Credentials = ['consumerKey', 'consumerSecret'] as const;
export const apiKeyCredentials = ['apiKey'] as const;

/** The 401 of an SPLP gateway whose fault says the token is invalid, expired or revoked. */
export function refusesToken(response: UpstreamResponse): boolean {
  if (response.status !== 401) return false;
  const fault = readWso2Fault(response.body);
  return fault !== undefined && invalidTokenCodes.has(fault.code);
}

/**
 * The credential flows of one SPLP upstream. WSO2 API Manager issues OAuth2 tokens to an SPLP
 * application for its consumer key and secret (client credentials, HTTP Basic at `/oauth2/token`),
 * sent as `Authorization: Bearer`; or the application uses an API key in the `apikey` header. Both
 * header names can be changed per API in WSO2, hence `authHeader`. Tokens are cached per token
 * endpoint and scope, shared by every contract calling this upstream.
 */
export class SplpAuthenticators {
  private readonly env: AdapterEnvironment;
  private readonly caches = new Map<string, TokenCache>();

  constructor(env: AdapterEnvironment) {
    this.env = env;
  }

  for(settings: SplpSettings): UpstreamAuth {
    return settings.auth === 'apikey' ? this.apiKey(settings) : this.oauth2(settings);
  }

  private tokens(settings: SplpSettings): TokenCache {
    const tokenUrl = new URL(settings.tokenPath, this.env.upstreamUrl!).href;
    const key = `${tokenUrl}\u0000${settings.scope ?? ''}`;
    let cache = this.caches.get(key);
    if (!cache) {
      cache = new TokenCache(async () => {
        const { consumerKey, consumerSecret } = await readCredentials(this.env.credentials, oauth2Credentials, system);
        const issued = await fetchOAuthToken({
          system,
          tokenUrl,
          form: { grant_type: 'client_credentials', ...(settings.scope ? { scope: settings.scope } : {}) },
          basic: { clientId: consumerKey, clientSecret: consumerSecret },
          timeoutMs: this.env.timeoutMs,
          dispatcher: this.env.dispatcher,
        });
        this.env.log.debug({ expiresInSeconds: issued.expiresInSeconds }, 'SPLP access token issued');
        return issued;
      });
      this.caches.set(key, cache);
    }
    return cache;
  }

  private oauth2(settings: SplpSettings): UpstreamAuth {
    const header = (settings.authHeader ?? 'authorization').toLowerCase();
    const tokens = this.tokens(settings);
    return {
      authorize: async (request: UpstreamRequest) => ({ ...request, headers: { ...request.headers, [header]: `Bearer ${await tokens.get()}` } }),
      refused: (response, sent) => {
        if (!refusesToken(response)) return false;
        // Drop the refused token (not a fresher one fetched meanwhile); runMapped sends once more.
        tokens.invalidate((sent.headers?.[header] ?? '').slice('Bearer '.length));
        this.env.log.info({ code: readWso2Fault(response.body)?.code }, 'SPLP refused the cached access token; fetching a new one');
        return true;
      },
    };
  }

  private apiKey(settings: SplpSettings): UpstreamAuth {
    const header = (settings.authHeader ?? 'apikey').toLowerCase();
    return {
      // Read at each call, so a rotated key file is used at once; a refused key is not retried.
      authorize: async (request: UpstreamRequest) => {
        const { apiKey } = await readCredentials(this.env.credentials, apiKeyCredentials, system);
        return { ...request, headers: { ...request.headers, [header]: apiKey.reveal() } };
      },
    };
  }
}
