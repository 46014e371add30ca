// A simulated BKN SIASN on one port: the WSO2 API Manager token endpoint, the SIASN SSO (Keycloak
// realm public-siasn) token endpoint, and the SIASN API below /apisiasn/1.0 requiring both tokens.
// Wire formats follow what public SIASN clients send and expect; what they do not show is marked
// "assumed" here and in docs/integrations/bkn.md.
import { randomBytes, randomUUID } from 'node:crypto';
import type { RunningSandbox } from '../../gateway/adapter-api/index.ts';
import { startSimServer, type SimAnswer, type SimRequest, type SimServer } from '../kit/sim-server.ts';
import { eselon, jabatanFungsional, jabatanPelaksana, simEmployees, unors, type SiasnRecord, type SimEmployee } from './simulator-data.ts';

export const apiBasePath = '/apisiasn/1.0';
export const tokenPath = '/oauth2/token';
export const ssoTokenPath = '/auth/realms/public-siasn/protocol/openid-connect/token';
/** The SSO client the bundled contract names (`adapter.ssoClientId`). Assumed: BKN assigns one per instansi. */
export const simulatorSsoClientId = 'kuansingws';

const gatewayTokenSeconds = 3600;
const ssoTokenSeconds = 43200;

/** Faults a test can inject into the next API call(s). */
export type SimFault = 'server-error' | 'unavailable' | 'html' | 'gateway-refusal' | 'sso-refusal';

export interface BknSimulator extends RunningSandbox {
  server: SimServer;
  /** Requests per `METHOD /path` (token endpoints included). */
  hits: Map<string, number>;
  /** Token requests received per endpoint. */
  tokenRequests: { readonly gateway: number; readonly sso: number };
  /** Requests to the SIASN API (below /apisiasn/1.0). */
  apiRequests(): number;
  /** Every token value issued (access and refresh), for tests that check they never reach a log. */
  issuedTokens(): string[];
  /** Server-side expiry of every API Manager token issued so far: the next call with one gets 900901. */
  expireGatewayTokens(): void;
  /** Server-side expiry of every SSO token issued so far: the next call with one gets "invalid or expired jwt". */
  expireSsoTokens(): void;
  failNext(fault: SimFault, times?: number): void;
  /** Bodies received by POST /jabatan/save that SIASN accepted, with the id it gave them. */
  savedPositions: { rwJabatanId: string; body: Record<string, unknown> }[];
}

const wso2 = {
  invalid: { code: '900901', message: 'Invalid Credentials', description: 'Invalid Credentials. Make sure you have provided the correct security credentials' },
  missing: { code: '900902', message: 'Missing Credentials', description: "Invalid Credentials. Make sure your API invocation call has a header: 'Authorization : Bearer ACCESS_TOKEN' or 'Authorization : Basic ACCESS_TOKEN' or 'apikey: API_KEY'" },
  noResource: { code: '900906', message: 'No matching resource found for given API Request', description: 'The requested resource is not available.' },
  backend: { code: '101503', message: 'Runtime Error', description: 'Error connecting to the back end' },
};

const json = (status: number, body: object, headers: Record<string, string> = {}): SimAnswer => ({ status, body, headers: { 'content-type': 'application/json', ...headers } });
const form = (req: SimRequest) => new URLSearchParams(req.body.toString('utf8'));
const base64url = (bytes: number) => randomBytes(bytes).toString('base64url');
// eslint-disable-next-line @typescript-eslint/no-base-to-string -- a JSON field, `unknown` until the null check makes it `{}`: stringified as String(body.x) is elsewhere
const optionalText = (value: unknown): string => (value === null || value === undefined ? '' : String(value));
/** Keycloak tokens are JWTs; the simulator's look like one (never checked as one). */
const fakeJwt = () => `eyJhbGciOiJSUzI1NiIsInR5cCIgOiAiSldUIn0.${base64url(96)}.${base64url(64)}`;

const dmy = /^(\d{2})-(\d{2})-(\d{4})$/;
/** `dd-mm-yyyy` as a sortable `yyyymmdd`, or null. */
function sortable(value: unknown): string | null {
  const match = typeof value === 'string' ? dmy.exec(value) : null;
  return match ? `${match[3]}${match[2]}${match[1]}` : null;
}

