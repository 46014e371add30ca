import { createRemoteJWKSet, errors, jwtVerify, type JWTHeaderParameters, type JWTPayload, type FlattenedJWSInput } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.ts';
import { Problem } from '../errors/problem.ts';

/** What the pipeline knows about a caller once its token checks out. */
export interface VerifiedToken {
  subject: string | undefined;
  /** The SSO client the token was issued to (`azp`, else `client_id`): the consumer. */
  clientId: string | undefined;
  /** Scopes from the `scope` claim plus roles from the configured role claims. */
  grants: ReadonlySet<string>;
  roles: readonly string[];
  expiresAt: number;
  kid: string | undefined;
}

type RemoteJwks = ReturnType<typeof createRemoteJWKSet>;

function claimAt(payload: JWTPayload, path: string): unknown {
  let value: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The roles in a token's claims: the string arrays at the configured claim paths (`sso.roleClaims`). */
export function rolesIn(payload: JWTPayload, roleClaims: readonly string[]): string[] {
  return roleClaims.flatMap((path) => stringList(claimAt(payload, path)));
}

/**
 * Verifies SSO access tokens against the issuer's JWKS.
 *
 * Keys come from the discovery document's `jwks_uri` (jose's remote key set, used here only as a
 * fetcher and key store: its own time-based refetching is switched off). This class decides when
 * to fetch: on a background interval, and when a token names an unknown `kid`, at most once per
 * cooldown whether or not the SSO answered, so forged tokens cannot turn into a flood against the
 * SSO. A failed fetch keeps the keys already known, so a short SSO outage does not stop traffic.
 * Verified tokens are cached until `exp`: a signature check costs ~100 µs, a lookup almost nothing.
 */
export class TokenVerifier {
  private jwks: RemoteJwks | undefined;
  private knownKids = new Set<string>();
  private lastOnDemandFetch = Number.NEGATIVE_INFINITY;
  private discovery: Promise<RemoteJwks> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly cache: LRUCache<string, VerifiedToken> | undefined;
  private readonly sso: GatewayConfig['sso'];
  private readonly log: Logger;
  /** Counters for tests and metrics: JWKS fetch attempts, signature checks, cache hits. */
  jwksFetches = 0;
  signatureChecks = 0;
  cacheHits = 0;

  constructor(sso: GatewayConfig['sso'], log: Logger) {
    this.sso = sso;
    this.log = log;
    this.cache = sso.tokenCacheSize > 0 ? new LRUCache({ max: sso.tokenCacheSize }) : undefined;
  }

  /** Loads discovery and keys if the SSO answers; if not, traffic waits for the first success. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.sso.jwksRefreshSeconds * 1000);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** True once a key set has been loaded. */
  get ready(): boolean {
    return this.knownKids.size > 0 || (this.jwks?.jwks()?.keys.length ?? 0) > 0;
  }

  private discover(): Promise<RemoteJwks> {
    this.discovery ??= (async () => {
      const url = `${this.sso.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const response = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
      if (!response.ok) throw new Error(`discovery answered ${response.status}`);
      const document = (await response.json()) as { issuer?: string; jwks_uri?: string };
      if (document.issuer !== this.sso.issuer) throw new Error(`discovery names issuer ${document.issuer}, expected ${this.sso.issuer}`);
      if (!document.jwks_uri) throw new Error('discovery has no jwks_uri');
      return createRemoteJWKSet(new URL(document.jwks_uri), { cacheMaxAge: Number.POSITIVE_INFINITY, cooldownDuration: Number.POSITIVE_INFINITY });
    })();
    this.discovery.catch(() => {
      this.discovery = undefined;
    });
    return this.discovery;
  }

  /** Fetches the key set; on failure the old keys stay. Drops cached tokens whose key is gone. */
  async refresh(): Promise<void> {
    try {
      this.jwks = await this.discover();
      this.jwksFetches++;
      // One immediate retry: a pooled keep-alive socket to a restarted SSO fails once, then reconnects.
      await this.jwks.reload().catch(() => this.jwks!.reload());
      const kids = new Set((this.jwks.jwks()?.keys ?? []).map((key) => key.kid).filter((kid): kid is string => typeof kid === 'string'));
      const removed = [...this.knownKids].filter((kid) => !kids.has(kid));
      this.knownKids = kids;
      if (removed.length > 0 && this.cache) {
        for (const [token, verified] of this.cache.entries()) {
          if (verified.kid !== undefined && removed.includes(verified.kid)) this.cache.delete(token);
        }
        this.log.info({ removedKids: removed }, 'SSO keys rotated out; their cached tokens dropped');
      }
    } catch (error) {
      this.log.warn({ err: (error as Error).message }, 'SSO key set could not be fetched; keeping the keys already known');
    }
  }

  private readonly resolveKey = async (header: JWTHeaderParameters, token: FlattenedJWSInput) => {
    const unknown = !this.jwks?.jwks() || (header.kid !== undefined && !this.knownKids.has(header.kid));
    if (unknown) {
      const now = Date.now();
      if (now - this.lastOnDemandFetch >= this.sso.jwksCooldownSeconds * 1000) {
        this.lastOnDemandFetch = now;
        await this.refresh();
      }
    }
    if (!this.jwks?.jwks() || (header.kid !== undefined && !this.knownKids.has(header.kid))) throw new errors.JWKSNoMatchingKey();
    return this.jwks(header, token);
  };

  async verify(token: string): Promise<VerifiedToken> {
    const cached = this.cache?.get(token);
    if (cached) {
      if (cached.expiresAt * 1000 > Date.now()) {
        this.cacheHits++;
        return cached;
      }
      this.cache?.delete(token);
    }
    let payload: JWTPayload;
    let header: JWTHeaderParameters;
    this.signatureChecks++;
    try {
      ({ payload, protectedHeader: header } = await jwtVerify(token, this.resolveKey, {
        issuer: this.sso.issuer,
        audience: this.sso.audience,
        algorithms: this.sso.algorithms,
        clockTolerance: this.sso.clockToleranceSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw this.toProblem(error);
    }
    const roles = rolesIn(payload, this.sso.roleClaims);
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : stringList(payload.scp);
    const verified: VerifiedToken = {
      subject: payload.sub,
      clientId: typeof payload.azp === 'string' ? payload.azp : typeof payload.client_id === 'string' ? payload.client_id : undefined,
      grants: new Set([...scopes, ...roles]),
      roles,
      expiresAt: payload.exp as number,
      kid: header.kid,
    };
    this.cache?.set(token, verified);
    return verified;
  }

  private toProblem(error: unknown): Problem {
    if (error instanceof errors.JWTExpired) return new Problem('TOKEN_EXPIRED', 'The access token has expired.');
    if (error instanceof errors.JWTClaimValidationFailed) return new Problem('TOKEN_INVALID', `The access token was rejected: ${error.message}.`);
    if (error instanceof errors.JWKSNoMatchingKey) return new Problem('TOKEN_INVALID', 'The access token is signed with a key the SSO does not publish.');
    if (error instanceof errors.JOSEAlgNotAllowed) return new Problem('TOKEN_INVALID', 'The access token uses a signing algorithm that is not allowed.');
    if (error instanceof errors.JWSSignatureVerificationFailed) return new Problem('TOKEN_INVALID', 'The access token signature does not verify.');
    if (error instanceof errors.JOSEError) return new Problem('TOKEN_INVALID', 'The access token is not a valid signed JWT.');
    this.log.error({ err: (error as Error)?.message }, 'unexpected error while verifying a token');
    return new Problem('TOKEN_INVALID', 'The access token could not be verified.');
  }
}
