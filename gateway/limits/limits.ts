/**
 * Rate limits, daily quotas and concurrency caps of the gateway (semantics in README.md).
 *
 *   const limits = await Limits.create({ redisUrl: process.env.REDIS_URL ?? null, log });
 *   const d = await limits.consume(`rate:${consumer}:${contract}`, { rps: 20, burst: 5 });
 *   if (!d.allowed) -> 429 RATE_LIMITED, rateLimitHeaders(d) (headers.ts)
 *   const q = await limits.consumeDaily(`quota:${agreement}`, 10_000, 'Asia/Jakarta');
 *   const release = limits.acquire(`upstream:${name}`, maxConcurrent); ... finally release?.()
 */
import type { Logger } from 'pino';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { localDay } from './calendar.ts';
import { ConcurrencyGate } from './concurrency.ts';
import { RedisConnection, defaultRedisTimeouts, type RedisTimeouts } from './redis-connection.ts';
import { consumeOne, createWindowLimiter, giveBackOne } from './window-limiter.ts';

/** Sustained rate and bucket size: `burst` requests per window of `burst / rps` seconds. */
export interface RateRule {
  /** Requests per second on average (> 0; fractions allowed, e.g. 0.5 = one every 2 s). */
  rps: number;
  /** Requests allowed at once, and per window (integer >= 1). */
  burst: number;
}

export interface LimitDecision {
  allowed: boolean;
  /** For `RateLimit-Limit`: the burst of a rate rule, the quota of a daily quota. */
  limit: number;
  /** For `RateLimit-Remaining` (>= 0). */
  remaining: number;
  /** For `RateLimit-Reset`: whole seconds until the window ends (rate) or local midnight (quota), >= 1. */
  resetSeconds: number;
  /** For `Retry-After`, only when refused: whole seconds (>= 1) until a request can pass again. */
  retryAfterSeconds?: number;
}

export type LimitsBackend = 'memory' | 'redis' | 'redis-down';

export interface LimitsOptions {
  /** `redis://[user:password@]host:port[/db]`; null = in memory only (one gateway instance). */
  redisUrl: string | null;
  /** Prefix of every Redis key (default `penghubung:limits`). */
  keyPrefix?: string;
  log: Logger;
  /** Redis timeouts (ms); defaults in redis-connection.ts (connect 1000, command 200, socket 1000, reconnect <= 1000). */
  redisTimeouts?: Partial<RedisTimeouts>;
}

/** A quota key outlives its day by far; the day in the key, not the expiry, makes the window. */
const QUOTA_KEY_LIFETIME_MS = 2 * 24 * 60 * 60 * 1000;
/** Longest window a rate rule may ask for (the memory limiter's timers are capped near 24.8 days). */
const MAX_WINDOW_MS = 2_000_000_000;

export class Limits {
  readonly #redis: RedisConnection | null;
  readonly #keyPrefix: string;
  readonly #log: Logger;
  readonly #rateLimiters = new Map<string, { limiter: RateLimiterAbstract; windowMs: number }>();
  readonly #quotaLimiter: RateLimiterAbstract;
  readonly #gate = new ConcurrencyGate();
  #faultLogged = false;

