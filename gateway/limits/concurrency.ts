/**
 * Per-upstream concurrency cap: how many calls to one upstream may be in flight from this
 * process at once. Deliberately in-process only (not shared through Redis): it protects the
 * upstream from this gateway instance's own burst, needs no network round trip, and a crashed
 * instance can never leave a slot taken in a shared store.
 */
export class ConcurrencyGate {
  readonly #inFlight = new Map<string, number>();

  /**
   * Takes a slot for `key` when fewer than `max` are taken; returns its release function, or
   * null when the cap is reached. Releasing twice frees one slot only.
   */
  acquire(key: string, max: number): (() => void) | null {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency cap must be an integer >= 1 (got ${max})`);
    const taken = this.#inFlight.get(key) ?? 0;
    if (taken >= max) return null;
    this.#inFlight.set(key, taken + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const now = (this.#inFlight.get(key) ?? 1) - 1;
      if (now > 0) this.#inFlight.set(key, now);
      else this.#inFlight.delete(key);
    };
  }

  /** Slots currently taken for `key` (for metrics and tests). */
  inFlight(key: string): number {
    return this.#inFlight.get(key) ?? 0;
  }
}
