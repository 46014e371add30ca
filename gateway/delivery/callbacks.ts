import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import type { GatewayConfig } from '../config/schema.ts';
import { Problem } from '../errors/problem.ts';
import type { CallbackDue, DeliveryState, Outbox } from './outbox.ts';
import { PassFailures } from '../store/pass-failures.ts';

type CallbackSettings = GatewayConfig['delivery']['callbacks'];

/** Long enough for any URL a caller needs, short enough to keep rows and log lines small. */
const maxUrlLength = 2048;
const events: Partial<Record<DeliveryState, string>> = { delivered: 'delivery.delivered', failed: 'delivery.failed', cancelled: 'delivery.cancelled' };
const origins = new WeakMap<readonly string[], ReadonlySet<string>>();

/**
 * The configured allow-list as normalized origins (`https://host[:port]`, default ports dropped,
 * host lower case): the form `URL.origin` gives, so comparison is exact. Throws on an entry that
 * is not an origin, which stops the gateway at start (the worker builds it there).
 */
export function allowedOriginsOf(list: readonly string[]): ReadonlySet<string> {
  let set = origins.get(list);
  if (!set) {
    set = new Set(list.map((entry) => {
      let url: URL;
      try {
        url = new URL(entry);
      } catch {
        throw new Error(`delivery.callbacks.allowedOrigins: "${entry}" is not an origin (scheme://host[:port])`);
      }
      if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.pathname !== '/' || url.search || url.hash) {
        throw new Error(`delivery.callbacks.allowedOrigins: "${entry}" is not an http(s) origin (scheme://host[:port], nothing after)`);
      }
      return url.origin;
    }));
    origins.set(list, set);
  }
  return set;
}

function refusal(reason: 'not-async' | 'malformed' | 'scheme' | 'userinfo' | 'origin', why: string): Problem {
  return new Problem('CALLBACK_NOT_ALLOWED', `Penghubung-Callback refused: ${why}. Nothing was stored.`, { reason });
}

/**
 * The `Penghubung-Callback` header of a request: the URL to store with its delivery, `null` when
 * none was sent, or a CALLBACK_NOT_ALLOWED refusal. Only origins the Dinas listed are accepted, so
 * a caller can never make the gateway call its admin listener, a metadata endpoint or any other
 * address of the caller's choosing (SSRF).
 */
