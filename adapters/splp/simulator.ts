import { randomUUID } from 'node:crypto';
import { startSimServer, type SimAnswer, type SimRequest, type SimServer } from '../kit/sim-server.ts';
import { wilayah } from './wilayah-data.ts';

/**
 * A WSO2 API Manager gateway as SPLP runs it, with one API deployed: Kemendagri's kode wilayah
 * (tenant `kemendagri.go.id`, context `wilayah`, version `1.0`; the API and its JSON are
 * illustrative). Faithful in what the adapter relies on:
 * - `POST /oauth2/token`: client credentials with HTTP Basic (consumer key and secret), answering
 *   `{access_token, scope, token_type: "Bearer", expires_in: 3600}`, or OAuth2 `invalid_client`;
 * - `/t/{tenant}/{context}/{version}/...` needs `Authorization: Bearer <token>` or, without it, an
 *   `apikey` header; refusals are WSO2 faults with WSO2's statuses (401 900902 missing, 401 900901
 *   invalid or expired, 429 900800 throttled with `nextAccessTime`);
 * - an unknown API is the main sequence's 404 "Status report"; an unknown resource of a deployed
 *   API 404 with fault 900906 (WSO2 versions differ here: the auth handler answers 403 900906, the
 *   Synapse dispatcher a 404 "Status report"; `failNext` can produce those);
 * - `faultStyle: 'bare'` gives API-M 4.x's unwrapped `{"code":"900901",...}` instead of API-M 3.x's
 *   `{"fault":{"code":900901,...}}`.
 */

export interface SplpSimOptions {
  host?: string;
  port?: number;
  /** `consumerKey` and `consumerSecret` of the gateway's SPLP application; `apiKey` if it has one. */
  credentials: Record<string, string>;
  faultStyle?: 'wrapped' | 'bare';
}

export interface SplpSim extends SimServer {
  /** Tokens issued, in order. */
  issued: string[];
  /** Token requests received (granted or not). */
  tokenRequests(): number;
  /** The last API request (not token request) received. */
  lastApiRequest(): SimRequest | undefined;
  /** Every issued token becomes invalid (expired or revoked): the next call gets 401 900901. */
  expireTokens(): void;
  /** While on, tokens are issued but refused at once (an application whose subscription is broken). */
  refuseTokens(on: boolean): void;
  /** Lets `calls` more API calls through, then answers 429 900800 until `throttle(null)`. */
  throttle(calls: number | null): void;
  /** The next API request gets this answer (checked before anything else). */
  failNext(answer: SimAnswer): void;
}