export async function startBknSimulator(options: { host?: string; port?: number; credentials: Record<string, string> }): Promise<BknSimulator> {
  const { credentials } = options;
  const employees = simEmployees();
  const gatewayTokens = new Map<string, number>();
  const ssoTokens = new Map<string, number>();
  const issued: string[] = [];
  const faults: SimFault[] = [];
  const savedPositions: BknSimulator['savedPositions'] = [];

  function issueGatewayToken(req: SimRequest): SimAnswer {
    const expected = `Basic ${Buffer.from(`${credentials.consumerKey}:${credentials.consumerSecret}`).toString('base64')}`;
    // WSO2 Key Manager's answer to bad client credentials (standard OAuth2 invalid_client).
    if (req.headers.authorization !== expected) return json(401, { error_description: 'Client Authentication failed.', error: 'invalid_client' });
    if (form(req).get('grant_type') !== 'client_credentials') return json(400, { error_description: 'Unsupported grant_type value', error: 'unsupported_grant_type' });
    const token = randomUUID();
    issued.push(token);
    gatewayTokens.set(token, Date.now() + gatewayTokenSeconds * 1000);
    return json(200, { access_token: token, scope: 'default', token_type: 'Bearer', expires_in: gatewayTokenSeconds });
  }

  function issueSsoToken(req: SimRequest): SimAnswer {
    const fields = form(req);
    if (fields.get('grant_type') !== 'password') return json(400, { error: 'unsupported_grant_type', error_description: 'Unsupported grant_type' });
    if (fields.get('client_id') !== simulatorSsoClientId) return json(401, { error: 'invalid_client', error_description: 'Invalid client or Invalid client credentials' });
    if (fields.get('username') !== credentials.ssoUsername || fields.get('password') !== credentials.ssoPassword) {
      return json(401, { error: 'invalid_grant', error_description: 'Invalid user credentials' });
    }
    const token = fakeJwt();
    const refresh = fakeJwt();
    issued.push(token, refresh);
    ssoTokens.set(token, Date.now() + ssoTokenSeconds * 1000);
    return json(200, {
      access_token: token, expires_in: ssoTokenSeconds, refresh_expires_in: ssoTokenSeconds, refresh_token: refresh,
      token_type: 'Bearer', 'not-before-policy': 0, session_state: randomUUID(), scope: 'profile email',
    });
  }

  const valid = (tokens: Map<string, number>, token: string) => (tokens.get(token) ?? 0) > Date.now();

  /** The API Manager in front: checks `Authorization: Bearer` before SIASN sees the call. */
  function gatewayRefusal(req: SimRequest): SimAnswer | null {
    const header = req.headers.authorization;
    if (!header) return json(401, wso2.missing);
    const token = /^Bearer\s+(.+)$/i.exec(header)?.[1] ?? '';
    if (!valid(gatewayTokens, token)) {
      return json(401, wso2.invalid, { 'www-authenticate': 'OAuth2 realm="WSO2 API Manager", error="invalid_token", error_description="The provided token is invalid"' });
    }
    return null;
  }

  /** SIASN behind it: checks the `Auth: bearer` SSO token (answers are assumed: Echo's JWT middleware defaults, as clients test for them). */
  function ssoRefusal(req: SimRequest): SimAnswer | null {
    const header = req.headers.auth;
    const token = typeof header === 'string' ? /^bearer\s+(.+)$/i.exec(header)?.[1] : undefined;
    if (!token) return json(400, { message: 'missing or malformed jwt' });
    if (!valid(ssoTokens, token)) return json(401, { message: 'invalid or expired jwt' });
    return null;
  }

  function injected(fault: SimFault): SimAnswer {
    switch (fault) {
      case 'server-error': return { status: 500, headers: { 'content-type': 'text/html' }, body: '<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>' };
      case 'unavailable': return json(503, wso2.backend);
      case 'html': return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<!DOCTYPE html><html><body><h2>SIASN sedang dalam pemeliharaan</h2></body></html>' };
      case 'gateway-refusal': return json(401, wso2.invalid);
      case 'sso-refusal': return json(401, { message: 'invalid or expired jwt' });
    }
  }

  const notFound = () => json(200, { code: 0, data: 'Data tidak ditemukan' }); // assumed wording and HTTP 200

  function read(resource: string, employee: SimEmployee): SimAnswer {
    switch (resource) {
      case 'data-utama': return json(200, { code: 1, data: employee.dataUtama });
      case 'rw-golongan': return json(200, { code: 1, data: employee.rwGolongan });
      case 'rw-jabatan': return json(200, { code: 1, data: employee.rwJabatan });
      default: return json(200, { code: 1, data: employee.rwPendidikan });
    }
  }

  /** POST /jabatan/save: SIASN's checks as far as they are plausible; rejection messages are assumed. */
  function savePosition(req: SimRequest): SimAnswer {
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body.toString('utf8')) as Record<string, unknown>;
    } catch {
      return json(400, { success: false, message: 'request body tidak valid', mapData: null });
    }
    const reject = (message: string) => json(200, { success: false, message, mapData: null });
    const employee = [...employees.values()].find((e) => e.dataUtama.id === body.pnsId);
    if (!employee) return reject('PNS tidak ditemukan');
    if (body.instansiId !== employee.dataUtama.instansiKerjaId) return reject('instansi tidak sesuai dengan instansi PNS');
    for (const field of ['tanggalSk', 'tmtJabatan']) if (!sortable(body[field])) return reject(`${field} harus berformat dd-mm-yyyy`);
    if (body.tmtPelantikan !== '' && body.tmtPelantikan !== undefined && !sortable(body.tmtPelantikan)) return reject('tmtPelantikan harus berformat dd-mm-yyyy');
    if (typeof body.nomorSk !== 'string' || body.nomorSk.trim() === '') return reject('nomor SK harus diisi');
    const unor = typeof body.unorId === 'string' ? unors[body.unorId] : undefined;
    if (!unor) return reject('unor tidak ditemukan');
    let namaJabatan: string | undefined;
    if (body.jenisJabatan === '1') namaJabatan = typeof body.eselonId === 'string' && eselon[body.eselonId] ? `Kepala ${unor.nama}` : undefined;
    else if (body.jenisJabatan === '2') namaJabatan = jabatanFungsional[String(body.jabatanFungsionalId)];
    else if (body.jenisJabatan === '4') namaJabatan = jabatanPelaksana[String(body.jabatanFungsionalUmumId)];
    else return reject('jenis jabatan tidak valid');
    if (!namaJabatan) return reject('jabatan tidak ditemukan untuk jenis jabatan ini');
    if (sortable(body.tmtJabatan)! < sortable(employee.dataUtama.tmtCpns)!) return reject('TMT jabatan tidak boleh kurang dari TMT CPNS');
    const rwJabatanId = randomUUID();
    savedPositions.push({ rwJabatanId, body });
    const entry: SiasnRecord = {
      id: rwJabatanId, idPns: String(body.pnsId), nipBaru: employee.dataUtama.nipBaru ?? null, jenisJabatan: String(body.jenisJabatan),
      instansiKerjaId: employee.dataUtama.instansiKerjaId ?? null, instansiKerjaNama: employee.dataUtama.instansiKerjaNama ?? null,
      satuanKerjaId: optionalText(body.satuanKerjaId), unorId: String(body.unorId), unorNama: unor.nama, unorIndukNama: unor.indukNama,
      eselon: body.jenisJabatan === '1' ? eselon[String(body.eselonId)] ?? '' : '', eselonId: optionalText(body.eselonId),
      jabatanFungsionalId: optionalText(body.jabatanFungsionalId), jabatanFungsionalUmumId: optionalText(body.jabatanFungsionalUmumId),
      tmtJabatan: String(body.tmtJabatan), nomorSk: String(body.nomorSk), tanggalSk: String(body.tanggalSk), namaUnor: unor.nama, namaJabatan, tmtPelantikan: optionalText(body.tmtPelantikan),
    };
    // The history shows the new entry at once; data-utama follows only after SIASN's own sync (not simulated).
    employee.rwJabatan.push(entry);
    return json(200, { success: true, message: 'success', mapData: { rwJabatanId } });
  }

  function api(req: SimRequest): SimAnswer {
    const fault = faults.shift();
    if (fault) return injected(fault);
    const refused = gatewayRefusal(req) ?? ssoRefusal(req);
    if (refused) return refused;
    const path = req.path.slice(apiBasePath.length);
    const readMatch = /^\/pns\/(data-utama|rw-golongan|rw-jabatan|rw-pendidikan)\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && readMatch) {
      const employee = employees.get(readMatch[2]!);
      return employee ? read(readMatch[1]!, employee) : notFound();
    }
    if (req.method === 'POST' && path === '/jabatan/save') return savePosition(req);
    return json(404, wso2.noResource);
  }

  const server = await startSimServer((req) => {
    if (req.method === 'POST' && req.path === tokenPath) return issueGatewayToken(req);
    if (req.method === 'POST' && req.path === ssoTokenPath) return issueSsoToken(req);
    if (req.path.startsWith(`${apiBasePath}/`)) return api(req);
    return json(404, wso2.noResource);
  }, { host: options.host ?? '127.0.0.1', port: options.port ?? 0 });

  const count = (key: string) => server.hits.get(key) ?? 0;
  const expire = (tokens: Map<string, number>) => {
    for (const token of tokens.keys()) tokens.set(token, 0);
  };
  return {
    url: `${server.url}${apiBasePath}`,
    server,
    hits: server.hits,
    tokenRequests: {
      get gateway() { return count(`POST ${tokenPath}`); },
      get sso() { return count(`POST ${ssoTokenPath}`); },
    },
    apiRequests: () => [...server.hits].filter(([key]) => key.split(' ')[1]!.startsWith(`${apiBasePath}/`)).reduce((sum, [, n]) => sum + n, 0),
    issuedTokens: () => [...issued],
    expireGatewayTokens: () => expire(gatewayTokens),
    expireSsoTokens: () => expire(ssoTokens),
    failNext(fault, times = 1) {
      for (let i = 0; i < times; i++) faults.push(fault);
    },
    savedPositions,
    close: () => server.close(),
  };
}
