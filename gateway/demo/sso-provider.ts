import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';
import { signInPages, signOutPage, type SsoPerson } from './sso-login.ts';

export type { SsoPerson } from './sso-login.ts';

/** A client of the sandbox SSO: a PD application, or an ops tool with roles. */
export interface SsoClient {
  clientId: string;
  secret: string;
  /** Scopes the client may ask for; given by default when the request names none. */
  scopes: string[];
  /** Roles put in the `roles` claim of its access tokens (e.g. `penghubung-ops`). */
  roles?: string[];
}

/** A web application people sign in to with the authorization code flow (the ops console). */
export interface SsoWebClient {
  clientId: string;
  secret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

export interface SsoProviderOptions {
  host?: string;
  port?: number;
  people?: SsoPerson[];
  webClients?: SsoWebClient[];
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
 * Storage for the provider's artifacts. JWT access tokens are self-contained and sign-in sessions
 * may end with the demo, so nothing here has to survive a restart; an explicit in-memory adapter
 * says so (and keeps the provider from warning).
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
  /** Sessions are looked up by uid when a code is redeemed (the code is bound to the session). */
  findByUid(uid: string): Promise<Record<string, unknown> | undefined> {
    for (const [id, entry] of this.store) if (entry.payload.uid === uid) return this.find(id);
    return Promise.resolve(undefined);
  }
  consume(id: string): Promise<void> {
    const entry = this.store.get(id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    return Promise.resolve();
  }
  destroy(id: string): Promise<void> {
    this.store.delete(id);
    return Promise.resolve();
  }
  revokeByGrantId(grantId: string): Promise<void> {
    for (const [id, entry] of this.store) if (entry.payload.grantId === grantId) this.store.delete(id);
    return Promise.resolve();
  }
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

  const people = new Map((options.people ?? []).map((person) => [person.username, person]));
  const webClients = options.webClients ?? [];
  const webClientIds = new Set(webClients.map((c) => c.clientId));
  const provider = new Provider(issuer, {
    adapter: MemoryAdapter,
    clients: [...options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.secret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      ...(c.scopes.length ? { scope: c.scopes.join(' ') } : {}),
      id_token_signed_response_alg: 'ES256' as const,
    })), ...webClients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.secret,
      grant_types: ['authorization_code'],
      response_types: ['code' as const],
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris,
      id_token_signed_response_alg: 'ES256' as const,
    }))],
    jwks: { keys },
    // Signs the provider's own session and interaction cookies; a restart signs people out.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    findAccount: (_ctx, id) => {
      const person = people.get(id);
      return person && { accountId: id, claims: () => ({ sub: id, name: person.name, preferred_username: id, roles: person.roles }) };
    },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], roles: ['roles'] },
    // The console reads the person's roles from the ID token: put the granted claims there.
    conformIdTokenClaims: false,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // The console is the Dinas' own application: no consent screen, its scopes are granted at sign-in.
    async loadExistingGrant(ctx) {
      const clientId = ctx.oidc.client!.clientId;
      const grantId = ctx.oidc.result?.consent?.grantId ?? ctx.oidc.session!.grantIdFor(clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!webClientIds.has(clientId)) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId: ctx.oidc.session!.accountId });
      grant.addOIDCScope('openid profile roles');
      await grant.save();
      return grant;
    },
    scopes: allScopes,
    ttl: {
      ClientCredentials: options.accessTokenTtlSeconds ?? 3600,
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 600,
      // A working day: the console's own session ends sooner (console.sessionMaxHours).
      Session: 8 * 3600,
      Grant: 8 * 3600,
    },
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource: signOutPage },
      resourceIndicators: {
        enabled: true,
        // A web client signs people in (ID token); only machine clients get the gateway's audience.
        defaultResource: (_ctx, client) => (client && webClientIds.has(client.clientId) ? undefined : options.audience),
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
  const signIn = signInPages(provider, people);
  server.on('request', (req, res) => {
    if (req.url?.startsWith('/interaction/')) void signIn(req, res);
    else void handleRequest(req, res);
  });

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
