import { randomBytes, timingSafeEqual } from 'node:crypto';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LRUCache } from 'lru-cache';

/** Who is signed in, from the ID token the SSO gave at sign-in. */
export interface Person {
  subject: string;
  name: string;
  roles: readonly string[];
  /** Kept for the SSO's sign-out (`id_token_hint`), never sent to the browser. */
  idToken: string;
}

export interface Session {
  id: string;
  /** Every form and every changing request carries it (synchronizer token). */
  csrf: string;
  person: Person;
  /** The console's SSO client, which the person acted through (the audit trail's `actor.clientId`). */
  clientId: string;
  createdAt: number;
  lastSeenAt: number;
}

/** A sign-in under way: what the callback must find again (RFC 7636 verifier, state, nonce). */
export interface PendingSignIn { state: string; nonce: string; verifier: string; returnTo: string }

const token = () => randomBytes(32).toString('base64url');

export interface CookieSettings {
  /** Set when browsers reach the console over HTTPS or on loopback, where browsers keep Secure cookies. */
  secure: boolean;
}

/**
 * Server-side sessions: the browser holds a random id in an httpOnly cookie, the person and the
 * CSRF token stay here. In memory: a restart signs people out, and several instances behind one
 * name need sticky routing for the console (docs/console.md). Bounded, so a flood of sign-ins
 * cannot grow it without end.
 */
export class Sessions {
  readonly #sessions: LRUCache<string, Session>;
  readonly #pending: LRUCache<string, PendingSignIn>;
  readonly #idleMs: number;
  readonly #maxMs: number;
  readonly #cookies: CookieSettings;
  readonly sessionCookie: string;
  readonly signInCookie: string;

  constructor(options: { idleMinutes: number; maxHours: number; cookies: CookieSettings }) {
    this.#idleMs = options.idleMinutes * 60_000;
    this.#maxMs = options.maxHours * 3_600_000;
    this.#cookies = options.cookies;
    this.#sessions = new LRUCache({ max: 10_000 });
    this.#pending = new LRUCache({ max: 10_000, ttl: 10 * 60_000 });
    // The __Host- prefix binds the cookie to this origin and path (no Domain), where browsers allow it (Secure).
    const prefix = options.cookies.secure ? '__Host-' : '';
    this.sessionCookie = `${prefix}penghubung-sesi`;
    this.signInCookie = `${prefix}penghubung-masuk`;
  }

  /** The request's live session: touched, or dropped when it has idled or lived too long. */
  find(req: IncomingMessage): Session | undefined {
    const id = cookiesOf(req)[this.sessionCookie];
    const session = id ? this.#sessions.get(id) : undefined;
    if (!session) return undefined;
    const now = Date.now();
    if (now - session.lastSeenAt > this.#idleMs || now - session.createdAt > this.#maxMs) {
      this.#sessions.delete(session.id);
      return undefined;
    }
    session.lastSeenAt = now;
    return session;
  }

  /** Still signed in: not closed, not idle or old past its limits (does not count as activity). */
  isOpen(session: Session): boolean {
    const now = Date.now();
    return this.#sessions.peek(session.id) === session && now - session.lastSeenAt <= this.#idleMs && now - session.createdAt <= this.#maxMs;
  }

  /** A new session for `person` (a new id at each sign-in: no fixation), its cookie set on `res`. */
  open(res: ServerResponse, person: Person, clientId: string): Session {
    const now = Date.now();
    const session: Session = { id: token(), csrf: token(), person, clientId, createdAt: now, lastSeenAt: now };
    this.#sessions.set(session.id, session);
    appendCookie(res, stringifySetCookie(this.sessionCookie, session.id, { ...this.#attributes(), maxAge: this.#maxMs / 1000 }));
    return session;
  }

  close(res: ServerResponse, session: Session | undefined): void {
    if (session) this.#sessions.delete(session.id);
    appendCookie(res, stringifySetCookie(this.sessionCookie, '', { ...this.#attributes(), maxAge: 0 }));
  }

  /** Remembers a sign-in started here; the cookie ties the SSO's callback to this browser. */
  startSignIn(res: ServerResponse, pending: PendingSignIn): void {
    const id = token();
    this.#pending.set(id, pending);
    appendCookie(res, stringifySetCookie(this.signInCookie, id, { ...this.#attributes(), maxAge: 600 }));
  }

  /** The sign-in this browser started, once: a replayed callback finds nothing. */
  takeSignIn(req: IncomingMessage, res: ServerResponse): PendingSignIn | undefined {
    const id = cookiesOf(req)[this.signInCookie];
    appendCookie(res, stringifySetCookie(this.signInCookie, '', { ...this.#attributes(), maxAge: 0 }));
    if (!id) return undefined;
    const pending = this.#pending.get(id);
    this.#pending.delete(id);
    return pending;
  }

  // Lax, not Strict: the SSO's redirect back is a cross-site navigation, after which a Strict
  // cookie would be withheld from the next page. Changes are guarded by the CSRF token anyway.
  #attributes() {
    return { httpOnly: true, secure: this.#cookies.secure, sameSite: 'lax' as const, path: '/' };
  }
}

export const cookiesOf = (req: IncomingMessage): Record<string, string | undefined> => (req.headers.cookie ? parseCookie(req.headers.cookie) : {});

export function appendCookie(res: ServerResponse, cookie: string): void {
  const existing = res.getHeader('set-cookie');
  res.setHeader('set-cookie', [...(Array.isArray(existing) ? existing : existing === undefined ? [] : [String(existing)]), cookie]);
}

/** The session's CSRF token matches `given` (compared in constant time). */
export function csrfMatches(session: Session, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== session.csrf.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(session.csrf));
}