const tenant = 'kemendagri.go.id';
const basePath = `/t/${tenant}/wilayah/1.0`;
const monthNames = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** WSO2's throttling timestamp: `2026-Sep-09 00:00:00+0000 UTC`. */
export function wso2Time(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${monthNames[d.getUTCMonth()]}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}+0000 UTC`;
}

/** The backend behind SPLP: Kemendagri's API, its own envelope and its own 404. */
function backend(method: string, resource: string, query: URLSearchParams): SimAnswer | undefined {
  if (method === 'GET' && resource === '/provinsi') {
    const nama = query.get('nama')?.toLowerCase();
    const data = wilayah.filter((w) => w.tingkat === 'provinsi' && (!nama || w.nama.toLowerCase().includes(nama))).map(({ kode, nama: n }) => ({ kode, nama: n }));
    return { status: 200, body: { success: true, message: 'OK', data } };
  }
  const region = resource.match(/^\/wilayah\/([^/]+)$/);
  if (method === 'GET' && region) {
    const kode = decodeURIComponent(region[1]!);
    const found = wilayah.find((w) => w.kode === kode);
    return found ? { status: 200, body: { success: true, message: 'OK', data: found } }
      : { status: 404, body: { success: false, message: `Kode wilayah ${kode} tidak ditemukan`, data: null } };
  }
  return undefined;
}

export async function startSplpSim(options: SplpSimOptions): Promise<SplpSim> {
  const { consumerKey, consumerSecret, apiKey } = options.credentials;
  const issued: string[] = [];
  const valid = new Set<string>();
  let tokenRequests = 0;
  let refusing = false;
  let allowance: number | null = null;
  let lastApi: SimRequest | undefined;
  const injected: SimAnswer[] = [];

  const fault = (status: number, code: number, message: string, description: string, extra: Record<string, string> = {}, headers: Record<string, string> = {}): SimAnswer => {
    const body = options.faultStyle === 'bare' ? { code: String(code), message, description, ...extra } : { fault: { code, message, description, ...extra } };
    return { status, headers: { 'content-type': 'application/json; charset=UTF-8', ...headers }, body };
  };
  const challenge = { 'www-authenticate': 'OAuth2 realm="WSO2 API Manager", error="invalid_token", error_description="The access token expired"' };

  const token = (req: SimRequest): SimAnswer => {
    tokenRequests++;
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [key, secret] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':').map(decodeURIComponent) : [];
    if (key !== consumerKey) {
      return { status: 401, body: { error_description: `A valid OAuth client could not be found for client_id: ${key ?? ''}`, error: 'invalid_client' } };
    }
    if (secret !== consumerSecret) return { status: 401, body: { error_description: 'Client Authentication failed.', error: 'invalid_client' } };
    const form = new URLSearchParams(req.body.toString('utf8'));
    if (form.get('grant_type') !== 'client_credentials') return { status: 400, body: { error_description: 'Unsupported grant_type value', error: 'unsupported_grant_type' } };
    const value = randomUUID();
    issued.push(value);
    if (!refusing) valid.add(value);
    return { status: 200, headers: { 'cache-control': 'no-store' }, body: { access_token: value, scope: form.get('scope') ?? 'default', token_type: 'Bearer', expires_in: 3600 } };
  };

  /** The gateway's auth handler: OAuth2 bearer first, else the API key; `undefined` lets the call through. */
  const authenticate = (req: SimRequest): SimAnswer | undefined => {
    const authorization = req.headers.authorization;
    if (authorization) {
      const bearer = /^Bearer (.+)$/.exec(authorization);
      if (bearer && valid.has(bearer[1]!)) return undefined;
      return fault(401, 900901, 'Invalid Credentials', 'Invalid Credentials. Make sure you have provided the correct security credentials', {}, challenge);
    }
    const key = req.headers.apikey;
    if (typeof key === 'string') {
      if (apiKey !== undefined && key === apiKey) return undefined;
      return fault(401, 900901, 'Invalid Credentials', 'Invalid Credentials. Make sure you have provided the correct security credentials');
    }
    return fault(401, 900902, 'Missing Credentials', 'Invalid Credentials. Make sure your API invocation call has a header: \'Authorization : Bearer ACCESS_TOKEN\' or \'apikey: API_KEY\'');
  };

  const api = (req: SimRequest): SimAnswer => {
    lastApi = req;
    const next = injected.shift();
    if (next) return next;
    if (req.path !== basePath && !req.path.startsWith(`${basePath}/`)) {
      return { status: 404, body: { code: '404', type: 'Status report', message: 'Not Found', description: 'The requested resource is not available.' } };
    }
    const refused = authenticate(req);
    if (refused) return refused;
    if (allowance !== null) {
      if (allowance <= 0) {
        // Per-minute quota: open again at the next full minute.
        const at = wso2Time(Math.floor(Date.now() / 60_000) * 60_000 + 60_000);
        return fault(429, 900800, 'Message throttled out', `You have exceeded your quota .You can access API after ${at}`, { nextAccessTime: at });
      }
      allowance--;
    }
    const answer = backend(req.method, req.path.slice(basePath.length) || '/', req.query);
    return answer ?? fault(404, 900906, 'No matching resource found in the API for the given request', `Access failure for API: ${basePath}, version: 1.0 status: (900906) - No matching resource found in the API for the given request`);
  };

  const server = await startSimServer((req) => (req.method === 'POST' && req.path === '/oauth2/token' ? token(req) : api(req)), { host: options.host, port: options.port });
  return {
    ...server,
    issued,
    tokenRequests: () => tokenRequests,
    lastApiRequest: () => lastApi,
    expireTokens: () => valid.clear(),
    refuseTokens: (on) => {
      refusing = on;
      if (on) valid.clear();
    },
    throttle: (calls) => {
      allowance = calls;
    },
    failNext: (answer) => {
      injected.push(answer);
    },
  };
}
