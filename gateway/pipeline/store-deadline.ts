import { StoreUnavailable } from '../errors/store-unavailable.ts';
import type { Exchange } from './exchange.ts';

/**
 * A store call an exchange waits for, bounded by the exchange's own time (its contract's timeout,
 * counted from its arrival): a store that does not answer (the network to PostgreSQL cut) gets the
 * caller 503 STORE_UNAVAILABLE in time, not a wait until the pool's `store.queryTimeoutSeconds`.
 * The call itself runs on; `late` gets its result should it come after all, to undo what nobody
 * will use. Only for calls whose late result can be undone without a race.
 */
export function withinExchangeTime<T>(ex: Exchange, call: Promise<T>, late: (value: T) => void): Promise<T> {
  const timeoutMs = ex.match!.route.contract.timeoutMs;
  return new Promise<T>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new StoreUnavailable(new Error(`no answer within the exchange's ${timeoutMs} ms`)));
    }, Math.max(0, timeoutMs - (performance.now() - ex.startedAt)));
    call.then(
      (value) => {
        clearTimeout(timer);
        if (timedOut) late(value);
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        if (!timedOut) reject(error);
      },
    );
  });
}
