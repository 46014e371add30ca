import * as oidc from 'openid-client';
import type { GatewayConfig } from '../config/schema.ts';
import { rolesIn } from '../sso/token-verifier.ts';
import type { PendingSignIn, Person } from './sessions.ts';

/**
 * The console as a confidential OIDC client of the region's SSO (openid-client): authorization
 * code with PKCE (S256), state and nonce, the ID token checked by the library (issuer, audience,
 * expiry, nonce). Discovery happens at the first sign-in and is retried after a failure, so the
 * gateway starts while the SSO is down.
 */
export class SignIn {
  #configuration: Promise<oidc.Configuration> | undefined;
  readonly #sso: GatewayConfig['sso'];
  readonly #clientId: string;
  readonly #secret: () => Promise<string>;
  readonly redirectUri: string;
  readonly postSignOutUri: string;

  constructor(options: { sso: GatewayConfig['sso']; clientId: string; secret: () => Promise<string>; publicUrl: string }) {
    this.#sso = options.sso;
    this.#clientId = options.clientId;
    this.#secret = options.secret;
    this.redirectUri = `${options.publicUrl}/masuk/kembali`;
    this.postSignOutUri = `${options.publicUrl}/`;
  }

  #discover(): Promise<oidc.Configuration> {
    this.#configuration ??= (async () => {
      const issuer = new URL(this.#sso.issuer);
      // The demo's and the tests' SSO is plain HTTP on loopback; a real one is HTTPS.
      const execute = issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [];
      return oidc.discovery(issuer, this.#clientId, undefined, oidc.ClientSecretBasic(await this.#secret()), { execute });
    })();
    this.#configuration.catch(() => {
      this.#configuration = undefined;
    });
    return this.#configuration;
  }

  /** Where to send the browser, and what its callback must bring back. */
  async start(returnTo: string): Promise<{ url: URL; pending: PendingSignIn }> {
    const configuration = await this.#discover();
    const verifier = oidc.randomPKCECodeVerifier();
    const pending: PendingSignIn = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier, returnTo };
    const url = oidc.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: 'openid profile roles',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url, pending };
  }

  /** The person behind the SSO's answer at `callbackUrl`, once the code is exchanged and the ID token checked. */
  async finish(callbackUrl: URL, pending: PendingSignIn): Promise<Person> {
    const configuration = await this.#discover();
    const tokens = await oidc.authorizationCodeGrant(configuration, callbackUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    const name = [claims.name, claims.preferred_username, claims.sub].find((value) => typeof value === 'string' && value !== '') as string;
    return { subject: claims.sub, name, roles: rolesIn(claims, this.#sso.roleClaims), idToken: tokens.id_token! };
  }

  /** The SSO's end-session URL for `person`, when it has one (RP-initiated logout). */
  async signOutUrl(person: Person): Promise<URL | null> {
    try {
      const configuration = await this.#discover();
      if (!configuration.serverMetadata().end_session_endpoint) return null;
      return oidc.buildEndSessionUrl(configuration, { id_token_hint: person.idToken, post_logout_redirect_uri: this.postSignOutUri });
    } catch {
      return null;
    }
  }

  /** The SSO's origin, which sign-out forms may go on to (Content-Security-Policy `form-action`). */
  get ssoOrigin(): string {
    return new URL(this.#sso.issuer).origin;
  }
}
