/**
 * Fixed-window counters from rate-limiter-flexible: `points` requests per window of `windowMs`,
 * the window of a key starting at its first request. In Redis (shared between gateway
 * instances) with an in-memory limiter of the same shape as insurance, or in memory only.
 *
 * Why a custom Lua script: RateLimiterRedis (v11) takes the window in whole seconds
 * (`Math.floor(ms / 1000)` before `EX`), and a window under one second would get no expiry at
 * all — the key would then refuse for ever. Rate rules need sub-second windows (5 requests per
 * 250 ms for rps 20 / burst 5), so the Redis limiter is given its window in milliseconds in the
 * `duration` field, and `customIncrTtlLuaScript` (a documented option) receives that number as
 * ARGV[2] and sets it with `PX`. The library's own script is the same with `EX`.
 * Every RateLimiterRedis created on the shared client MUST use this script: the library
 * registers it on the client under one command name, so the last limiter created wins.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';

/** ARGV: [1] points to add, [2] window in ms, [3] limiter points, [4] limiter duration (= [2]). */
const incrementWithWindowMs = `
redis.call('set', KEYS[1], 0, 'PX', ARGV[2], 'NX')
local consumed = redis.call('incrby', KEYS[1], ARGV[1])
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then
  redis.call('pexpire', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
return {consumed, ttl}
`;

export interface WindowShape {
  keyPrefix: string;
  points: number;
  /** Whole milliseconds, >= 1. */
  windowMs: number;
  /**
   * Once a key has used all its points in this process's view of the window, refuse it from
   * memory until the window ends, without asking Redis (a flooding caller costs no Redis calls).
   */
  blockInMemoryWhenUsedUp: boolean;
}

/** A limiter for one window shape: Redis + memory insurance when `redis` is given, else memory. */
export function createWindowLimiter(shape: WindowShape, redis: Redis | null): RateLimiterAbstract {
  const memory = new RateLimiterMemory({
    keyPrefix: shape.keyPrefix,
    points: shape.points,
    duration: shape.windowMs / 1000, // RateLimiterMemory keeps fractional seconds (ms timers)
  });
  if (!redis) return memory;
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix: shape.keyPrefix,
    points: shape.points,
    duration: shape.windowMs, // milliseconds: see the module comment and the Lua script
    customIncrTtlLuaScript: incrementWithWindowMs,
    // While the client is not connected, go straight to the insurance limiter.
    rejectIfRedisNotReady: true,
    insuranceLimiter: memory,
    ...(shape.blockInMemoryWhenUsedUp ? { inMemoryBlockOnConsumed: shape.points } : {}),
  });
}

export interface WindowCount {
  allowed: boolean;
  /** Points consumed in the window, this request included (0 when refused from memory without a count). */
  consumed: number;
  /** Milliseconds until the window ends (>= 0). */
  msToWindowEnd: number;
}

/**
 * Consumes one point. Refusal by the limiter is a normal answer; any other failure (which the
 * memory insurance makes unexpected) is reported by `onFault` and the request is let through:
 * a broken limiter must not take the gateway down with it.
 */
export async function consumeOne(limiter: RateLimiterAbstract, key: string, windowMs: number, onFault: (error: unknown) => void): Promise<WindowCount> {
  try {
    const res = await limiter.consume(key, 1);
    return { allowed: true, consumed: res.consumedPoints, msToWindowEnd: msLeft(res, windowMs) };
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) {
      return { allowed: false, consumed: rejection.consumedPoints, msToWindowEnd: msLeft(rejection, windowMs) };
    }
    onFault(rejection);
    return { allowed: true, consumed: 0, msToWindowEnd: windowMs };
  }
}

/** Gives back one point (best effort; used to not count refused quota calls). */
export async function giveBackOne(limiter: RateLimiterAbstract, key: string): Promise<void> {
  await limiter.reward(key, 1).catch(() => undefined);
}

function msLeft(res: RateLimiterRes, windowMs: number): number {
  // A key without expiry (PTTL -1) cannot come from our script; treat it as a full window.
  return res.msBeforeNext >= 0 ? res.msBeforeNext : windowMs;
}
