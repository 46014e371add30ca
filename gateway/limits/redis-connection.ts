/**
 * The one ioredis client the limiter shares, configured so that Redis trouble never holds a
 * request: every command either gets its answer quickly or fails quickly, and a failed command
 * is answered by the in-memory insurance limiter instead (see window-limiter.ts).
 *
 * - `enableOfflineQueue: false`: while disconnected, a command fails at once instead of waiting
 *   in a queue for the reconnect.
 * - `commandTimeout`: a command Redis does not answer in time fails (slow or hung Redis).
 * - `socketTimeout`: a socket that gets no reply for this long is destroyed, so a silent network
 *   partition (no RST, no FIN) is noticed and the client switches to "reconnecting", where
 *   commands fail at once rather than each waiting for the command timeout.
 * - `maxRetriesPerRequest: 1`, `autoResendUnfulfilledCommands: false`: a command cut off by a
 *   dropped connection is not replayed later (it was already answered from memory; replaying it
 *   would count the request twice).
 * - `retryStrategy`: reconnects for ever with a capped backoff, so Redis is used again soon
 *   after it is back.
 *
 * The URL may carry a password: it is never logged or put into an error.
 */
import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisTimeouts {
  /** TCP connect + handshake budget per attempt (ms). */
  connectTimeoutMs: number;
  /** Budget for one command (ms); past it the decision is taken in memory. */
  commandTimeoutMs: number;
  /** A connection that has commands outstanding but receives nothing for this long is dropped (ms). */
  socketTimeoutMs: number;
  /** Longest pause between reconnect attempts (ms). */
  maxReconnectDelayMs: number;
}

export const defaultRedisTimeouts: RedisTimeouts = {
  connectTimeoutMs: 1000,
  commandTimeoutMs: 200,
  socketTimeoutMs: 1000,
  maxReconnectDelayMs: 1000,
};

/** Owns the client; reports whether it is usable and logs each change of state once. */
export class RedisConnection {
  readonly client: Redis;
  readonly #log: Logger;
  #up = false;
  /** Whether the "down" state has been logged since the last time Redis was up. */
  #downLogged = false;
  #closed = false;

  constructor(url: string, timeouts: RedisTimeouts, log: Logger) {
    this.#log = log;
    this.client = new Redis(url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      connectTimeout: timeouts.connectTimeoutMs,
      commandTimeout: timeouts.commandTimeoutMs,
      socketTimeout: timeouts.socketTimeoutMs,
      maxRetriesPerRequest: 1,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt) => Math.min(100 * 2 ** Math.min(attempt - 1, 10), timeouts.maxReconnectDelayMs),
    });
    this.client.on('ready', () => {
      if (this.#up) return;
      this.#up = true;
      this.#downLogged = false;
      this.#log.info({ limits: 'redis' }, 'rate limits: Redis connected, limits are shared between gateway instances');
    });
    // ioredis emits 'error' on every failed reconnect attempt: log only the first after a change.
    this.client.on('error', (error: Error) => this.#markDown(error.message));
    this.client.on('close', () => this.#markDown('connection closed'));
  }

  /**
   * Starts connecting and waits at most `budgetMs` for the first connection. Never throws:
   * when Redis is unreachable the client keeps retrying in the background.
   */
  async start(budgetMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const attempt = this.client.connect().then(
      () => undefined,
      (error: unknown) => this.#markDown(error instanceof Error ? error.message : String(error)),
    );
    const budget = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, budgetMs);
      timer.unref();
    });
    await Promise.race([attempt, budget]);
    clearTimeout(timer);
  }

  /** True while the client has a ready connection; commands are only sent then. */
  isUp(): boolean {
    return this.client.status === 'ready';
  }

  close(): Promise<void> {
    this.#closed = true;
    this.client.disconnect(false);
    return Promise.resolve();
  }

  #markDown(reason: string): void {
    if (this.#closed) return;
    this.#up = false;
    if (this.#downLogged) return;
    this.#downLogged = true;
    // `reason` is an ioredis/socket message (e.g. "connect ECONNREFUSED 127.0.0.1:6379"): it names
    // the host and port, never the URL's credentials.
    this.#log.warn({ limits: 'redis-down', reason }, 'rate limits: Redis unavailable, limits are enforced in memory by each gateway instance until it is back');
  }
}
