// The contract's `adapter:` block for BKN SIASN: where the two token endpoints are and which SSO
// client the gateway logs in with.

export interface BknSettings {
  /** WSO2 API Manager token endpoint (client credentials, HTTP Basic consumer key and secret). */
  tokenUrl: string;
  /** SIASN SSO (Keycloak realm `public-siasn`) token endpoint (password grant). */
  ssoTokenUrl: string;
  /** The SSO client id BKN assigned to this instansi. */
  ssoClientId: string;
}

export const productionTokenUrl = 'https://apimws.bkn.go.id/oauth2/token';
export const productionSsoTokenUrl = 'https://sso-siasn.bkn.go.id/auth/realms/public-siasn/protocol/openid-connect/token';

const endpoint = { type: 'string', pattern: '^(https?://[^\\s]+|/[^\\s]*)$' } as const;

export const settingsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['ssoClientId'],
  properties: {
    tokenUrl: {
      ...endpoint,
      default: productionTokenUrl,
      description: 'WSO2 token endpoint. A path is taken on the upstream URL\'s origin; so is the path of an absolute URL when the upstream URL is not on bkn.go.id (simulator, DMZ relay).',
    },
    ssoTokenUrl: {
      ...endpoint,
      default: productionSsoTokenUrl,
      description: 'SSO token endpoint, resolved like tokenUrl.',
    },
    ssoClientId: { type: 'string', minLength: 1, maxLength: 100, description: 'SSO client id assigned by BKN to the instansi.' },
  },
} as const;

function onBkn(url: URL): boolean {
  return url.hostname === 'bkn.go.id' || url.hostname.endsWith('.bkn.go.id');
}

/**
 * The token endpoints to call. In production the upstream is BKN's API Manager and the absolute
 * URLs are used as they are. When `upstreams.bkn-siasn.url` points off bkn.go.id (the simulator of
 * `npm start` and the tests, or a relay in the Dinas' DMZ that forwards BKN's paths) the same paths
 * are asked of that origin, so the one bundled contract serves every environment.
 */
export function tokenEndpoints(settings: BknSettings, upstream: URL): { tokenUrl: string; ssoTokenUrl: string } {
  const resolve = (value: string): string => {
    if (value.startsWith('/')) return new URL(value, upstream.origin).href;
    if (onBkn(upstream)) return value;
    const absolute = new URL(value);
    return new URL(`${absolute.pathname}${absolute.search}`, upstream.origin).href;
  };
  return { tokenUrl: resolve(settings.tokenUrl), ssoTokenUrl: resolve(settings.ssoTokenUrl) };
}