export function acceptCallback(values: string[] | undefined, isAsync: boolean, settings: CallbackSettings): string | null {
  if (values === undefined) return null;
  if (!isAsync) throw refusal('not-async', 'this operation is answered at once (it is not `delivery: async`), so there is nothing to call back about');
  if (values.length !== 1) throw refusal('malformed', 'send the header once');
  const value = values[0]!.trim();
  if (value.length > maxUrlLength) throw refusal('malformed', `the URL is longer than ${maxUrlLength} characters`);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw refusal('malformed', 'the value is not an absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refusal('scheme', `only http and https URLs are called, not ${url.protocol.slice(0, -1)}`);
  if (url.username || url.password) throw refusal('userinfo', 'a user name or password in the URL is not accepted (it would be stored with the delivery)');
  if (!allowedOriginsOf(settings.allowedOrigins).has(url.origin)) throw refusal('origin', `the origin ${url.origin} is not in the Dinas' allow-list (delivery.callbacks.allowedOrigins)`);
  url.hash = '';
  return url.href;
}

/** A callback URL as logs and the admin view show it: never the query string, which may hold the caller's secret. */
export function displayCallbackUrl(href: string): string {
  const url = new URL(href);
  return `${url.origin}${url.pathname}${url.search ? '?[query omitted]' : ''}`;
}

/** `final`: trying again cannot help (the origin is no longer allowed). */
type Attempt = { ok: true; status: number } | { ok: false; error: string; final?: boolean };

/**
 * Notifies callback URLs when deliveries end: a thin event `{ deliveryId, status, location }`,
 * no upstream answer and no personal data (the caller polls `location` with its own token), so a
 * forged event can do no harm and needs no signature. A 2xx ends it; anything else (a redirect
 * too: none is followed) is retried with backoff up to `maxAttempts`, then marked `failed`. Runs on
 * its own timer and sends a batch concurrently, so a slow receiver never holds up deliveries.
 */
export class CallbackNotifier {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly outbox: Outbox;
  private readonly settings: GatewayConfig['delivery'];
  private readonly log: Logger;
  private readonly passes: PassFailures;
  private readonly agent: Agent;
  /** Counters for tests and the admin view. */
  readonly stats = { sent: 0, retried: 0, failed: 0 };

  constructor(outbox: Outbox, settings: GatewayConfig['delivery'], log: Logger) {
    this.outbox = outbox;
    this.settings = settings;
    this.log = log;
    this.passes = new PassFailures(log, 'callback pass');
    allowedOriginsOf(settings.callbacks.allowedOrigins);
    const { timeoutMs } = settings.callbacks;
    this.agent = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  }

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.settings.pollMs);
    this.timer.unref();
    void this.tick();
  }

  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= this.pass().then(() => this.passes.succeeded(), (error: Error) => this.passes.failed(error)).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    // The lease outlasts one attempt: an instance that stops mid-call leaves it to another after this.
    const leaseSeconds = Math.ceil(this.settings.callbacks.timeoutMs / 1000) + 30;
    for (;;) {
      if (this.stopped) return;
      const due = await this.outbox.claimCallbacks(this.settings.batchSize, leaseSeconds);
      if (due.length === 0) return;
      await Promise.all(due.map((callback) => this.notify(callback)));
    }
  }

  private backoff(attempts: number): number {
    const { baseDelayMs, maxDelayMs } = this.settings.callbacks;
    const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** Math.max(0, attempts - 1));
    return Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
  }

  private async notify(due: CallbackDue): Promise<void> {
    const event = events[due.state] ?? `delivery.${due.state}`;
    const fields = { deliveryId: due.id, event, callback: displayCallbackUrl(due.url), attempts: due.attempts };
    const attempt = await this.post(due, event);
    if (attempt.ok) {
      await this.outbox.callbackSent(due.id, due.attempts);
      this.stats.sent++;
      this.log.info({ ...fields, status: attempt.status }, 'delivery callback sent');
    } else if (due.attempts < this.settings.callbacks.maxAttempts && !attempt.final) {
      const delayMs = this.backoff(due.attempts);
      await this.outbox.callbackRetryLater(due.id, due.attempts, delayMs, attempt.error);
      this.stats.retried++;
      this.log.info({ ...fields, delayMs, error: attempt.error }, 'delivery callback failed; will be retried');
    } else {
      await this.outbox.callbackFailed(due.id, due.attempts, attempt.error);
      this.stats.failed++;
      this.log.warn({ ...fields, error: attempt.error }, 'delivery callback given up (the caller can still poll its Location)');
    }
  }

  private async post(due: CallbackDue, event: string): Promise<Attempt> {
    const url = new URL(due.url);
    // Checked again at send time: an origin the Dinas removed from the list is no longer called.
    if (!allowedOriginsOf(this.settings.callbacks.allowedOrigins).has(url.origin)) return { ok: false, final: true, error: `origin ${url.origin} is no longer allowed (delivery.callbacks.allowedOrigins)` };
    const body = JSON.stringify({ deliveryId: due.id, status: due.state, location: `/deliveries/${due.id}` });
    const { timeoutMs } = this.settings.callbacks;
    try {
      const res = await request(url, {
        dispatcher: this.agent,
        method: 'POST',
        headers: { 'content-type': 'application/json', 'penghubung-delivery-id': due.id, 'penghubung-event': event, 'user-agent': 'penghubung' },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body.dump().catch(() => undefined);
      if (res.statusCode >= 200 && res.statusCode < 300) return { ok: true, status: res.statusCode };
      const redirect = res.statusCode >= 300 && res.statusCode < 400 ? ' (redirects are not followed)' : '';
      return { ok: false, error: `answered ${res.statusCode}${redirect}` };
    } catch (error) {
      const { name, code } = error as { name?: string; code?: string };
      if (name === 'TimeoutError' || name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
        return { ok: false, error: `no answer within ${timeoutMs} ms` };
      }
      // The error's code only: undici messages may quote the URL.
      return { ok: false, error: `could not be reached (${code ?? name ?? 'connection error'})` };
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
    await this.agent.close();
  }
}
