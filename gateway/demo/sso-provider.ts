import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

/** A client of the sandbox SSO: a PD application, or an ops tool with roles. */
export interface SsoClient {
  clientId: string;
  secret: string;
  /** Scopes the client may ask for; given by default when the request names none. */
  scopes: string[];
  /** Roles put in the `roles` claim of its access tokens (e.g. `penghubung-ops`). */
  roles?: string[];
}

export interface SsoProviderOptions {
  host?: string;
  port?: number;
  /** Resource indicator put in `aud` of every access token. */
  audience: string;
  clients: SsoClient[];
  /** Private signing keys (JWK with `kid` and `alg`); the first one signs. Generated when absent. */
  keys?: JWK[];
  accessTokenTtlSeconds?: number;
}

export interface SsoProvider {
  issuer: string;
  port: number;
  keys: JWK[];
  /** Client-credentials token for a client, as a PD application would get it. */
  token(clientId: string, scope?: string): Promise<string>;
  close(): Promise<void>;
}

interface Artifact { payload: Record<string, unknown>; expiresAt: number }

/**
 * Storage for the provider's artifacts. JWT access tokens are self-contained, so nothing here has
 * to survive a restart; an explicit in-memory adapter says so (and keeps the provider from warning).
 */
class MemoryAdapter {
  private static readonly stores = new Map<string, Map<string, Artifact>>();
  private readonly store: Map<string, Artifact>;

  constructor(model: string) {
    this.store = MemoryAdapter.stores.get(model) ?? new Map<string, Artifact>();
    MemoryAdapter.stores.set(model, this.store);
  }

  upsert(id: string, payload: Record<string, unknown>, expiresIn: number): Promise<void> {
    this.store.set(id, { payload, expiresAt: Date.now() + expiresIn * 1000 });
    return Promise.resolve();
  }

  find(id: string): Promise<Record<string, unknown> | undefined> {
    const entry = this.store.get(id);
    if (!entry || entry.expiresAt < Date.now()) return Promise.resolve(undefined);
    return Promise.resolve(entry.payload);
  }

  findByUserCode(): Promise<undefined> { return Promise.resolve(undefined); }
  findByUid(): Promise<undefined> { return Promise.resolve(undefined); }
  consume(id: string): Promise<void> {
    const entry = this.store.get(id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }
  destroy(id: string): Promise<void> {
    this.store.delete(id);
    return Promise.resolve();
  }
  async revokeByGrantId(): Promise<void> { /* client credentials have no grants */ }
}

export async function generateSigningKey(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
}

/**
 * A real OpenID Connect provider (npm `oidc-provider`) issuing RFC 9068 JWT access tokens through
 * the client-credentials grant: the SSO of the demo profile and of the tests.
 */
export async function startSsoProvider(options: SsoProviderOptions): Promise<SsoProvider> {
  const host = options.host ?? '127.0.0.1';
  const keys = options.keys ?? [await generateSigningKey(`demo-${Date.now().toString(36)}`)];
  const allScopes = [...new Set(options.clients.flatMap((c) => c.scopes))];
  const byId = new Map(options.clients.map((c) => [c.clientId, c]));

  // Listen first: the issuer URL needs the port when port 0 asks for a free one.
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const issuer = `http://${host}:${port}`;

  const provider = new Provider(issuer, {
    adapter: MemoryAdapter,
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      ...(c.scopes.length ? { scope: c.scopes.join(' ') } : {}),
      id_token_signed_response_alg: 'ES256',
    })),
    jwks: { keys },
    scopes: allScopes,
    ttl: { ClientCredentials: options.accessTokenTtlSeconds ?? 3600 },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => options.audience,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: allScopes.join(' '),
          audience: options.audience,
          accessTokenTTL: options.accessTokenTtlSeconds ?? 3600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
    extraTokenClaims(_ctx, token) {
      const roles = byId.get((token as { clientId?: string }).clientId ?? '')?.roles;
      return roles?.length ? { roles } : undefined;
    },
  });
  provider.proxy = false;
  // RFC 6749 section 3.3 lets the server apply a pre-defined default scope when the request names
  // none; oidc-provider has no option for it, so the default is set just before the token is saved.
  const clientCredentials = provider.ClientCredentials.prototype as unknown as { save: (...args: unknown[]) => Promise<string>; scope?: string; clientId: string };
  const save = clientCredentials.save;
  clientCredentials.save = function (this: typeof clientCredentials, ...args: unknown[]) {
    if (!this.scope) this.scope = byId.get(this.clientId)?.scopes.join(' ') || undefined;
    return save.apply(this, args);
  };
  const handleRequest = provider.callback();
  server.on('request', (req, res) => void handleRequest(req, res));

  return {
    issuer,
    port,
    keys,
    async token(clientId, scope) {
      const client = byId.get(clientId);
      if (!client) throw new Error(`unknown client ${clientId}`);
      const form = new URLSearchParams({ grant_type: 'client_credentials' });
      if (scope) form.set('scope', scope);
      const json = (await postForm(`${issuer}/token`, form, `${clientId}:${client.secret}`)) as { access_token?: string; error?: string; error_description?: string };
      if (!json.access_token) throw new Error(`token request failed: ${json.error} ${json.error_description ?? ''}`);
      return json.access_token;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** One request on its own connection: a restarted SSO on the same port must not meet a stale keep-alive socket. */
function postForm(url: string, form: URLSearchParams, basic: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const body = form.toString();
    const req = request(url, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Basic ${Buffer.from(basic).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}
