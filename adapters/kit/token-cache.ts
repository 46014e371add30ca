export interface IssuedToken {
  value: string;
  /** Lifetime announced by the issuer (`expires_in`). */
  expiresInSeconds: number;
}

export interface TokenCacheOptions {
  /** Refresh this long before expiry; calls keep using the current token meanwhile. Default 60 s. */
  refreshAheadSeconds?: number;
  /** Milliseconds since the epoch; tests pass a controllable clock. */
  now?: () => number;
}

/**
 * One upstream token (an OAuth2 access token, an SSO token): fetched on first use, reused until
 * shortly before expiry, then refreshed ahead of time while callers keep the still-valid token.
 * However many calls arrive together, at most one fetch is in flight (no stampede on the issuer).
 */
export class TokenCache {
  private current?: { value: string; expiresAt: number; refreshAt: number };
  private inFlight?: Promise<string>;
  private readonly refreshAheadMs: number;
  private readonly now: () => number;
  /** Fetches made, for tests and the admin view. */
  fetches = 0;

  private readonly issue: () => Promise<IssuedToken>;

  constructor(issue: () => Promise<IssuedToken>, options: TokenCacheOptions = {}) {
    this.issue = issue;
    this.refreshAheadMs = (options.refreshAheadSeconds ?? 60) * 1000;
    this.now = options.now ?? Date.now;
  }

  async get(): Promise<string> {
    const now = this.now();
    const token = this.current;
    if (token && now < token.refreshAt) return token.value;
    if (token && now < token.expiresAt) {
      // Still valid: refresh in the background, answer with what we have.
      this.refresh().catch(() => undefined);
      return token.value;
    }
    return this.refresh();
  }

  /**
   * Drops the token after the upstream refused it (expired or revoked early). Only the token the
   * refused call carried is dropped, so a fresher one fetched meanwhile survives.
   */
  invalidate(value: string): void {
    if (this.current?.value === value) this.current = undefined;
  }

  private refresh(): Promise<string> {
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async fetch(): Promise<string> {
    this.fetches++;
    const issued = await this.issue();
    const lifetime = Math.max(1, issued.expiresInSeconds) * 1000;
    const issuedAt = this.now();
    // A short-lived token is refreshed at half its life rather than never being fresh.
    const ahead = Math.min(this.refreshAheadMs, lifetime / 2);
    this.current = { value: issued.value, expiresAt: issuedAt + lifetime, refreshAt: issuedAt + lifetime - ahead };
    return issued.value;
  }
}
