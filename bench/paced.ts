import { Pool } from 'undici';

/** What one load run produced, whichever generator drove it. */
export interface LoadResult {
  /** Seconds from the first request sent to the last answer. */
  duration: number;
  /** Completed requests (answered, whatever the status). */
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /**
   * Paced runs: the p99 of how late the generator sent a request after its due time (its timer
   * woke late: its own garbage collection, or no core free for it). Every answer's latency
   * includes this; it is the instrument's share, not the target's.
   */
  sendLateP99Ms?: number;
}

export interface PacedTarget {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

/**
 * An open-loop load at an even pace: request i is due at start + i / rate, whatever happened to
 * the ones before, and its latency is counted from that due time (so a stall of the target is
 * charged to every request it delayed, not hidden by a generator that waited for it).
 *
 * autocannon's `overallRate` is not used for this: it lets each connection send its share of a
 * second back to back from the start of every second, then idle, so "half of peak" is really
 * full concurrency for half of each second, and its p99 is the p99 of a saturated target.
 */
export async function pacedLoad(target: PacedTarget, rate: number, seconds: number, connections: number, onLatency: (ms: number) => void): Promise<LoadResult> {
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000, headersTimeout: 10_000, bodyTimeout: 10_000 });
  const result: LoadResult = { duration: 0, requests: 0, non2xx: 0, errors: 0, timeouts: 0, statusCodes: {} };
  const path = url.pathname + url.search;
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const inFlight = new Set<Promise<void>>();
  const late = new Float64Array(total);
  let sent = 0;

  const send = (due: number) => {
    const answered = pool
      .request({ path, method: target.method, headers: target.headers, ...(target.body === undefined ? {} : { body: target.body }) })
      .then(async ({ statusCode, body }) => {
        await body.dump();
        onLatency(performance.now() - due);
        result.requests++;
        result.statusCodes[statusCode] = (result.statusCodes[statusCode] ?? 0) + 1;
        if (statusCode < 200 || statusCode > 299) result.non2xx++;
      })
      .catch((error: { code?: string }) => {
        if (error.code === 'UND_ERR_HEADERS_TIMEOUT' || error.code === 'UND_ERR_BODY_TIMEOUT') result.timeouts++;
        else result.errors++;
      })
      .finally(() => inFlight.delete(answered));
    inFlight.add(answered);
  };

  // Timers fire at best every millisecond: each wake-up sends every request that has fallen due.
  while (sent < total) {
    const now = performance.now();
    const due = Math.min(total, Math.floor(((now - start) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      const dueAt = start + (sent / rate) * 1000;
      late[sent] = now - dueAt;
      send(dueAt);
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  while (inFlight.size > 0) await Promise.all([...inFlight]);
  result.duration = (performance.now() - start) / 1000;
  late.sort();
  result.sendLateP99Ms = Math.max(0, late[Math.max(0, Math.ceil(0.99 * total) - 1)] ?? 0);
  await pool.close();
  return result;
}