  private constructor(redis: RedisConnection | null, keyPrefix: string, log: Logger) {
    this.#redis = redis;
    this.#keyPrefix = keyPrefix;
    this.#log = log;
    // One counter per agreement and day, whatever the quota: a quota changed during the day
    // keeps the day's count. The limiter never refuses by itself; consumeDaily compares.
    this.#quotaLimiter = createWindowLimiter(
      { keyPrefix: `${keyPrefix}:daily`, points: Number.MAX_SAFE_INTEGER, windowMs: QUOTA_KEY_LIFETIME_MS, blockInMemoryWhenUsedUp: false },
      redis?.client ?? null,
    );
  }

  /**
   * Never throws because Redis is down: waits at most the connect timeout for a first
   * connection, then serves from memory and keeps reconnecting in the background.
   */
  static async create(options: LimitsOptions): Promise<Limits> {
    const log = options.log.child({ component: 'limits' });
    const keyPrefix = options.keyPrefix ?? 'penghubung:limits';
    if (options.redisUrl === null) {
      log.info({ limits: 'memory' }, 'rate limits: in memory (this gateway instance only)');
      return new Limits(null, keyPrefix, log);
    }
    const timeouts = { ...defaultRedisTimeouts, ...options.redisTimeouts };
    const redis = new RedisConnection(options.redisUrl, timeouts, log);
    const limits = new Limits(redis, keyPrefix, log);
    await redis.start(timeouts.connectTimeoutMs);
    return limits;
  }

  /**
   * One request against `rule` for `key` (e.g. `rate:<consumer>:<contract>`). A fresh key may
   * pass `burst` requests at once; the window (burst / rps seconds) starts at its first request
   * and all `burst` come back when it ends.
   */
  async consume(key: string, rule: RateRule): Promise<LimitDecision> {
    const { limiter, windowMs } = this.#rateLimiter(rule);
    const count = await consumeOne(limiter, key, windowMs, (error) => this.#fault(error));
    const resetSeconds = wholeSeconds(count.msToWindowEnd);
    return {
      allowed: count.allowed,
      limit: rule.burst,
      remaining: count.allowed ? Math.max(0, rule.burst - count.consumed) : 0,
      resetSeconds,
      ...(count.allowed ? {} : { retryAfterSeconds: resetSeconds }),
    };
  }

  /**
   * One call against a daily quota for `key` (e.g. `quota:<agreement>`), counted per calendar
   * day in `timeZone` (IANA name): stored as `<key>:<YYYY-MM-DD>`, resets at local midnight.
   * Refused calls are not counted. `quota` 0 refuses every call.
   */
  async consumeDaily(key: string, quota: number, timeZone: string, now: Date = new Date()): Promise<LimitDecision> {
    if (!Number.isInteger(quota) || quota < 0) throw new RangeError(`daily quota must be an integer >= 0 (got ${quota})`);
    const day = localDay(now, timeZone);
    const dayKey = `${key}:${day.date}`;
    const count = await consumeOne(this.#quotaLimiter, dayKey, QUOTA_KEY_LIFETIME_MS, (error) => this.#fault(error));
    const resetSeconds = wholeSeconds(day.msToMidnight);
    const allowed = count.consumed <= quota;
    if (!allowed) await giveBackOne(this.#quotaLimiter, dayKey);
    return {
      allowed,
      limit: quota,
      remaining: allowed ? quota - count.consumed : 0,
      resetSeconds,
      ...(allowed ? {} : { retryAfterSeconds: resetSeconds }),
    };
  }

  /** Calls counted today (calendar day in `timeZone`) against the daily quota `key`, without counting one: for warnings. */
  async usedToday(key: string, timeZone: string, now: Date = new Date()): Promise<number> {
    const res = await this.#quotaLimiter.get(`${key}:${localDay(now, timeZone).date}`).catch((error: unknown) => {
      this.#fault(error);
      return null;
    });
    return res?.consumedPoints ?? 0;
  }

  /**
   * Takes one of `max` in-flight slots for `key` (e.g. `upstream:<name>`) in this process.
   * Returns the release function (idempotent: calling it twice frees one slot), or null at the cap.
   */
  acquire(key: string, max: number): (() => void) | null {
    return this.#gate.acquire(key, max);
  }

  /** Slots taken for `key` (metrics, tests). */
  inFlight(key: string): number {
    return this.#gate.inFlight(key);
  }

  /** Where decisions are taken now: for /readyz detail and logs. */
  backend(): LimitsBackend {
    if (!this.#redis) return 'memory';
    return this.#redis.isUp() ? 'redis' : 'redis-down';
  }

  async close(): Promise<void> {
    await this.#redis?.close();
  }

  #rateLimiter(rule: RateRule): { limiter: RateLimiterAbstract; windowMs: number } {
    const windowMs = windowOf(rule);
    const id = `${rule.burst}/${windowMs}ms`;
    let entry = this.#rateLimiters.get(id);
    if (!entry) {
      // The rule is part of the key prefix: two rules never share (and mis-expire) a counter.
      const limiter = createWindowLimiter(
        { keyPrefix: `${this.#keyPrefix}:rate:${id}`, points: rule.burst, windowMs, blockInMemoryWhenUsedUp: true },
        this.#redis?.client ?? null,
      );
      entry = { limiter, windowMs };
      this.#rateLimiters.set(id, entry);
    }
    return entry;
  }

  #fault(error: unknown): void {
    if (this.#faultLogged) return;
    this.#faultLogged = true;
    this.#log.error({ err: error instanceof Error ? error.message : String(error) }, 'rate limits: limiter failed, requests are let through unlimited');
  }
}

/** The window of a rule: burst / rps seconds, in whole milliseconds. */
export function windowOf(rule: RateRule): number {
  if (!(Number.isFinite(rule.rps) && rule.rps > 0)) throw new RangeError(`rate rule rps must be a number > 0 (got ${rule.rps})`);
  if (!(Number.isInteger(rule.burst) && rule.burst >= 1)) throw new RangeError(`rate rule burst must be an integer >= 1 (got ${rule.burst})`);
  const windowMs = Math.max(1, Math.round((rule.burst / rule.rps) * 1000));
  if (windowMs > MAX_WINDOW_MS) throw new RangeError(`rate rule window burst/rps is too long (${windowMs} ms)`);
  return windowMs;
}

function wholeSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
