import { setTimeout as sleep } from 'node:timers/promises';

export interface UntilOptions<T> {
  /** Default 8000. */
  timeoutMs?: number;
  /** Pause between probes; default 50. */
  intervalMs?: number;
  /** What is awaited, in words, for the timeout's message. */
  what?: string;
  /** The last value as the timeout's message shows it; by default its JSON, cut at 2000 characters. */
  describe?: (value: T) => string;
}

const asJson = (value: unknown): string => {
  try {
    return String(JSON.stringify(value)).slice(0, 2000);
  } catch {
    return String(value);
  }
};

/**
 * Probes until `done` holds and returns the value it held for. Past the timeout it throws with
 * the last value seen, so a test that waited in vain says what it was waiting for and what it got
 * instead of failing later on a stale value. A probe that throws ends the wait with its error.
 */
export async function until<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, options: UntilOptions<T> | number = {}): Promise<T> {
  const { timeoutMs = 8000, intervalMs = 50, what = 'the condition', describe = asJson } = typeof options === 'number' ? { timeoutMs: options } : options;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (performance.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}; last seen: ${describe(value)}`);
    await sleep(intervalMs);
  }
}
