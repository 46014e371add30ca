/**
 * A store that cannot be reached or cannot write (down, restarting, out of disk), as opposed to a
 * statement it refused (a constraint, a bad value). An exchange that needs the store then gets
 * 503 `STORE_UNAVAILABLE` (retry later) rather than 500: the fault is the database's, not the
 * gateway's, and it passes.
 */
export class StoreUnavailable extends Error {
  /** The SQLSTATE or socket error code of the cause, when it had one. */
  readonly code: string | undefined;
  constructor(cause: Error) {
    super(`store unavailable: ${cause.message}`, { cause });
    this.name = 'StoreUnavailable';
    const code = (cause as { code?: unknown }).code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

// SQLSTATE classes: 08 connection exception, 53 insufficient resources (53100 disk full),
// 57 operator intervention (57P01 admin shutdown, 57P03 cannot connect now), 58 system error
// (58030 I/O error).
const unavailableState = /^(08|53|57|58)[0-9A-Z]{3}$/;
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// node-postgres reports a lost or refused connection, and a query past `query_timeout`, without any code.
const connectionLost = /connection terminated|timeout exceeded when trying to connect|not queryable|connection error|query read timeout/i;

/** The error as a `StoreUnavailable` when it says the store is out of reach; unchanged otherwise. */
export function storeFailure(error: Error): Error;
export function storeFailure(error: unknown): unknown;
export function storeFailure(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof StoreUnavailable) return error;
  const code = (error as { code?: unknown }).code;
  const unavailable = typeof code === 'string' ? unavailableState.test(code) || socketCodes.has(code) : connectionLost.test(error.message);
  return unavailable ? new StoreUnavailable(error) : error;
}
