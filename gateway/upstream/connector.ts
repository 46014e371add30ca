import type { Socket } from 'node:net';
import { buildConnector, errors } from 'undici';
import { connectTimeoutFor, type UpstreamTls } from './model.ts';

/** undici's connector as it is: it hands back the socket it opened, which its type does not say. */
type OpeningConnector = (options: buildConnector.Options, callback: buildConnector.Callback) => Socket;

/**
 * How every upstream client of the gateway (the passthrough forwarder, the adapters' pools, the
 * delivery worker) opens a connection: undici's own connector, TLS client certificate included,
 * given up on at `connectTimeoutFor(requestTimeoutMs)` by a timer of its own. undici's
 * `connect.timeout` runs on its coarse timer wheel (ticks of about half a second: a 500 ms timeout
 * fires after up to a second), which would let a short contract's request timeout win the race and
 * turn "nothing was sent" into "the outcome is unknown".
 */
export function upstreamConnector(requestTimeoutMs: number, tls?: UpstreamTls): buildConnector.connector {
  const timeoutMs = connectTimeoutFor(requestTimeoutMs);
  const open = buildConnector({ timeout: 0, ...(tls ? { cert: tls.cert, key: tls.key, ...(tls.ca ? { ca: tls.ca } : {}) } : {}) }) as unknown as OpeningConnector;
  return (options, callback) => {
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      socket.destroy();
      callback(new errors.ConnectTimeoutError(`Connect timeout after ${timeoutMs} ms (${options.hostname}:${options.port})`), null);
    }, timeoutMs);
    let socket: Socket;
    try {
      socket = open(options, (...args) => {
        clearTimeout(timer);
        if (settled) return void args[1]?.destroy();
        settled = true;
        callback(...args);
      });
    } catch (error) {
      // Refused before any socket existed (bad TLS material, say): no timer may report it again.
      clearTimeout(timer);
      settled = true;
      throw error;
    }
  };
}
